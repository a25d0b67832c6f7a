// The abstract state of the lock-state walk: which locks are held, plus
// what is known about variables that carry a conditional acquisition's
// result (`ret = mutex_lock_interruptible(&m); if (ret) …`).

export type HeldOrigin = "acquired" | "context" | "assumed" | "callee" | "guard";

export interface Held {
  cls: string;
  expr: string;
  typed: boolean;
  mode?: "read" | "write";
  kind: string;
  /** Line where it was taken (function line for context/assumed locks). */
  line: number;
  origin: HeldOrigin;
  /** Guards: depth of the block that releases them. */
  scope?: number;
  /** Callee that left it held (lock wrappers), or the callback context note. */
  via?: string;
  /** Lock taken by a conditional API on its success path (trylock …). */
  conditional?: boolean;
  /** Re-taken after this function dropped its caller's lock: restores, not acquires. */
  restores?: boolean;
}

export interface State {
  held: Held[];
  /** Variable → its value is nonzero (true) / zero (false). */
  facts: Record<string, boolean>;
  /**
   * Classes this function released without holding them (the caller's
   * locks) and has not re-taken: what happens now is not under them.
   */
  dropped?: string[];
  /** On the branch where a put dropped the last reference (line of the put). */
  lastRef?: number;
  /** Variables holding a put's result: which value means "last reference". */
  refVars?: Record<string, { last: "zero" | "nonzero"; line: number }>;
}

export const MAX_STATES = 48;
export const MAX_HELD_SETS = 8;

const heldPart = (x: Held) => `${x.cls}|${x.expr}|${x.origin}|${x.mode ?? ""}|${x.scope ?? ""}`;

export function heldKey(h: Held[]): string {
  // Most states hold nothing or one lock: no array to build and sort.
  if (h.length === 0) return "";
  if (h.length === 1) return heldPart(h[0]!);
  return h.map(heldPart).sort().join(";");
}

function stateKey(s: State): string {
  const keys = Object.keys(s.facts);
  const f = keys.length === 0 ? "" : keys.sort().map((k) => `${k}=${s.facts[k] ? 1 : 0}`).join(",");
  return `${heldKey(s.held)}#${f}#${s.dropped?.length ? s.dropped.join(",") : ""}#${s.lastRef ?? ""}`;
}

/** Deduplicate, and bound the number of states (facts are dropped first). */
export function normalize(states: State[]): State[] {
  // The walk normalises after every join; most joins see one state.
  if (states.length < 2) return states.slice();
  const seen = new Map<string, State>();
  for (const s of states) {
    const k = stateKey(s);
    if (!seen.has(k)) seen.set(k, s);
  }
  let out = [...seen.values()];
  if (out.length > MAX_STATES) {
    const byHeld = new Map<string, State>();
    for (const s of out) {
      const k = heldKey(s.held);
      if (!byHeld.has(k)) byHeld.set(k, { held: s.held, facts: {}, dropped: s.dropped, lastRef: s.lastRef });
    }
    out = [...byHeld.values()].slice(0, MAX_STATES);
  }
  return out;
}

export function clone(s: State): State {
  return { held: [...s.held], facts: { ...s.facts }, dropped: s.dropped, lastRef: s.lastRef };
}

/** Distinct held sets of a list of states, bounded. */
export function heldSets(states: State[]): Held[][] {
  const seen = new Map<string, Held[]>();
  for (const s of states) {
    const k = heldKey(s.held);
    if (!seen.has(k)) seen.set(k, s.held);
    if (seen.size >= MAX_HELD_SETS) break;
  }
  return [...seen.values()];
}

/** Find a held lock matching an unlock: same expression first, then same class. */
export function findHeld(held: Held[], cls: string, expr: string): number {
  for (let i = held.length - 1; i >= 0; i--) if (held[i].expr === expr) return i;
  for (let i = held.length - 1; i >= 0; i--) if (held[i].cls === cls) return i;
  return -1;
}

/** Union of the dropped classes of some states. */
export function droppedOf(states: State[]): string[] {
  const out = new Set<string>();
  for (const s of states) for (const d of s.dropped ?? []) out.add(d);
  return [...out].sort();
}

/** True when every state is on a last-reference branch. */
export function onlyLastRef(states: State[]): boolean {
  return states.length > 0 && states.every((s) => s.lastRef !== undefined);
}
