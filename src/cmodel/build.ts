// tree-sitter-c syntax tree → the C model of cmodel/ir.ts.
//
// Kernel code is full of macros that tree-sitter cannot know. What matters
// here is that none of them stops the model: ERROR and MISSING nodes are
// walked through for the statements and calls they still contain, and a
// macro call directly followed by a block (`list_for_each_entry(…) { }`,
// `scoped_guard(mutex, &l) { }`) — which tree-sitter sees as a call with a
// missing `;` and a separate block — is rejoined as a loop or a scope.
import type { Node, Tree } from "web-tree-sitter";
import type { SourceView } from "../context/source.js";
import { functionKey, type PriorBuild, shiftLines, textEdit } from "./incremental.js";
import { parseC } from "./parser.js";
import { prepare } from "./preprocess.js";
import type {
  AccessPath, Arg, AttrMacro, CFileModel, CFunction, Call, Cond, CType, OpsInit, Stmt, StructDef, Test,
} from "./ir.js";

/** Macros whose trailing block is a loop body (kernel iterator macros). */
const LOOP_MACRO = /(^|_)for_each(_|$)|^(list|hlist|llist|xa|idr|radix_tree|rbtree)_.*for_each|^for_each|_foreach$|^while_each/;
/** Macros whose trailing block is a lock scope. */
const SCOPED_GUARD = new Set(["scoped_guard", "scoped_cond_guard"]);

function norm(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}

/**
 * Deepest statement nesting the model keeps (IR levels: `if (x) {` is two,
 * the `if` and its block). Real drivers stay far below it; 1,000 nested
 * `if`s or a line of 2,000 `{` overflowed the stack here and in the walk, and
 * the whole patch went unreviewed. Deeper statements become one empty opaque
 * block, the function is marked partial, and the file model gets a note.
 */
export const MAX_STMT_DEPTH = 128;
/** Deepest condition (`a && (b || …)`) or access path (`a->b.c…`) kept; deeper is "unknown". */
export const MAX_EXPR_DEPTH = 64;

class Builder {
  errors = 0;
  /** Statement nesting of the current position. */
  private depth = 0;
  /** Line of the first statement left opaque in the current function, or 0. */
  opaqueAt = 0;
  /** Uses of a local that straight-line code just set from an access path (startIndex → that path). */
  reaching = new Map<number, AccessPath>();
  constructor(private readonly view: SourceView) {}

  line(n: Node): number {
    const row = n.startPosition.row;
    const map = this.view.lineMap;
    return map ? (map[row] ?? 0) : row + 1;
  }

  endLine(n: Node): number {
    const row = n.endPosition.row;
    const map = this.view.lineMap;
    return map ? (map[row] ?? 0) : row + 1;
  }

  // ---- expressions -------------------------------------------------------

  accessPath(n: Node | null, depth = 0): AccessPath | null {
    if (!n || depth > MAX_EXPR_DEPTH) return null;
    const d = depth + 1;
    switch (n.type) {
      case "identifier":
        return { root: n.text, fields: [] };
      case "field_expression": {
        const base = this.accessPath(n.childForFieldName("argument"), d);
        const f = n.childForFieldName("field");
        return base && f ? { root: base.root, fields: [...base.fields, f.text] } : null;
      }
      case "subscript_expression":
        return this.accessPath(n.childForFieldName("argument"), d);
      case "parenthesized_expression":
        return this.accessPath(n.namedChild(0), d);
      case "cast_expression":
        return this.accessPath(n.childForFieldName("value"), d);
      case "pointer_expression":
        // `*p` and `&x` both keep the object identity for lock classes.
        return this.accessPath(n.childForFieldName("argument"), d);
      default:
        return null;
    }
  }

  arg(n: Node): Arg {
    let inner: Node = n;
    let addrOf = false;
    for (;;) {
      if (inner.type === "parenthesized_expression" && inner.namedChildCount === 1) inner = inner.namedChild(0)!;
      else if (inner.type === "cast_expression" && inner.childForFieldName("value")) inner = inner.childForFieldName("value")!;
      else if (inner.type === "pointer_expression" && inner.child(0)?.type === "&") {
        addrOf = true;
        inner = inner.childForFieldName("argument")!;
      } else break;
    }
    // Keyed by the identifier's own node: `dump->kref` starts where `dump` does.
    const reaching = inner.type === "identifier" ? this.reaching.get(inner.startIndex) : undefined;
    const a: Arg = { text: norm(n.text), addrOf, path: reaching ?? this.accessPath(inner) };
    if (inner.type === "identifier") a.ident = inner.text;
    return a;
  }

  callOf(n: Node): Call | null {
    const fn = n.childForFieldName("function");
    const argsNode = n.childForFieldName("arguments");
    if (!fn) return null;
    const args = argsNode ? argsNode.namedChildren.filter((c): c is Node => !!c && c.type !== "comment").map((c) => this.arg(c)) : [];
    if (fn.type === "identifier") return { name: fn.text, args, line: this.line(n) };
    if (fn.type === "field_expression") {
      const f = fn.childForFieldName("field");
      return f ? { name: f.text, args, line: this.line(n), indirect: true } : null;
    }
    if (fn.type === "subscript_expression") {
      // `_exits[i]()`: resolved against the file's function-pointer arrays.
      const base = fn.childForFieldName("argument");
      if (base?.type === "identifier") return { name: base.text, args, line: this.line(n), indirect: true, table: true };
      return null;
    }
    if (fn.type === "parenthesized_expression") {
      // `(w ? up_write : up_read)(&b->lock)`: one of two named functions (bcache's rw_unlock()).
      const inner = fn.namedChild(0);
      if (inner?.type === "conditional_expression") {
        const names = [inner.childForFieldName("consequence"), inner.childForFieldName("alternative")].map((x) => (x?.type === "identifier" ? x.text : null));
        if (names[0] && names[1]) return { name: names[0], args, line: this.line(n), alternatives: [names[1]] };
      }
      // (*fn)(…) or (ops->fn)(…)
      const p = this.accessPath(fn);
      if (p) return { name: p.fields.at(-1) ?? p.root, args, line: this.line(n), indirect: true };
    }
    return null;
  }

