// How far V8 lets the heap grow past what is live before a full collection.
// A long run over a mailbox allocates fast and keeps little (ingest's live
// heap is 20–40 MB at 100,000 messages), and V8's default growing factor
// then lets the old generation reach several times that: a whole-archive
// review peaked at 248 MB RSS for 12,500 messages and 368 MB for 100,000.
// With the heap allowed to grow by 50 % past the live size, 176 MB at
// 12,500 for 10 % more CPU (2-core reference machine, Node 20;
// docs/benchmarks.md). A short run is left alone: it ends before the heap
// matters. The flag is read at each collection, so it can be set late.
import { getHeapSpaceStatistics } from "node:v8";
import { setV8Flags } from "./v8Flags.js";

/** Input (bytes of mail, unpacked) above which the heap is kept tight. */
export const TIGHT_HEAP_ABOVE_BYTES = 8 << 20;
export const TIGHT_HEAP_FLAG = "--heap-growing-percent=50";

let tight = false;

/** A command's estimate of its input; a big one keeps the heap tight for the rest of the process. */
export function planHeap(expectedBytes: number): boolean {
  if (!tight && expectedBytes > TIGHT_HEAP_ABOVE_BYTES) {
    tight = true;
    setV8Flags(TIGHT_HEAP_FLAG);
  }
  return tight;
}

/** New space (both semi-spaces) past which the reading process of a pooled run stops growing it. */
export const YOUNG_GENERATION_CAP_BYTES = 8 << 20;
export const YOUNG_GENERATION_FLAG = "--semi-space-growth-factor=1";

let capped = false;

/**
 * V8 doubles the young generation while much of it survives, up to 2 × 16
 * MB of semi-spaces on 64-bit. Its largest size is fixed at start-up
 * (--max-semi-space-size), but whether it grows is read at each scavenge,
 * so once it reaches the cap it is told not to grow again. For the process
 * that reads a mailbox while children review it: its young objects are
 * mail text and parsed diffs that die at once. At 100,000 messages the
 * main process went 181 → 153–164 MB and the run's peak RSS 307–319 →
 * 287–308 MB, wall time unchanged within the noise of alternating runs;
 * capping the children too saved another ~30 MB but cost 13–18 % of wall
 * time (they are the bottleneck on 2 cores; docs/benchmarks.md).
 */
export function capYoungGeneration(): void {
  if (capped) return;
  capped = true;
  const timer = setInterval(() => {
    const s = getHeapSpaceStatistics().find((x) => x.space_name === "new_space");
    if (!s || s.space_size < YOUNG_GENERATION_CAP_BYTES) return;
    setV8Flags(YOUNG_GENERATION_FLAG);
    clearInterval(timer);
  }, 20);
  timer.unref();
}
