// Reviewing a big mailbox on every core: the main process reads the mailbox
// (split, decode, classify, parse diffs, series and duplicates — ingest's
// state spans the whole archive) and renders; child processes run the
// Reviewer, which is where the time goes (tree-sitter, the lock walk, the
// rules: ~2/3 of a whole-archive run). Child processes rather than worker
// threads: each has its own heap and garbage collector (worker threads were
// slower on 2 cores, GC contending; see src/git/checkPool.ts), and the
// patches and reports cross as v8-serialized messages.
//
// Results come back in the order patches were given (the caller keeps a
// bounded window of them in flight). A patch of a series goes to the child
// that has the series' earlier patches (with a tree, each is applied on the
// ones before it); a new series to the least busy child. A child that fails
// leaves its patches to an in-process Reviewer: nothing is lost. When the
// compiled child script is not there (ts-jest runs the TypeScript sources),
// the caller reviews in-process.
import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Patch } from "../model/patch.js";
import { createReviewer, type ReviewOptions, type ReviewResult, type Reviewer } from "./pipeline.js";
import type { ChildRequest } from "./reviewChild.js";

/** Input (bytes of mail, unpacked) below which children do not pay for their start-up (~0.2 s each). */
export const POOL_ABOVE_BYTES = 8 << 20;

/** The compiled child script next to this module (lib/src/review/, lib/bundle/), if there is one. */
export function reviewChildScript(): string | undefined {
  try {
    const url = new URL("./reviewChild.js", import.meta.url);
    return /\.c?js$/.test(import.meta.url) && existsSync(fileURLToPath(url)) ? fileURLToPath(url) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Child processes for a run: LOCKREVIEW_JOBS=N when set (0: none), else one
 * per core beyond the first when there are at least two and the input is
 * big enough: the main process keeps a core busy reading the mailbox (~40 %
 * of a whole-archive run's CPU). On the 2-core reference machine one child
 * was ~20 % faster than none in wall time and two were no faster than one,
 * with 130 MB more memory (docs/benchmarks.md).
 */
export function reviewJobs(env: NodeJS.ProcessEnv, expectedBytes: number, cores = availableParallelism()): number {
  const forced = env["LOCKREVIEW_JOBS"];
  if (forced !== undefined && /^\d+$/.test(forced)) return Math.min(Number(forced), 16);
  return cores >= 2 && expectedBytes > POOL_ABOVE_BYTES ? cores - 1 : 0;
}

type Reply = { id: number; ok: true; result: ReviewResult } | { id: number; ok: false; message: string };

interface Child {
  proc: ChildProcess;
  pending: Map<number, { patch: Patch; resolve: (r: ReviewResult) => void; reject: (e: Error) => void }>;
  dead: boolean;
}

export class ReviewPool {
  private readonly children: Child[] = [];
  private nextId = 0;
  private lastSeries: { key: string; child: Child } | undefined;
  private local: Promise<Reviewer> | undefined;

  private constructor(private readonly options: ReviewOptions) {}

  /** Start `n` children on `script`; null when none could be started. */
  static start(n: number, options: ReviewOptions, expectedBytes: number, script = reviewChildScript()): ReviewPool | null {
    if (!script || n <= 0) return null;
    const pool = new ReviewPool(options);
    for (let k = 0; k < n; k++) {
      let proc: ChildProcess;
      try {
        proc = fork(script, [], { serialization: "advanced", stdio: ["ignore", "ignore", "inherit", "ipc"], execArgv: [] });
      } catch {
        continue;
      }
      const child: Child = { proc, pending: new Map(), dead: false };
      proc.on("message", (r: Reply) => {
        const p = child.pending.get(r.id);
        if (!p) return;
        child.pending.delete(r.id);
        if (r.ok) p.resolve(r.result);
        else p.reject(new Error(r.message));
      });
      const fail = () => pool.lose(child);
      proc.on("error", fail);
      proc.on("exit", fail);
      proc.send({ type: "init", options, expectedBytes } satisfies ChildRequest);
      pool.children.push(child);
    }
    return pool.children.length ? pool : null;
  }

  /** A child is gone: its unanswered patches are reviewed here. */
  private lose(child: Child): void {
    if (child.dead) return;
    child.dead = true;
    const orphans = [...child.pending.values()];
    child.pending.clear();
    for (const o of orphans) this.reviewHere(o.patch).then(o.resolve, o.reject);
  }

  private reviewHere(patch: Patch): Promise<ReviewResult> {
    this.local ??= createReviewer(this.options);
    return this.local.then((r) => r.review(patch));
  }

  private pick(patch: Patch): Child | undefined {
    const live = this.children.filter((c) => !c.dead);
    if (!live.length) return undefined;
    if (this.lastSeries?.key === patch.seriesKey && !this.lastSeries.child.dead) return this.lastSeries.child;
    const child = live.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    this.lastSeries = { key: patch.seriesKey, child };
    return child;
  }

  review(patch: Patch): Promise<ReviewResult> {
    const child = this.pick(patch);
    if (!child) return this.reviewHere(patch);
    const id = this.nextId++;
    return new Promise<ReviewResult>((resolve, reject) => {
      child.pending.set(id, { patch, resolve, reject });
      try {
        child.proc.send({ type: "patch", id, patch } satisfies ChildRequest);
      } catch {
        this.lose(child);
      }
    });
  }

  /** Let the children finish and exit. */
  close(): void {
    for (const c of this.children) {
      c.dead = true;
      if (c.proc.connected) c.proc.disconnect();
    }
  }
}