  /** Calls in evaluation order: arguments before the call that uses them. */
  calls(n: Node | null, out: Call[] = []): Call[] {
    if (!n) return out;
    if (n.hasError) return this.callsCounting(n, out);
    // Found in wasm; a call ends after every call nested in it (its own
    // `)` comes last), so ordering by end offset is evaluation order.
    const found = n.descendantsOfType("call_expression").filter((x): x is Node => !!x);
    found.sort((a, b) => a.endIndex - b.endIndex);
    for (const x of found) {
      const c = this.callOf(x);
      if (c) out.push(c);
    }
    return out;
  }

  /**
   * `calls` node by node, counting ERROR and MISSING nodes (only where the
   * parser reported some). Iterative: a broken file can nest ERROR nodes
   * arbitrarily deep. A call is emitted after its function and arguments.
   */
  private callsCounting(root: Node | null, out: Call[]): Call[] {
    if (!root) return out;
    const stack: Array<Node | Call> = [root];
    while (stack.length) {
      const top = stack.pop()!;
      if (!("type" in top)) {
        out.push(top);
        continue;
      }
      const n = top;
      const kids: Node[] = [];
      if (n.type === "call_expression") {
        const c = this.callOf(n);
        if (c) stack.push(c);
        const fn = n.childForFieldName("function");
        if (fn) kids.push(fn); // guard(x)(…), get_ops(x)->fn(…)
        const argsNode = n.childForFieldName("arguments");
        if (argsNode) for (const a of argsNode.namedChildren) if (a) kids.push(a);
      } else {
        if (n.type === "ERROR" || n.isMissing) this.errors++;
        for (const a of n.namedChildren) if (a) kids.push(a);
      }
      for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!);
    }
    return out;
  }

  /** The boolean shape of a condition, as far as locking cares. */
  test(n: Node | null, depth = 0): Test {
    if (!n || depth > MAX_EXPR_DEPTH) return { t: "other" };
    const d = depth + 1;
    switch (n.type) {
      case "parenthesized_expression":
        return n.namedChildCount === 1 ? this.test(n.namedChild(0), d) : { t: "other" };
      case "unary_expression": {
        const op = n.childForFieldName("operator")?.text;
        if (op === "!") {
          const e = this.test(n.childForFieldName("argument"), d);
          if (e.t === "call") return { ...e, negated: !e.negated };
          if (e.t === "var") return { ...e, nonzero: !e.nonzero };
          return { t: "not", e };
        }
        return { t: "other" };
      }
      case "call_expression": {
        const c = this.callOf(n);
        if (!c) return { t: "other" };
        // unlikely(x) / likely(x) / WARN_ON(x) are transparent for the value.
        if (/^(un)?likely$|^WARN_ON(_ONCE)?$/.test(c.name)) {
          const inner = n.childForFieldName("arguments")?.namedChild(0) ?? null;
          return this.test(inner, d);
        }
        return { t: "call", call: c, negated: false };
      }
      case "identifier":
        return { t: "var", name: n.text, nonzero: true };
      case "field_expression":
        // `if (!dev->wq)`: the value of a field, named by its text.
        return { t: "var", name: norm(n.text).replace(/\s+/g, ""), nonzero: true };
      case "assignment_expression": {
        const left = n.childForFieldName("left");
        const right = n.childForFieldName("right");
        if (left?.type === "identifier" && right) {
          const inner = this.test(right, d);
          // The value of `(ret = f())` is f()'s value.
          return inner.t === "call" ? inner : { t: "var", name: left.text, nonzero: true };
        }
        return { t: "other" };
      }
      case "binary_expression": {
        const op = n.childForFieldName("operator")?.text;
        const l = n.childForFieldName("left");
        const r = n.childForFieldName("right");
        if (op === "&&") return { t: "and", l: this.test(l, d), r: this.test(r, d) };
        if (op === "||") return { t: "or", l: this.test(l, d), r: this.test(r, d) };
        const isZero = (x: Node | null) => !!x && (x.text === "0" || x.text === "NULL" || x.text === "false");
        if ((op === "==" || op === "!=") && (isZero(r) || isZero(l))) {
          const e = this.test(isZero(r) ? l : r, d);
          const wantNonzero = op === "!=";
          if (e.t === "call") return { ...e, negated: wantNonzero ? e.negated : !e.negated };
          if (e.t === "var") return { ...e, nonzero: wantNonzero ? e.nonzero : !e.nonzero };
          return { t: "other" };
        }
        if (op === "<" && isZero(r)) {
          // `ret < 0`: an error return (nonzero); `ret >= 0` is not modelled.
          const e = this.test(l, d);
          if (e.t === "call" || e.t === "var") return e;
        }
        return this.pureTest(n);
      }
      default:
        return this.pureTest(n);
    }
  }

  /**
   * A condition without calls (`f & CS_SERIALIZE`, `lo->state == Lo_bound`)
   * is named by its text, so a later test of the same expression takes the
   * same branch (`if (x) lock(); … if (x) unlock();`).
   */
  pureTest(n: Node): Test {
    // Only whether there is a call: building the calls (and counting parse errors again) is cond()'s job.
    if (n.descendantsOfType("call_expression").length) return { t: "other" };
    return { t: "var", name: norm(n.text).replace(/\s+/g, ""), nonzero: true };
  }

  /** Lvalues an expression assigns (`x = …`, `x += …`, `x++`), as normalised text. */
  writes(n: Node): string[] {
    const out: string[] = [];
    // descendantsOfType walks in wasm (the node itself included, pre-order):
    // far cheaper than handing every node of the expression to JS.
    for (const x of n.descendantsOfType(["assignment_expression", "update_expression"])) {
      if (!x) continue;
      const target = x.type === "assignment_expression" ? x.childForFieldName("left") : x.childForFieldName("argument");
      if (target) out.push(norm(target.text).replace(/\s+/g, ""));
    }
    return out;
  }

  cond(n: Node | null): Cond {
    const assigns: Cond["assigns"] = [];
    for (const x of n?.descendantsOfType("assignment_expression") ?? []) {
      const left = x?.childForFieldName("left");
      const right = x?.childForFieldName("right");
      if (left?.type === "identifier" && right?.type === "call_expression") {
        const c = this.callOf(right);
        if (c) assigns.push({ name: left.text, call: c });
      }
    }
    const text = n ? norm(n.text).replace(/^\((.*)\)$/, "$1") : undefined;
    const always = text !== undefined && /^(1|true)$/.test(text.trim());
    return { calls: this.calls(n), test: this.test(n), assigns, ...(text ? { text } : {}), ...(always ? { always: true as const } : {}) };
  }

  // ---- statements --------------------------------------------------------

  block(nodes: (Node | null)[], line: number): Stmt {
    return { k: "block", line, body: this.stmts(nodes) };
  }

  /** A statement list, rejoining `MACRO(…) <stmt>` pairs that tree-sitter split. */
  stmts(nodes: (Node | null)[]): Stmt[] {
    const out: Stmt[] = [];
    const list = nodes.filter((n): n is Node => !!n && n.type !== "comment" && n.type !== "{" && n.type !== "}");
    for (let i = 0; i < list.length; i++) {
      const n = list[i];
      const macro = this.macroHead(n);
      if (macro && i + 1 < list.length) {
        const next = list[i + 1];
        if (LOOP_MACRO.test(macro.call.name)) {
          out.push({ k: "loop", line: this.line(n), cond: { calls: macro.before, test: { t: "other" }, assigns: [] }, body: this.stmt(next), doWhile: false, iterator: true });
          i++;
          continue;
        }
        if (SCOPED_GUARD.has(macro.call.name)) {
          const [type, ...rest] = macro.call.args;
          const lockArg = macro.call.name === "scoped_cond_guard" ? rest[1] : rest[0];
          out.push({ k: "scoped", line: this.line(n), type: type?.text ?? "", arg: lockArg ?? null, body: this.stmt(next) });
          i++;
          continue;
        }
      }
      out.push(...this.stmtList(n));
    }
    return out;
  }

  /** An expression statement that is just `NAME(…)` with a MISSING `;`. */
  macroHead(n: Node): { call: Call; before: Call[] } | null {
    if (n.type !== "expression_statement") return null;
    const last = n.child(n.childCount - 1);
    const missingSemi = !last || last.type !== ";" || last.isMissing;
    const e = n.namedChild(0);
    if (!missingSemi || !e || e.type !== "call_expression") return null;
    const call = this.callOf(e);
    if (!call) return null;
    this.errors++; // the MISSING `;` tree-sitter reported
    const argsNode = e.childForFieldName("arguments");
    const before: Call[] = [];
    if (argsNode) for (const c of argsNode.namedChildren) if (c) this.calls(c, before);
    return { call, before };
  }

  /** One nesting level for `f`, or an opaque block when the model is already that deep. */
  private nested<T>(n: Node, f: () => T, opaque: (s: Stmt) => T): T {
    if (this.depth >= MAX_STMT_DEPTH) {
      const line = this.line(n);
      if (!this.opaqueAt) this.opaqueAt = line || -1;
      return opaque({ k: "block", line, body: [], opaque: true });
    }
    this.depth++;
    try {
      return f();
    } finally {
      this.depth--;
    }
  }

  stmtList(n: Node): Stmt[] {
    return this.nested(n, () => this.stmtListAt(n), (s) => [s]);
  }

  private stmtListAt(n: Node): Stmt[] {
    // Containers that hold statement lists without being statements.
    if (n.type === "ERROR") {
      this.errors++;
      return this.stmts(n.children);
    }
    if (n.type === "preproc_if" || n.type === "preproc_ifdef" || n.type === "preproc_elif" || n.type === "preproc_elifdef") {
      return [this.preprocAlt(n)];
    }
    if (n.type === "preproc_else") return this.stmts(n.children.filter((c) => c?.type !== "#else"));
    if (n.type === "preproc_call" || n.type === "preproc_def" || n.type === "preproc_function_def" || n.type === "preproc_include") return [];
    if (n.type === "declaration") return this.declaration(n);
    if (n.type === "labeled_statement") {
      const label = n.childForFieldName("label")?.text ?? "";
      const rest = n.namedChildren.filter((c): c is Node => !!c && c.type !== "statement_identifier");
      return [{ k: "label", line: this.line(n), name: label }, ...this.stmts(rest)];
    }
    if (n.type === "attributed_statement") return this.stmts(n.namedChildren.filter((c) => c?.type !== "attribute_declaration"));
    return [this.stmtAt(n)]; // this level was counted by stmtList
  }

  preprocAlt(n: Node): Stmt {
    // `#ifdef X … #else … #endif` inside a body: one branch runs.
    const branches: Stmt[] = [];
    const own: Node[] = [];
    for (const c of n.children) {
      if (!c) continue;
      const field = (() => {
        for (let i = 0; i < n.childCount; i++) if (n.child(i)?.id === c.id) return n.fieldNameForChild(i);
        return null;
      })();
      if (field === "alternative") {
        const alt =
          c.type === "preproc_else"
            ? this.block(c.children.filter((x) => x?.type !== "#else"), this.line(c))
            : this.nested(c, () => this.preprocAlt(c), (s) => s);
        branches.push(alt);
      } else if (field !== "name" && field !== "condition" && !c.type.startsWith("#")) {
        own.push(c);
      }
    }
    branches.unshift(this.block(own, this.line(n)));
    if (branches.length === 1) branches.push({ k: "block", line: this.line(n), body: [] });
    const cond = preprocCondition(n);
    return { k: "alt", line: this.line(n), branches, ...(cond ? { cond } : {}) };
  }

  declaration(n: Node): Stmt[] {
    const out: Stmt[] = [];
    for (const d of n.childrenForFieldName("declarator")) {
      if (!d) continue;
      if (d.type === "init_declarator") {
        const value = d.childForFieldName("value");
        const name = declName(d.childForFieldName("declarator"));
        const lit = value ? literalValue(value) : undefined;
        if (name && lit !== undefined) {
          out.push({ k: "expr", line: this.line(d), calls: [], setVar: { name, value: lit } });
          continue;
        }
        const calls = this.calls(value);
        if (!calls.length) continue;
        const s: Stmt = { k: "expr", line: this.line(d), calls };
        if (name && value?.type === "call_expression") {
          const c = this.callOf(value);
          if (c) s.assign = { name, call: c };
        }
        out.push(s);
      }
    }
    return out;
  }

  stmt(n: Node): Stmt {
    return this.nested(n, () => this.stmtAt(n), (s) => s);
  }

  private stmtAt(n: Node): Stmt {
    const line = this.line(n);
    switch (n.type) {
      case "compound_statement":
        return this.block(n.children, line);
      case "expression_statement": {
        const e = n.namedChild(0);
        if (n.child(n.childCount - 1)?.isMissing) this.errors++;
        if (!e) return { k: "block", line, body: [] };
        // guard(type)(&lock);
        if (e.type === "call_expression") {
          const fn = e.childForFieldName("function");
          if (fn?.type === "call_expression") {
            const g = this.callOf(fn);
            if (g && g.name === "guard") {
              const argsNode = e.childForFieldName("arguments");
              const a = argsNode?.namedChild(0);
              return { k: "expr", line, calls: [], guard: { type: g.args[0]?.text ?? "", arg: a ? this.arg(a) : null, line } };
            }
          }
        }
        const s: Stmt = { k: "expr", line, calls: this.calls(e) };
        const writes = this.writes(e);
        if (writes.length) s.writes = writes;
        const assign = e.type === "assignment_expression" && e.childForFieldName("operator")?.text === "=" ? e : null;
        if (assign) {
          const left = assign.childForFieldName("left");
          let right = assign.childForFieldName("right");
          while (right?.type === "parenthesized_expression" || right?.type === "cast_expression") {
            right = right.type === "cast_expression" ? right.childForFieldName("value") : right.namedChild(0);
          }
          let negated = false;
          if (right?.type === "unary_expression" && right.childForFieldName("operator")?.text === "!") {
            const arg = right.childForFieldName("argument");
            if (arg && unparen(arg).type === "call_expression") {
              right = unparen(arg);
              negated = true;
            }
          }
          const lit = right ? literalValue(right) : undefined;
          if (left?.type === "identifier" && lit !== undefined) s.setVar = { name: left.text, value: lit };
          if (left && right?.type === "call_expression") {
            const c = this.callOf(right);
            if (c) s.assign = { name: norm(left.text), call: c, target: this.arg(left), ...(negated ? { negated } : {}) };
          } else if (left && right?.type === "identifier") {
            s.store = { target: this.arg(left), ident: right.text };
          }
        }
        return s;
      }
      case "if_statement": {
        const cond = this.cond(n.childForFieldName("condition"));
        const cons = n.childForFieldName("consequence");
        const alt = n.childForFieldName("alternative");
        const elseStmt = alt ? this.block(alt.namedChildren, this.line(alt)) : undefined;
        return { k: "if", line, cond, then: cons ? this.wrap(cons) : { k: "block", line, body: [] }, else: elseStmt };
      }
      case "for_statement": {
        const init = n.childForFieldName("initializer");
        const c = n.childForFieldName("condition");
        const upd = n.childForFieldName("update");
        const body = n.childForFieldName("body");
        const initStmts = init ? this.stmtList(init.type === "declaration" ? init : init) : [];
        // `for (;;)`: no condition, the loop runs until a break.
        const cond: Cond = c ? this.cond(c) : { ...this.cond(null), always: true };
        const bodyStmt: Stmt = { k: "block", line, body: [...(body ? [this.wrap(body)] : []), ...(upd ? [{ k: "expr" as const, line, calls: this.calls(upd) }] : [])] };
        const loop: Stmt = { k: "loop", line, cond, body: bodyStmt, doWhile: false };
        return initStmts.length ? { k: "block", line, body: [...initStmts.filter((s) => s.k !== "block" || s.body.length), loop] } : loop;
      }
      case "while_statement": {
        const body = n.childForFieldName("body");
        return { k: "loop", line, cond: this.cond(n.childForFieldName("condition")), body: body ? this.wrap(body) : { k: "block", line, body: [] }, doWhile: false };
      }
      case "do_statement": {
        const body = n.childForFieldName("body");
        return { k: "loop", line, cond: this.cond(n.childForFieldName("condition")), body: body ? this.wrap(body) : { k: "block", line, body: [] }, doWhile: true };
      }
      case "switch_statement": {
        const cond = this.cond(n.childForFieldName("condition"));
        const body = n.childForFieldName("body");
        const cases: { line: number; body: Stmt[] }[] = [];
        let hasDefault = false;
        const pre: Node[] = [];
        for (const c of body?.namedChildren ?? []) {
          if (!c) continue;
          if (c.type === "case_statement") {
            if (c.child(0)?.type === "default") hasDefault = true;
            const stmts = c.namedChildren.filter((x): x is Node => !!x && x.id !== c.childForFieldName("value")?.id);
            cases.push({ line: this.line(c), body: this.stmts(stmts) });
          } else pre.push(c);
        }
        if (pre.length && !cases.length) cases.push({ line, body: this.stmts(pre) });
        return { k: "switch", line, cond, cases, hasDefault };
      }
      case "return_statement": {
        const e = n.namedChild(0);
        const ret: Stmt = { k: "return", line, calls: this.calls(n) };
        const inner = e ? unparen(e) : null;
        const known = inner ? literalValue(inner) : undefined;
        if (inner?.type === "identifier") ret.value = { var: inner.text };
        else if (known !== undefined) ret.value = { lit: known, ...(known && (inner!.type === "number_literal" || inner!.type === "true") ? { positive: true as const } : {}) };
        else if (inner?.type === "call_expression") ret.value = { call: true };
        else if (inner) {
          const lit = literalValue(inner);
          if (lit !== undefined) ret.value = { lit };
        }
        return ret;
      }
      case "goto_statement":
        return { k: "goto", line, label: n.childForFieldName("label")?.text ?? "" };
      case "break_statement":
        return { k: "break", line };
      case "continue_statement":
        return { k: "continue", line };
      case "labeled_statement":
      case "declaration":
      case "ERROR":
      case "preproc_if":
      case "preproc_ifdef":
      case "preproc_else":
      case "attributed_statement": {
        const list = this.stmtList(n);
        return list.length === 1 ? list[0] : { k: "block", line, body: list };
      }
      default: {
        // Anything else (stray expressions, macros) still contributes calls.
        const calls = this.calls(n);
        return { k: "expr", line, calls };
      }
    }
  }

  /** A statement used as a branch or loop body, always as a block. */
  wrap(n: Node): Stmt {
    const s = this.stmt(n);
    return s.k === "block" ? s : { k: "block", line: s.line, body: [s] };
  }
}

