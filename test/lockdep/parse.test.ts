// Parsing lockdep reports (fixtures/lockdep: hand-written in lockdep's format).
import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { baseName, chainEdges, parseSplats } from "../../src/lockdep/parse.js";

const fx = (n: string) => readFileSync(`fixtures/lockdep/${n}`, "utf8");

describe("lockdep report parser", () => {
  test("a circular report through dmesg timestamps: locks, chain blocks with stacks, scenario, held locks", () => {
    const [s] = parseSplats(fx("xdev-circular.txt"));
    expect(s).toMatchObject({
      kind: "circular",
      line: 2,
      trying: { lock: "&disk->open_mutex", at: { fn: "del_gendisk" } },
      holding: { lock: "xdev_index_mutex", at: { fn: "xdev_delete" } },
      scenario: { cpu0: ["xdev_index_mutex", "&disk->open_mutex"], cpu1: ["&disk->open_mutex", "xdev_index_mutex"] },
      held: [{ lock: "xdev_index_mutex" }],
    });
    expect(s.chain.map((b) => [b.index, b.lock, b.stack.length])).toEqual([
      [1, "xdev_index_mutex", 12],
      [0, "&disk->open_mutex", 10],
    ]);
    expect(s.chain[1].stack.map((f) => f.fn).slice(3, 6)).toEqual(["del_gendisk", "xdev_remove", "xdev_delete"]);
    expect(s.backtrace.map((f) => f.fn)).toContain("xdev_ctl_ioctl");
  });

  test("chain edges follow lockdep's meaning: #k taken while holding #k-1, #0 while holding the last", () => {
    const [s] = parseSplats(fx("xdev-circular.txt"));
    expect(chainEdges(s).map((e) => `${e.from} --> ${e.to}`)).toEqual(["xdev_index_mutex --> &disk->open_mutex", "&disk->open_mutex --> xdev_index_mutex"]);
  });

  test("a recursive report on a workqueue's completion map", () => {
    const [s] = parseSplats(fx("sdev-recursive-wq.txt"));
    expect(s).toMatchObject({ kind: "recursive", trying: { lock: "(wq_completion)sdev-recv" }, holding: { lock: "(wq_completion)sdev-recv" } });
    expect(s.held.map((h) => h.lock)).toEqual(["(wq_completion)sdev-recv", "(work_completion)(&sd->recv_work)"]);
    expect(s.backtrace.map((f) => f.fn)).toEqual(expect.arrayContaining(["destroy_workqueue", "sdev_put", "sdev_recv_work"]));
  });

  test("a hung-task report: the blocked stack and every lock held in the system", () => {
    const [s] = parseSplats(fx("hung-task.txt"));
    expect(s.kind).toBe("hung-task");
    expect(s.held.map((h) => `${h.lock}@${h.at?.fn}`)).toEqual(["xdev_index_mutex@xdev_delete", "&disk->open_mutex@blkdev_get_by_dev"]);
    expect(s.backtrace[4]).toEqual({ fn: "del_gendisk" });
  });

  test("no report in ordinary text; compiler clones keep their source name", () => {
    expect(parseSplats("run #16: crashed: INFO: task hung in genl_rcv_msg\nnothing else\n")).toEqual([]);
    expect(baseName("nbd_put.part.0")).toBe("nbd_put");
    expect(baseName("__lock_acquire.cold")).toBe("__lock_acquire");
  });
});
