// Facts the analysis produces. Every fact carries its evidence: file, line,
// function, and (for transitive facts) the call path.
import type { Call } from "../cmodel/ir.js";
import type { ContextKind } from "../model/review.js";
import type { LockClass } from "./classes.js";
import type { Held } from "./state.js";

export interface Step {
  file: string;
  line: number;
  function: string;
  note: string;
}

export interface CallSite {
  caller: string;
  file: string;
  line: number;
  callee: string;
  call: Call;
  indirect: boolean;
  /** Distinct sets of locks held just before the call (one per path kind). */
  heldSets: Held[][];
  /** Caller locks this function had released (and not re-taken) before the call. */
  dropped: string[];
  /** Reached only after a put dropped the last reference. */
  lastRef: boolean;
  /** Only reached when these parameters are zero / nonzero (`if (!release) …`). */
  when: ParamCond[];
}

/** A condition on a parameter's value: `release == 0` → { index, nonzero: false }. */
export interface ParamCond {
  index: number;
  nonzero: boolean;
}

/** A lock (or pseudo-lock for a wait) taken at one place. */
export interface Acquire {
  file: string;
  line: number;
  function: string;
  cls: string;
  expr: string;
  typed: boolean;
  mode?: "read" | "write";
  /** lock: the driver takes it; implicit: a kernel API takes it inside; wait: a wait modelled as a pseudo-lock. */
  how: "lock" | "implicit" | "wait";
  /** The API called (mutex_lock, del_gendisk, destroy_workqueue …). */
  api: string;
  note?: string;
  heldSets: Held[][];
  /** Caller locks released (not re-taken) before this point. */
  dropped: string[];
  /** Reached only after a put dropped the last reference. */
  lastRef: boolean;
  /** Only reached when these parameters are zero / nonzero. */
  when: ParamCond[];
  conditional: boolean;
  /** A trylock: never waits, so it is never the waiting half of a deadlock. */
  nonblocking?: boolean;
  /** For implicit/wait: true when taken and released inside the call (not held after). */
  transient: boolean;
}

export interface Release {
  file: string;
  line: number;
  function: string;
  cls: string;
  expr: string;
  api: string;
  /** What the unlock matched: a lock this function took, or one held on entry. */
  matched: "acquired" | "callee" | "guard" | "context" | "assumed" | "none";
  /** For context/assumed: where that entry lock came from. */
  heldVia?: string;
  /** Line of a later re-acquisition of the same class (unlock … relock). */
  relockLine?: number;
  /** Released through a callee (unlock wrapper, kref_put_mutex release fn). */
  viaCallee?: string;
  /** Function body only partly visible (hunks mode): unmatched unlocks are not evidence. */
  partial: boolean;
}

export interface WorkInit {
  file: string;
  line: number;
  function: string;
  item: LockClass;
  fn: string;
  delayed: boolean;
  api: string;
}

export interface WorkQueueing {
  file: string;
  line: number;
  function: string;
  item: LockClass;
  wq: LockClass;
  api: string;
  heldSets: Held[][];
}

export interface WqAlloc {
  file: string;
  line: number;
  function: string;
  /** Where the workqueue pointer is stored (`nbd_del_wq`, `nbd_device.recv_workq`). */
  target: LockClass | null;
  name?: string;
  api: string;
}

export interface Free {
  file: string;
  line: number;
  function: string;
  target: LockClass | null;
  argText: string;
  api: string;
  /** Only on the branch where a put dropped the last reference. */
  lastRef: boolean;
}

/** `x = kzalloc(…)`: where a variable got a fresh object. */
export interface ObjectAllocation {
  line: number;
  variable: string;
  api: string;
}

export interface KthreadStart {
  file: string;
  line: number;
  function: string;
  fn: string;
  target: LockClass | null;
}

export interface NotifierReg {
  file: string;
  line: number;
  function: string;
  op: "register" | "unregister";
  chain: string;
  nb: LockClass | null;
  nbText: string;
  blocking: boolean;
}

export interface ReturnPoint {
  line: number;
  held: Held[];
  /** Truth of the returned value when known (literal, or a variable with a known value). */
  value?: boolean;
  /** The value returned is a put's result (this function is a put wrapper). */
  refLast?: "zero" | "nonzero";
}

/** What one walk of one function body found. */
export interface FnFacts {
  name: string;
  file: string;
  context: ContextKind;
  partial: boolean;
  callSites: CallSite[];
  acquires: Acquire[];
  releases: Release[];
  workInits: WorkInit[];
  queueings: WorkQueueing[];
  wqAllocs: WqAlloc[];
  frees: Free[];
  objectAllocs: ObjectAllocation[];
  kthreads: KthreadStart[];
  notifiers: NotifierReg[];
  /** Locks held when the function returns (per return path). */
  returns: ReturnPoint[];
  /** lockdep_assert_held() / __must_hold(): required on entry. */
  requires: { cls: string; expr: string; line: number; how: string }[];
}