function unparen(n: Node): Node {
  while (n.type === "parenthesized_expression" && n.namedChildCount === 1) n = n.namedChild(0)!;
  return n;
}

/** Truth of a constant expression (0, NULL, false, 1, -EINVAL, true), else undefined. */
function literalValue(n: Node): boolean | undefined {
  n = unparen(n);
  if (n.type === "true") return true;
  if (n.type === "false" || n.type === "null") return false;
  if (n.type === "number_literal") return !/^0+[uUlL]*$|^0x0+$/.test(n.text);
  if (n.type === "identifier" && n.text === "NULL") return false;
  if (n.type === "unary_expression" && n.childForFieldName("operator")?.text === "-") {
    const a = n.childForFieldName("argument");
    if (a && (a.type === "number_literal" || (a.type === "identifier" && /^E[A-Z0-9]+$/.test(a.text)))) return true;
  }
  // ERR_PTR(-E…) is a non-NULL pointer; PTR_ERR(p) is returned after IS_ERR(p): an error code.
  if (n.type === "call_expression" && /^(ERR_PTR|PTR_ERR)$/.test(n.childForFieldName("function")?.text ?? "")) return true;
  return undefined;
}

function declName(d: Node | null): string | null {
  while (d) {
    if (d.type === "identifier" || d.type === "field_identifier") return d.text;
    d = d.childForFieldName("declarator") ?? (d.type === "parenthesized_declarator" ? d.namedChild(0) : null);
  }
  return null;
}

