// The lock-order graph, lockdep-style: nodes are lock classes and wait
// pseudo-locks (`wq:<workqueue>`, `work:<fn>`, `kthread:<fn>`,
// `kernfs:<device|class|driver|kobj>`, `notifier:<chain>`); an edge A → B means B was taken
// (or waited for) while A was held. Edges carry the call path that made
// them; a cycle is a possible deadlock, returned as a chain ready to print
// as lockdep's CPU0/CPU1 scenario.
import type { ContextKind } from "../model/review.js";
import type { Step } from "./facts.js";
import type { Held } from "./state.js";

export interface EdgeEvidence {
  from: string;
  to: string;
  /** Function in which `from` is held when `to` is taken (directly or below). */
  function: string;
  file: string;
  /** Line of the call (or acquisition) in `function`. */
  line: number;
  /** Where `from` was taken, or how it is held (context / assumed). */
  holder: Held;
  /** From `function` down to the acquisition of `to`. */
  path: Step[];
  /** `from` is held on every path reaching this point. */
  allPaths: boolean;
  conditional: boolean;
  how: "lock" | "implicit" | "wait";
  api: string;
  note?: string;
  toMode?: "read" | "write";
  /** Expression of the acquired lock (`nbd_index_mutex`, `lo->workqueue`). */
  toExpr?: string;
  context: ContextKind;
  /** Part of the chain is in a function only partly visible (hunks mode). */
  partial: boolean;
  /** The acquisition is only reached when a put drops the last reference. */
  lastRef: boolean;
  /** …and that put is in a callee below `function` (not in `function` itself). */
  lastRefBelow?: boolean;
  /** Other locks held on every path at this point (a common outer lock serialises a cycle). */
  gate?: string[];
  /** A self-edge whose two acquisitions name the same object (instances.ts): recursion, not two objects of a class. */
  sameObject?: boolean;
  /**
   * The path re-enters `function` (rbd_dev_image_probe() → rbd_dev_probe_parent()
   * → rbd_dev_image_probe(parent)): the inner invocation works on other
   * arguments, usually another object of the class, so the edge says
   * nothing about the outer one's lock.
   */
  reentrant?: boolean;
  /** The object acquired, in `function`'s terms (instances.ts), when known. */
  toInst?: string;
}

export interface Cycle {
  /** Lock classes in order: nodes[i] → nodes[i+1] → … → nodes[0]. */
  nodes: string[];
  /** One evidence per hop, edges[i] is nodes[i] → nodes[(i+1) % n]. */
  edges: EdgeEvidence[];
}

export class LockGraph {
  readonly edges = new Map<string, Map<string, EdgeEvidence[]>>();

  add(e: EdgeEvidence): void {
    let m = this.edges.get(e.from);
    if (!m) this.edges.set(e.from, (m = new Map()));
    const list = m.get(e.to) ?? [];
    // Keep a few distinct witnesses per edge (different functions first).
    // A recursion witness is kept even past the cap (it is the only evidence that rule reads).
    const room = list.length < 6 || (e.sameObject && !list.some((x) => x.sameObject));
    if (room && !list.some((x) => x.function === e.function && x.line === e.line && x.path.length === e.path.length)) list.push(e);
    m.set(e.to, list);
  }

  evidence(from: string, to: string): EdgeEvidence[] {
    return this.edges.get(from)?.get(to) ?? [];
  }

  nodes(): string[] {
    const s = new Set<string>();
    for (const [a, m] of this.edges) {
      s.add(a);
      for (const b of m.keys()) s.add(b);
    }
    return [...s];
  }

  /** Elementary cycles up to `maxLen` hops (self-loops included). */
  cycles(maxLen = 4): Cycle[] {
    const nodes = this.nodes().sort();
    const index = new Map(nodes.map((n, i) => [n, i]));
    const out: Cycle[] = [];
    const path: string[] = [];
    const onPath = new Set<string>();
    const dfs = (start: string, v: string) => {
      for (const w of this.edges.get(v)?.keys() ?? []) {
        if (w === start) {
          out.push(this.materialize([...path]));
          continue;
        }
        if (onPath.has(w) || (index.get(w) ?? 0) < (index.get(start) ?? 0) || path.length >= maxLen) continue;
        path.push(w);
        onPath.add(w);
        dfs(start, w);
        path.pop();
        onPath.delete(w);
      }
    };
    for (const s of nodes) {
      path.push(s);
      onPath.add(s);
      dfs(s, s);
      path.pop();
      onPath.delete(s);
    }
    return out;
  }

  private materialize(nodes: string[]): Cycle {
    const edges = nodes.map((n, i) => this.best(this.evidence(n, nodes[(i + 1) % nodes.length])));
    return { nodes, edges };
  }

  /** The most convincing witness of an edge: complete, all-paths, shortest. */
  best(list: EdgeEvidence[]): EdgeEvidence {
    return [...list].sort((a, b) => rank(a) - rank(b) || a.path.length - b.path.length)[0];
  }
}

function rank(e: EdgeEvidence): number {
  return (e.reentrant ? 16 : 0) + (e.partial ? 8 : 0) + (e.lastRef ? 4 : 0) + (e.allPaths ? 0 : 2) + (e.conditional ? 1 : 0);
}
