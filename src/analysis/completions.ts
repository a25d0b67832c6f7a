// Where completions are paired: a wait_for_completion() is a wait for a work
// function (a driver's own flush: queue a work, wait for the completion it
// signals) only when that work is who can signal while the waiter waits.
// Measured on Linux 6.1 (docs/triage-6.1.md), three shapes are not that:
//   - a completion used as a token: the waiting function signals it itself
//     later (qla2x00_mailbox_command), or drops its own count first and then
//     waits (dm-writecache's ssd_commit_flushed);
//   - a completion signalled by an event path: the interrupt's reply routine
//     or an I/O end callback, which some work reaches only by polling;
//   - a work that reaches the signaller only through the waiter itself.
// So the signallers are the complete() calls outside the waiting function,
// each must be reachable from work functions only (never from another
// callback root), and the work must reach one without passing the waiter.
import { forEachStmt } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import type { Bindings } from "./bindings.js";
import { callsOf, reachable, type FnTable } from "./callGraph.js";
import type { TypeEnv } from "./classes.js";

export class CompletionPairing {
  /** Completion class → functions calling complete() on it. */
  private readonly signallers = new Map<string, Set<string>>();
  private readonly workFns: Set<string>;
  /** Function → roots (uncalled or address-taken functions) that reach it. */
  private rootsOf: Map<string, Set<string>> | null = null;
  private readonly cache = new Map<string, string[]>();

  constructor(
    private readonly fns: FnTable,
    private readonly callees: Map<string, Set<string>>,
    private readonly addressTaken: Set<string>,
    bindings: Bindings,
    types: TypeEnv,
    kernel: KernelModel,
  ) {
    this.workFns = new Set([...bindings.work.values()].flat().map((b) => b.fn));
    for (const { fn } of fns.values()) {
      forEachStmt(fn.body, (s) => {
        for (const c of callsOf(s)) {
          for (const cs of kernel.rows("completionSignal", c.name)) {
            const a = c.args[cs.arg];
            if (!a) continue;
            const cls = types.classOfArg(a, fn).cls;
            const set = this.signallers.get(cls) ?? new Set<string>();
            set.add(fn.name);
            this.signallers.set(cls, set);
          }
        }
      });
    }
  }

  /** Work functions a wait on `cls` in `waiter` waits for. */
  completers(cls: string, waiter: string): string[] {
    const key = `${cls}\0${waiter}`;
    let out = this.cache.get(key);
    if (!out) this.cache.set(key, (out = this.compute(cls, waiter)));
    return out;
  }

  private compute(cls: string, waiter: string): string[] {
    const sig = [...(this.signallers.get(cls) ?? [])].filter((s) => s !== waiter);
    if (!sig.length) return [];
    const roots = this.roots();
    // Every signaller must be reached from work functions only.
    for (const s of sig) {
      const rs = roots.get(s) ?? new Set([s]);
      if ([...rs].some((r) => !this.workFns.has(r))) return [];
    }
    const out: string[] = [];
    for (const w of this.workFns) {
      if (w === waiter) continue;
      const r = reachable(this.callees, w, waiter);
      if (sig.some((s) => r.has(s))) out.push(w);
    }
    return out;
  }

  private roots(): Map<string, Set<string>> {
    if (this.rootsOf) return this.rootsOf;
    const called = new Set<string>();
    for (const set of this.callees.values()) for (const n of set) called.add(n);
    const map = new Map<string, Set<string>>();
    for (const name of this.fns.keys()) {
      if (called.has(name) && !this.addressTaken.has(name) && !this.workFns.has(name)) continue;
      for (const n of reachable(this.callees, name)) {
        const set = map.get(n) ?? new Set<string>();
        set.add(name);
        map.set(n, set);
      }
    }
    return (this.rootsOf = map);
  }
}