function pointerDepth(d: Node | null): number {
  let n = 0;
  while (d) {
    if (d.type === "pointer_declarator") n++;
    if (d.type === "identifier" || d.type === "field_identifier") break;
    d = d.childForFieldName("declarator") ?? (d.type === "parenthesized_declarator" ? d.namedChild(0) : null);
  }
  return n;
}

function typeName(t: Node | null): string | null {
  if (!t) return null;
  if (t.type === "struct_specifier" || t.type === "union_specifier" || t.type === "enum_specifier") {
    return t.childForFieldName("name")?.text ?? null;
  }
  if (t.type === "type_identifier" || t.type === "primitive_type" || t.type === "sized_type_specifier") return t.text;
  if (t.type === "macro_type_specifier") return t.childForFieldName("name")?.text ?? null;
  return null;
}

function ctype(typeNode: Node | null, declarator: Node | null): CType | null {
  const name = typeName(typeNode);
  return name ? { name, pointer: pointerDepth(declarator) } : null;
}

/** `(*name[])(args)`: an array of function pointers (a function declarator around an array declarator). */
function isFnPointerArray(d: Node | null): boolean {
  let sawFunction = false;
  while (d) {
    if (d.type === "function_declarator") sawFunction = true;
    else if (d.type === "array_declarator") return sawFunction;
    d = d.childForFieldName("declarator") ?? (d.type === "parenthesized_declarator" ? d.namedChild(0) : null);
  }
  return false;
}

