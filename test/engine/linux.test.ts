// The engine on real kernel code: Linux 6.1's drivers/block, unpacked at run
// time from Debian's linux-source-6.1 (skipped, with a message, without it).
import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { linuxMissing, linuxRoot, noteSkip } from "../helpers/linux.js";
import { analyseC } from "../helpers/engine.js";

const suite = linuxMissing ? describe.skip : describe;
noteSkip("engine on linux-source-6.1");

suite("engine on Linux 6.1 drivers/block", () => {
  const read = (p: string) => readFileSync(join(linuxRoot(["drivers/block"]), p), "utf8");

  test("lo_release is known to run under gendisk.open_mutex, from loop's block_device_operations", async () => {
    const a = await analyseC({ "drivers/block/loop.c": read("drivers/block/loop.c") });
    const f = a.functions.get("lo_release")!;
    expect(f.entries).toMatchObject([{ kind: "bdev-release", source: "lo_fops.release", inferred: false }]);
    expect(f.entries[0].holds.map((h) => h.cls)).toEqual(["gendisk.open_mutex"]);
  });

  test("nbd_open takes nbd_index_mutex under gendisk.open_mutex", async () => {
    const a = await analyseC({ "drivers/block/nbd.c": read("drivers/block/nbd.c") });
    const ev = a.graph.evidence("gendisk.open_mutex", "nbd_index_mutex").filter((e) => e.function === "nbd_open");
    expect(ev.length).toBeGreaterThan(0);
    expect(ev[0].holder.origin).toBe("context");
    expect(ev[0].path[0].note).toBe("mutex_lock(nbd_index_mutex)");
  });

  test("nbd's recv_work runs inside its workqueue and the teardown waits for it", async () => {
    const a = await analyseC({ "drivers/block/nbd.c": read("drivers/block/nbd.c") });
    expect(a.workBindings.get("nbd_device.remove_work")?.map((b) => b.fn)).toEqual(["nbd_dev_remove_work"]);
    expect([...(a.workQueues.get("nbd_dev_remove_work") ?? [])]).toEqual(["nbd_del_wq"]);
    const cleanup = a.functions.get("nbd_cleanup")!;
    expect(cleanup.entries.map((e) => e.kind)).toContain("exit");
    expect(cleanup.facts.acquires.some((x) => x.cls === "wq:nbd_del_wq" && x.api === "destroy_workqueue")).toBe(true);
  });

  test("6.1's __loop_clr_fd(lo, true) from lo_release does not count the open_mutex taken only when !release", async () => {
    const a = await analyseC({ "drivers/block/loop.c": read("drivers/block/loop.c") });
    expect(a.graph.evidence("gendisk.open_mutex", "gendisk.open_mutex").filter((e) => e.function === "lo_release")).toEqual([]);
    // …while loop_clr_fd() (ioctl) does reach the lock through the same helper.
    expect(a.functions.get("__loop_clr_fd")!.summary.effects.some((e) => e.cls === "gendisk.open_mutex")).toBe(true);
  });

  test("every file of drivers/block is modelled without a crash", async () => {
    const root = linuxRoot(["drivers/block"]);
    const { readdirSync, statSync } = await import("node:fs");
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.[ch]$/.test(e)) files.push(p);
      }
    };
    walk(join(root, "drivers/block"));
    let functions = 0;
    for (const p of files) {
      const a = await analyseC({ [p.slice(root.length + 1)]: readFileSync(p, "utf8") });
      functions += a.functions.size;
    }
    expect(files.length).toBeGreaterThan(80);
    // ~2,945 function bodies open with `{` at column 0; a few sit in macro-generated code tree-sitter cannot see.
    expect(functions).toBeGreaterThan(2880);
  });
});
