// Worker-thread entry of the commit review pool (checkPool.ts): its own git
// repository handle (its own cat-file process) and its own Reviewer, built
// from the same options as the main thread's; reviews the commits it is
// sent, each against its parent, and posts plain data back.
import { parentPort } from "node:worker_threads";
import type { Patch } from "../model/patch.js";
import { createReviewer, type ReviewOptions, type Reviewer } from "../review/pipeline.js";
import { GitRepo } from "./repo.js";

export type WorkerRequest =
  | { type: "init"; top: string; options: ReviewOptions }
  | { type: "job"; id: number; patch: Patch; parent: string | null };

let ready: Promise<{ repo: GitRepo; reviewer: Reviewer }> | undefined;

parentPort?.on("message", async (m: WorkerRequest) => {
  if (m.type === "init") {
    ready = (async () => ({ repo: await GitRepo.open(m.top), reviewer: await createReviewer(m.options) }))();
    // Reported with the first job.
    ready.catch(() => undefined);
    return;
  }
  try {
    const { repo, reviewer } = await ready!;
    const result = await reviewer.review(m.patch, { provider: repo.at(m.parent) });
    parentPort!.postMessage({ id: m.id, ok: true, result });
  } catch (e) {
    parentPort!.postMessage({ id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) });
  }
});