function findFunctionDeclarator(d: Node | null): Node | null {
  while (d) {
    if (d.type === "function_declarator") return d;
    d = d.childForFieldName("declarator");
  }
  return null;
}

/** Text-level argument split of a macro invocation tree-sitter could not parse. */
function macroArgs(text: string): { name: string; args: string[] } | null {
  const m = /^\s*(?:static\s+|const\s+)*([A-Za-z_]\w*)\s*\(([\s\S]*)\)\s*;?\s*$/.exec(text);
  if (!m) return null;
  const args: string[] = [];
  let depth = 0;
  let cur = "";
  for (const ch of m[2]) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      args.push(cur.trim());
      cur = "";
    } else cur += ch;
  }
  if (cur.trim()) args.push(cur.trim());
  return { name: m[1], args };
}

const ATTR_MACRO = /^(DEVICE|DRIVER|BUS|CLASS|KOBJ|MODULE)_ATTR(_RW|_RO|_WO|_ADMIN_RW|_ADMIN_RO)?$|^__ATTR(_RW|_RO|_WO)?$/;
const LOCK_DEFINER = /^DEFINE_(MUTEX|SPINLOCK|RAW_SPINLOCK|RWLOCK|SEMAPHORE|STATIC_SRCU|SRCU)$|^DECLARE_RWSEM$|^DEFINE_(PER_CPU_)?RWSEM$/;

