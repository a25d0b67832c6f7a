// How far V8 lets the heap grow past what is live before a full collection.
// A long run over a mailbox allocates fast and keeps little (ingest's live
// heap is 20–40 MB at 100,000 messages), and V8's default growing factor
// then lets the old generation reach several times that: a whole-archive
// review peaked at 248 MB RSS for 12,500 messages and 368 MB for 100,000.
// With the heap allowed to grow by 50 % past the live size, 176 MB at
// 12,500 for 10 % more CPU (2-core reference machine, Node 20;
// docs/benchmarks.md). A short run is left alone: it ends before the heap
// matters. The flag is read at each collection, so it can be set late.
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
