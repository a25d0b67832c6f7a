// A big run keeps V8's heap tight (a V8 flag, set once); a short one leaves
// V8 alone. Fresh node processes on the compiled modules in lib/.
import { expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../ingest/helpers.js";

const heap = join(ROOT, "lib", "src", "runtime", "heapPolicy.js");
const flags = join(ROOT, "lib", "src", "runtime", "v8Flags.js");
const maybe = existsSync(heap) ? test : test.skip;

function plan(bytes: number[]): { tight: boolean[]; changed: boolean } {
  const code = `const h = await import(${JSON.stringify(pathToFileURL(heap).href)}); const f = await import(${JSON.stringify(pathToFileURL(flags).href)});
    const tight = ${JSON.stringify(bytes)}.map((b) => h.planHeap(b)); process.stdout.write(JSON.stringify({ tight, changed: f.v8FlagsChanged() }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

maybe("one patch: V8's defaults; a mailbox of megabytes: the tight heap, for the rest of the run", () => {
  expect(plan([20_000])).toEqual({ tight: [false], changed: false });
  expect(plan([20_000, 100 << 20, 20_000])).toEqual({ tight: [false, true, true], changed: true });
});

/** Peak size of V8's new space while a process keeps allocating objects that survive a while. */
function youngPeak(cap: boolean): { peak: number; cap: number; changed: boolean } {
  const code = `const h = await import(${JSON.stringify(pathToFileURL(heap).href)}); const f = await import(${JSON.stringify(pathToFileURL(flags).href)});
    const { getHeapSpaceStatistics } = await import("node:v8");
    if (${cap}) h.capYoungGeneration();
    let peak = 0, keep = [];
    for (let round = 0; round < 300; round++) {
      for (let i = 0; i < 20000; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 100000) keep = []; }
      peak = Math.max(peak, getHeapSpaceStatistics().find((x) => x.space_name === "new_space").space_size);
      await new Promise((r) => setTimeout(r, 1));
    }
    process.stdout.write(JSON.stringify({ peak, cap: h.YOUNG_GENERATION_CAP_BYTES, changed: f.v8FlagsChanged() }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

maybe("the reading process of a pooled run stops its young generation growing at the cap; V8 left alone grows it further", () => {
  const free = youngPeak(false);
  expect(free.changed).toBe(false);
  expect(free.peak).toBeGreaterThan(2 * free.cap);
  const capped = youngPeak(true);
  expect(capped.changed).toBe(true);
  // At most one doubling past the cap between two looks at it.
  expect(capped.peak).toBeLessThanOrEqual(2 * capped.cap);
});