export interface BuildResult {
  model: CFileModel;
}

/** Build the C model of one source view. */
export async function buildModel(view: SourceView): Promise<CFileModel> {
  const prep = prepare(view.text);
  const tree = await parseC(prep.text);
  try {
    return extract(tree.rootNode, view, prep);
  } finally {
    tree.delete();
  }
}

/**
 * Build the C model of a whole-file view from the previous build of the same
 * path (cmodel/incremental.ts): the tree is re-parsed around the change and
 * unchanged functions are taken over. `prior` is used up (its tree edited
 * and deleted); the result's `next` is for the build after this one, and
 * its tree must be deleted by whoever drops it.
 */
export async function buildModelFrom(view: SourceView, prior: PriorBuild | undefined): Promise<{ model: CFileModel; next: PriorBuild }> {
  const prep = prepare(view.text);
  let tree: Tree;
  if (prior) {
    prior.tree.edit(textEdit(prior.text, prep.text));
    try {
      tree = await parseC(prep.text, prior.tree);
    } finally {
      prior.tree.delete();
    }
  } else tree = await parseC(prep.text);
  const next: PriorBuild = { text: prep.text, tree, functions: new Map() };
  try {
    return { model: extract(tree.rootNode, view, prep, { prior: prior?.functions, next: next.functions }), next };
  } catch (e) {
    tree.delete();
    throw e;
  }
}

/**
 * Locals that copy one access path and are never assigned again
 * (`struct workqueue_struct *wq = obj->wq;` … `destroy_workqueue(wq)`,
 * megaraid's teardown in Linux 6.1): the local names what the path names.
 */
function localAliases(b: Builder, body: Node, locals: Record<string, CType>): Record<string, AccessPath> {
  const seen = new Map<string, AccessPath | null>();
  const note = (name: string, value: Node | null) => {
    if (!(name in locals)) return;
    const p = value && (value.type === "field_expression" || value.type === "identifier") ? b.accessPath(value) : null;
    seen.set(name, seen.has(name) || !p || (p.root === name) ? null : p);
  };
  for (const d of body.descendantsOfType("init_declarator")) {
    const name = d ? declName(d.childForFieldName("declarator")) : null;
    if (d && name) note(name, d.childForFieldName("value"));
  }
  for (const a of body.descendantsOfType("assignment_expression")) {
    const left = a?.childForFieldName("left");
    if (a && left?.type === "identifier") note(left.text, a.childForFieldName("operator")?.text === "=" ? a.childForFieldName("right") : null);
  }
  const out: Record<string, AccessPath> = {};
  for (const [k, v] of seen) if (v && v.fields.length) out[k] = v;
  return out;
}

/**
 * `wq = host->wq; host->wq = NULL; destroy_workqueue(wq);`: a local reused
 * for several objects (so not an alias for the whole function) still names
 * the object it was last set from in the statements that follow in the same
 * block, up to the next write of it or a label (a join).
 */
function straightLineValues(b: Builder, body: Node, locals: Record<string, CType>, aliases: Record<string, AccessPath>): Map<number, AccessPath> {
  const out = new Map<number, AccessPath>();
  const writes = (n: Node, name: string) =>
    n.descendantsOfType(["assignment_expression", "update_expression"]).some((a) => {
      const left = a?.childForFieldName(a.type === "assignment_expression" ? "left" : "argument");
      return left?.type === "identifier" && left.text === name;
    }) || n.descendantsOfType("pointer_expression").some((p) => p?.child(0)?.type === "&" && p.childForFieldName("argument")?.text === name);
  for (const a of body.descendantsOfType("assignment_expression")) {
    if (!a || a.childForFieldName("operator")?.text !== "=") continue;
    const left = a.childForFieldName("left");
    const right = a.childForFieldName("right");
    const stmt = a.parent;
    // A local set once is already an alias for the whole function (localAliases).
    if (left?.type !== "identifier" || !(left.text in locals) || left.text in aliases || right?.type !== "field_expression") continue;
    if (stmt?.type !== "expression_statement" || stmt.parent?.type !== "compound_statement") continue;
    const p = b.accessPath(right);
    if (!p || p.root === left.text) continue;
    for (let sib = stmt.nextNamedSibling; sib; sib = sib.nextNamedSibling) {
      if (sib.type === "labeled_statement" || writes(sib, left.text)) break;
      for (const id of sib.descendantsOfType("identifier")) if (id && id.text === left.text) out.set(id.startIndex, p);
    }
  }
  return out;
}

/**
 * The condition of `#ifdef X` / `#ifndef X` / `#if EXPR` / `#elif EXPR` as a
 * key shared by every block of a function under the same condition, and the
 * value that selects the first branch: `#ifndef X` is `defined(X)` false.
 */
function preprocCondition(n: Node): { key: string; first: boolean } | undefined {
  if (n.type === "preproc_ifdef" || n.type === "preproc_elifdef") {
    const name = n.childForFieldName("name")?.text;
    if (!name) return undefined;
    const neg = n.children.some((c) => c?.type === "#ifndef" || c?.type === "#elifndef");
    return { key: `defined(${name})`, first: !neg };
  }
  const c = n.childForFieldName("condition")?.text.replace(/\s+/g, " ").trim();
  if (!c) return undefined;
  const m = /^!\s*defined\s*\(?\s*(\w+)\s*\)?$/.exec(c);
  if (m) return { key: `defined(${m[1]})`, first: false };
  const d = /^defined\s*\(?\s*(\w+)\s*\)?$/.exec(c);
  if (d) return { key: `defined(${d[1]})`, first: true };
  return { key: c, first: true };
}

/** Function models taken over from a prior build (`prior`) and left for the next one (`next`). */
interface FunctionMemo {
  prior: PriorBuild["functions"] | undefined;
  next: PriorBuild["functions"];
}

