// Child-process entry of the review pool (reviewPool.ts): one Reviewer, built
// from the parent's options, reviewing the patches it is sent one at a time
// in the order they arrive (a series on a tree is applied patch by patch),
// and posting plain data back over the IPC channel (v8 serialization).
import { planWasmTier } from "../cmodel/wasmTier.js";
import { planHeap } from "../runtime/heapPolicy.js";
import type { Patch } from "../model/patch.js";
import { createReviewer, type ReviewOptions, type Reviewer } from "./pipeline.js";

export type ChildRequest =
  | { type: "init"; options: ReviewOptions; expectedBytes: number }
  | { type: "patch"; id: number; patch: Patch };

let reviewer: Promise<Reviewer> | undefined;
let queue: Promise<void> = Promise.resolve();

process.on("message", (m: ChildRequest) => {
  if (m.type === "init") {
    planWasmTier(m.expectedBytes);
    planHeap(m.expectedBytes);
    reviewer = createReviewer(m.options);
    reviewer.catch(() => undefined); // reported with the first patch
    return;
  }
  queue = queue.then(async () => {
    try {
      const result = await (await reviewer!).review(m.patch);
      process.send!({ id: m.id, ok: true, result });
    } catch (e) {
      process.send!({ id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) });
    }
  });
});
// The parent closing the channel is the end of the work.
process.on("disconnect", () => process.exit(0));
