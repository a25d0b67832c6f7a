// The branch conditions that lead to a line of a function, read from the
// structure of its body: enclosing if/else branches, and earlier `if (c) {
// …; return; }` statements that the line is past (so `!c` holds). Used to
// say *when* a path exists ("when !test_bit(NBD_DESTROY_ON_DISCONNECT, …)").
import type { CFunction, Stmt } from "../cmodel/ir.js";

function endsInReturn(s: Stmt): boolean {
  if (s.k === "return" || s.k === "goto") return true;
  if (s.k === "block") return s.body.length > 0 && endsInReturn(s.body[s.body.length - 1]);
  if (s.k === "if") return !!s.else && endsInReturn(s.then) && endsInReturn(s.else);
  return false;
}

function lines(s: Stmt): [number, number] {
  let lo = s.line || Infinity;
  let hi = s.line || 0;
  const visit = (x: Stmt) => {
    if (x.line) {
      lo = Math.min(lo, x.line);
      hi = Math.max(hi, x.line);
    }
    switch (x.k) {
      case "block":
        x.body.forEach(visit);
        break;
      case "if":
        visit(x.then);
        if (x.else) visit(x.else);
        break;
      case "alt":
        x.branches.forEach(visit);
        break;
      case "loop":
      case "scoped":
        visit(x.body);
        break;
      case "switch":
        for (const c of x.cases) c.body.forEach(visit);
        break;
      default:
        break;
    }
  };
  visit(s);
  return [lo, hi];
}

const contains = (s: Stmt, line: number) => {
  const [lo, hi] = lines(s);
  return line >= lo && line <= hi;
};

const negate = (t: string) => (t.startsWith("!") && !/[&|]/.test(t) ? t.slice(1) : `!(${t})`);

/** Conditions (as C text) under which `line` of `fn` is reached. */
export function pathConditions(fn: CFunction, line: number): string[] {
  const out: string[] = [];
  const walk = (list: Stmt[]): boolean => {
    for (const s of list) {
      if (contains(s, line)) {
        if (s.k === "if") {
          const text = s.cond.text ?? "…";
          if (contains(s.then, line)) {
            out.push(text);
            return walk([s.then]);
          }
          if (s.else) {
            out.push(negate(text));
            return walk([s.else]);
          }
          return true;
        }
        if (s.k === "block") return walk(s.body);
        if (s.k === "loop" || s.k === "scoped") return walk([s.body]);
        if (s.k === "alt") return s.branches.some((b) => walk([b]));
        if (s.k === "switch") return s.cases.some((c) => walk(c.body));
        return true;
      }
      // Past an `if (c) { …; return; }` without else: !c holds from here on.
      if (s.k === "if" && !s.else && endsInReturn(s.then) && lines(s)[1] < line && s.cond.text) out.push(negate(s.cond.text));
    }
    return false;
  };
  walk(fn.body);
  return out;
}