function extract(root: Node, view: SourceView, prep: ReturnType<typeof prepare>, memo?: FunctionMemo): CFileModel {
  const b = new Builder(view);
  const model: CFileModel = {
    path: view.path, functions: [], structs: [], globals: {}, lockGlobals: {}, ops: [], attrMacros: [],
    topCalls: [], parseErrors: 0, deadRows: prep.deadRows,
    ...(view.visible ? { visible: view.visible } : {}),
  };
  const annByRow = new Map<number, { name: string; arg?: string }[]>();
  for (const a of prep.annotations) {
    const list = annByRow.get(a.line) ?? [];
    list.push({ name: a.name, arg: a.arg });
    annByRow.set(a.line, list);
  }

  const structsSeen = new Set<string>();
  const collectStruct = (s: Node) => {
    const name = s.childForFieldName("name")?.text;
    const body = s.childForFieldName("body");
    if (!name || !body || structsSeen.has(name)) return;
    structsSeen.add(name);
    const def: StructDef = { name, fields: {} };
    const addFields = (list: Node) => {
      for (const f of list.namedChildren) {
        if (!f || f.type !== "field_declaration") continue;
        const t = f.childForFieldName("type");
        const decls = f.childrenForFieldName("declarator").filter((x): x is Node => !!x);
        if (!decls.length && t && (t.type === "struct_specifier" || t.type === "union_specifier")) {
          // Anonymous member struct/union: its fields belong to the parent.
          const inner = t.childForFieldName("body");
          if (inner) addFields(inner);
          continue;
        }
        for (const d of decls) {
          const n = declName(d);
          const ty = ctype(t, d);
          if (n && ty) def.fields[n] = ty;
        }
        if (t && (t.type === "struct_specifier" || t.type === "union_specifier") && t.childForFieldName("body")) collectStruct(t);
      }
    };
    addFields(body);
    model.structs.push(def);
  };

  const opsFromInit = (structType: string, variable: string, list: Node) => {
    const siblings: Record<string, string> = {};
    const pairs: { field: string; fn: string; line: number }[] = [];
    for (const item of list.namedChildren) {
      if (!item) continue;
      if (item.type === "initializer_list") {
        opsFromInit(structType, variable, item); // arrays of ops
        continue;
      }
      if (item.type !== "initializer_pair") continue;
      const des = item.childrenForFieldName("designator").filter((x): x is Node => !!x);
      const field = des.length === 1 && des[0].type === "field_designator" ? des[0].namedChild(0)?.text : undefined;
      const value = item.childForFieldName("value");
      if (!field || !value) continue;
      if (value.type === "identifier") pairs.push({ field, fn: value.text, line: b.line(item) });
      else if (value.type === "pointer_expression" && value.childForFieldName("argument")?.type === "identifier") {
        pairs.push({ field, fn: value.childForFieldName("argument")!.text, line: b.line(item) });
      } else if (value.type === "initializer_list") {
        opsFromInit(field, variable, value); // nested struct: typed by field name
      } else siblings[field] = norm(value.text);
    }
    for (const p of pairs) model.ops.push({ structType, variable, field: p.field, fn: p.fn, line: p.line, siblings });
  };

  const topDeclaration = (n: Node) => {
    const t = n.childForFieldName("type");
    if (t && (t.type === "struct_specifier" || t.type === "union_specifier")) collectStruct(t);
    const tname = typeName(t);
    // Macro "declarations": DEFINE_MUTEX(x), DEVICE_ATTR_RW(x), DECLARE_WORK(w, f) …
    if (tname && (t?.type === "type_identifier" || t?.type === "macro_type_specifier")) {
      const ma = macroArgs(n.text.replace(/^\s*static\s+/, ""));
      if (LOCK_DEFINER.test(tname)) {
        const name = ma?.args[0] ?? declName(n.childForFieldName("declarator"));
        if (name) model.lockGlobals[name] = tname.replace(/^DEFINE_|^DECLARE_/, "").toLowerCase();
        return;
      }
      if (ATTR_MACRO.test(tname) && ma && ma.args[0]) {
        const attrName = ma.args[0];
        let fns: string[];
        if (/_RW$/.test(tname)) fns = [`${attrName}_show`, `${attrName}_store`];
        else if (/_RO$/.test(tname)) fns = [`${attrName}_show`];
        else if (/_WO$/.test(tname)) fns = [`${attrName}_store`];
        else fns = ma.args.slice(2, 4).filter((a) => /^[A-Za-z_]\w*$/.test(a) && a !== "NULL");
        model.attrMacros.push({ macro: tname, name: attrName, line: b.line(n), fns });
        return;
      }
      if (ma && /^[A-Z_][A-Z0-9_]*$/.test(tname)) {
        model.topCalls.push({ name: tname, args: ma.args.map((a) => ({ text: a, addrOf: false, path: /^[A-Za-z_]\w*$/.test(a) ? { root: a, fields: [] } : null, ident: /^[A-Za-z_]\w*$/.test(a) ? a : undefined })), line: b.line(n) });
        return;
      }
    }
    for (const d of n.childrenForFieldName("declarator")) {
      if (!d) continue;
      const inner = d.type === "init_declarator" ? d.childForFieldName("declarator") : d;
      const name = declName(inner);
      const value = d.type === "init_declarator" ? d.childForFieldName("value") : null;
      if (name && value?.type === "initializer_list" && isFnPointerArray(inner)) {
        const elems = value.namedChildren.filter((x): x is Node => !!x && x.type === "identifier").map((x) => x.text);
        if (elems.length) (model.fnTables ??= {})[name] = elems;
        continue;
      }
      if (!name || findFunctionDeclarator(inner)) continue;
      const ty = ctype(t, inner);
      if (ty) model.globals[name] = ty;
      if (value?.type === "initializer_list" && tname) opsFromInit(tname, name, value);
    }
  };

  const fnDef = (n: Node) => {
    const decl = findFunctionDeclarator(n.childForFieldName("declarator"));
    const body = n.childForFieldName("body");
    if (!decl || !body) return;
    const nameNode = decl.childForFieldName("declarator");
    const name = nameNode ? declName(nameNode) ?? nameNode.text : null;
    if (!name) return;
    const params: CFunction["params"] = [];
    for (const p of decl.childForFieldName("parameters")?.namedChildren ?? []) {
      if (!p || p.type !== "parameter_declaration") continue;
      const d = p.childForFieldName("declarator");
      const pn = declName(d);
      if (pn) params.push({ name: pn, type: ctype(p.childForFieldName("type"), d) });
    }
    const locals: Record<string, CType> = {};
    for (const x of body.descendantsOfType("declaration")) {
      if (!x) continue;
      const t = x.childForFieldName("type");
      for (const d of x.childrenForFieldName("declarator")) {
        if (!d) continue;
        const inner = d.type === "init_declarator" ? d.childForFieldName("declarator") : d;
        const ln = declName(inner);
        const ty = ctype(t, inner);
        if (ln && ty) locals[ln] = ty;
      }
    }
    // Pointer depth up to the function declarator: `struct foo *bar(void)` returns a pointer.
    let rp = 0;
    for (let d = n.childForFieldName("declarator"); d && d.type !== "function_declarator"; d = d.childForFieldName("declarator")) if (d.type === "pointer_declarator") rp++;
    const rtName = typeName(n.childForFieldName("type"));
    const returns = rtName ? { name: rtName, pointer: rp } : undefined;
    const isStatic = n.children.some((c) => c?.type === "storage_class_specifier" && c.text === "static");
    const startRow = n.startPosition.row;
    const annotations: { name: string; arg?: string }[] = [];
    for (let r = startRow; r <= body.startPosition.row; r++) annotations.push(...(annByRow.get(r) ?? []));
    // Unchanged since the prior build (same text, same annotations): its model, moved.
    const key = memo && !n.hasError ? functionKey(n.text, annotations) : undefined;
    const before = key !== undefined ? memo!.prior?.get(key) : undefined;
    if (key !== undefined && before) {
      const fn = shiftLines(before.fn, startRow - before.row);
      b.errors += fn.parseErrors;
      model.functions.push(fn);
      memo!.next.set(key, { fn, row: startRow });
      return;
    }
    const aliases = localAliases(b, body, locals);
    b.reaching = straightLineValues(b, body, locals, aliases);
    const notesBefore = notes.length;
    const failuresBefore = failures.length;
    const errBefore = b.errors;
    // Hunks mode: a synthetic head maps to line 0; use the first real line.
    let line = b.line(n);
    for (let r = n.startPosition.row; !line && r <= n.endPosition.row; r++) line = view.lineMap?.[r] ?? 0;
    b.opaqueAt = 0;
    let stmts: Stmt[];
    let partial = view.partialFunctions?.has(name) ?? false;
    try {
      stmts = b.stmts(body.children);
    } catch (e) {
      // One function that cannot be modelled must not take its file (or the
      // patch, or the pull request) with it: it stays, empty and partial.
      failures.push(`${view.path}: ${name}() could not be modelled (${(e as Error)?.message ?? e}); its body was not reviewed`);
      stmts = [];
      partial = true;
    }
    if (b.opaqueAt) {
      const at = b.opaqueAt > 0 ? ` from line ${b.opaqueAt}` : "";
      notes.push(`${view.path}: ${name}() nests statements more than ${MAX_STMT_DEPTH} levels deep; the part below that${at} was not modelled`);
      partial = true;
    }
    const fn: CFunction = {
      name, file: view.path, isStatic, line, endLine: b.endLine(n), params, locals, annotations,
      body: stmts, partial, parseErrors: b.errors - errBefore, ...(Object.keys(aliases).length ? { aliases } : {}), ...(returns ? { returns } : {}),
    };
    model.functions.push(fn);
    // A function that left a note or a failure is built again next time (they are said per build).
    if (key !== undefined && notes.length === notesBefore && failures.length === failuresBefore) memo!.next.set(key, { fn, row: startRow });
  };

  const top = (n: Node) => {
    switch (n.type) {
      case "function_definition":
        fnDef(n);
        break;
      case "declaration":
        topDeclaration(n);
        break;
      case "type_definition": {
        const t = n.childForFieldName("type");
        if (t && (t.type === "struct_specifier" || t.type === "union_specifier")) collectStruct(t);
        break;
      }
      case "struct_specifier":
        collectStruct(n);
        break;
      case "expression_statement": {
        const e = n.namedChild(0);
        if (e?.type === "call_expression") {
          const c = b.callOf(e);
          if (c) model.topCalls.push(c);
        }
        break;
      }
      case "ERROR":
      case "preproc_if":
      case "preproc_ifdef":
      case "preproc_else":
      case "preproc_elif":
      case "linkage_specification":
      case "declaration_list":
        // Containers: their items go on the work list (iterative: a broken
        // file nests ERROR nodes as deep as it likes).
        if (n.type === "ERROR") b.errors++;
        for (let i = n.namedChildCount - 1; i >= 0; i--) {
          const c = n.namedChild(i);
          if (c) work.push(c);
        }
        break;
      default:
        break;
    }
  };
  const notes: string[] = [];
  const failures: string[] = [];
  const work: Node[] = [];
  for (let i = root.namedChildCount - 1; i >= 0; i--) {
    const c = root.namedChild(i);
    if (c) work.push(c);
  }
  while (work.length) {
    const n = work.pop()!;
    try {
      top(n);
    } catch (e) {
      failures.push(`${view.path}: the code at line ${b.line(n)} could not be modelled (${(e as Error)?.message ?? e}); it was not reviewed`);
    }
  }
  model.parseErrors = b.errors;
  if (notes.length) model.notes = notes;
  if (failures.length) model.failures = failures;
  return model;
}
