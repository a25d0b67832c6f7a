// Semaphores handed off to a callback: `down(&b->io_mutex)` before
// submitting I/O, `up()` in the bio's end_io or the closure's callback
// (bcache's btree io_mutex, dm's swap_bios_semaphore, Linux 6.1). The
// down() still waits, but the semaphore is not held by the code after it
// the way a lock is (lockdep does not track semaphores at all): no
// lock-order edge starts from it.
import { forEachStmt } from "../cmodel/ir.js";
import type { KernelModel } from "../kernel/model.js";
import { callsOf, type FnTable } from "./callGraph.js";
import type { TypeEnv } from "./classes.js";

/** Semaphore classes released (up) inside functions that are called back (address taken). */
export function handedOffSemaphores(fns: FnTable, addressTaken: Set<string>, types: TypeEnv, kernel: KernelModel): Set<string> {
  const out = new Set<string>();
  for (const name of addressTaken) {
    const fn = fns.get(name)?.fn;
    if (!fn) continue;
    forEachStmt(fn.body, (s) => {
      for (const c of callsOf(s)) {
        for (const row of kernel.rows("locks", c.name)) {
          if (row.op !== "release" || row.kind !== "semaphore" || row.arg === undefined) continue;
          const a = c.args[row.arg];
          if (a) out.add(types.classOfArg(a, fn).cls);
        }
      }
    });
  }
  return out;
}
