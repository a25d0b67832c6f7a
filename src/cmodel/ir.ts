// The C model: a small, plain-data IR of each function body plus the file
// level facts the analysis needs. Built from tree-sitter once (cmodel/build.ts);
// the analysis never sees tree-sitter nodes, so it stays pure and testable.

/** `a->b.c` as a root name and field steps; null for anything more complex. */
export interface AccessPath {
  root: string;
  fields: string[];
}

export interface Arg {
  /** Source text, whitespace-normalised. */
  text: string;
  /** `&x` (address taken). */
  addrOf: boolean;
  /** Parsed access path of the operand (after `&`, casts and parens). */
  path: AccessPath | null;
  /** A function name used as a value (callbacks: `kref_put(&k, release)`). */
  ident?: string;
}

export interface Call {
  name: string;
  args: Arg[];
  /** 1-based line in the original file (mapped through the view). */
  line: number;
  /** Called through a pointer (`ops->release(x)`): name is the field. */
  indirect?: boolean;
  /** `_exits[i]()`: an element of a function-pointer array; name is the array (CFileModel.fnTables). */
  table?: boolean;
  /**
   * `(w ? up_write : up_read)(&l)`: the other function it may be. The walk
   * takes `name` (both release the same lock; a read and a write acquisition
   * of one lock order the same way).
   */
  alternatives?: string[];
}

/** A boolean test of a condition, as far as lock analysis cares. */
export type Test =
  | { t: "call"; call: Call; negated: boolean }
  | { t: "var"; name: string; nonzero: boolean }
  | { t: "and"; l: Test; r: Test }
  | { t: "or"; l: Test; r: Test }
  | { t: "not"; e: Test }
  | { t: "other" };

export interface Cond {
  /** Calls evaluated by the condition, in order (the test's calls included). */
  calls: Call[];
  test: Test;
  /** `(ret = f(…))` inside the condition. */
  assigns: { name: string; call: Call }[];
  /** Source text without the outer parentheses (for explaining paths). */
  text?: string;
  /** A nonzero constant (`while (1)`, `for (;;)`): a loop on it is left only by break, return or goto. */
  always?: true;
}

export type Stmt =
  /**
   * `opaque`: statements nested deeper than the builder models (see
   * MAX_STMT_DEPTH in build.ts); their body is left empty, the function is
   * marked partial and the file model gets a note.
   */
  | { k: "block"; line: number; body: Stmt[]; opaque?: true }
  | {
      k: "expr";
      line: number;
      calls: Call[];
      /** `x = f(…)` / `T x = f(…)`: the value of the last call is kept in x. */
      assign?: { name: string; call: Call; target?: Arg; negated?: boolean };
      /** `x = 0` / `bool x = true`: a variable set to a constant. */
      setVar?: { name: string; value: boolean };
      /** Lvalues assigned (facts about conditions mentioning them are forgotten). */
      writes?: string[];
      /** `x->cb = some_function`: a function stored into a field (callback binding). */
      store?: { target: Arg; ident: string };
      /** `guard(type)(&l)`: held to the end of the enclosing block. */
      guard?: { type: string; arg: Arg | null; line: number };
    }
  | { k: "if"; line: number; cond: Cond; then: Stmt; else?: Stmt }
  /** `#ifdef`/`#else` inside a body: one of the branches runs. */
  | {
      k: "alt"; line: number; branches: Stmt[];
      /**
       * The preprocessor condition (`defined(__CHECKER__)`) and the value that
       * selects branches[0]: blocks of one function under the same condition
       * take the same branch (a lock and its unlock under two `#ifndef X`).
       */
      cond?: { key: string; first: boolean };
    }
  /** `iterator`: a kernel iterator macro (list_for_each…): taken as running at least once. */
  | { k: "loop"; line: number; cond: Cond | null; body: Stmt; doWhile: boolean; iterator?: boolean }
  | { k: "switch"; line: number; cond: Cond; cases: { line: number; body: Stmt[] }[]; hasDefault: boolean }
  /**
   * `value`: a literal's truth, the variable returned, or `call` when the
   * value is that of the statement's last call (`return prepare(…)`), for
   * lock wrappers that report success.
   */
  /** `value.positive`: a positive constant (`return 1;`, `return true;`), not an errno (`return -ENOMEM;`). */
  | { k: "return"; line: number; calls: Call[]; value?: { lit?: boolean; var?: string; call?: boolean; positive?: true } }
  | { k: "goto"; line: number; label: string }
  | { k: "label"; line: number; name: string }
  | { k: "break"; line: number }
  | { k: "continue"; line: number }
  | { k: "scoped"; line: number; type: string; arg: Arg | null; body: Stmt };

export interface CType {
  /** struct/union/enum tag or typedef name or primitive. */
  name: string;
  pointer: number;
}

export interface CFunction {
  name: string;
  file: string;
  isStatic: boolean;
  /** 1-based original lines. */
  line: number;
  endLine: number;
  params: { name: string; type: CType | null }[];
  locals: Record<string, CType>;
  annotations: { name: string; arg?: string }[];
  body: Stmt[];
  /** Hunks mode: parts of the body were not visible. */
  partial: boolean;
  /** tree-sitter ERROR/MISSING nodes inside the body (tolerated). */
  parseErrors: number;
  /** Return type, when the head shows it (`struct foo *` → { name: "foo", pointer: 1 }). */
  returns?: CType;
  /** Locals assigned once from an access path (`wq = obj->wq`): they name the same object. */
  aliases?: Record<string, AccessPath>;
}

/** `.field = fn` of a struct initialiser (ops tables, attributes, drivers). */
export interface OpsInit {
  /** Struct type of the initialised object (`block_device_operations`). */
  structType: string;
  /** Variable name (`nbd_fops`), or the enclosing one for nested initialisers. */
  variable: string;
  field: string;
  fn: string;
  line: number;
  /** Other scalar fields of the same initialiser (e.g. `parallel_ops = true`). */
  siblings: Record<string, string>;
}

/** `DEVICE_ATTR_RW(name)` and friends: show/store callbacks by naming convention. */
export interface AttrMacro {
  macro: string;
  name: string;
  line: number;
  /** Callback functions implied by the macro (`name_show`, `name_store`). */
  fns: string[];
}

export interface FileLevelCall {
  call: Call;
}

export interface StructDef {
  name: string;
  fields: Record<string, CType>;
}

export interface CFileModel {
  path: string;
  functions: CFunction[];
  structs: StructDef[];
  globals: Record<string, CType>;
  /** Globals defined by lock macros: `DEFINE_MUTEX(x)` → { x: "mutex" }. */
  lockGlobals: Record<string, string>;
  ops: OpsInit[];
  attrMacros: AttrMacro[];
  /**
   * File-level arrays of function pointers initialised with function names
   * (`static void (*_exits[])(void) = { local_exit, … }`): a call of an
   * element may call any of them.
   */
  fnTables?: Record<string, string[]>;
  /** Top-level macro calls: module_init(f), module_exit(f), DECLARE_WORK(w, f) … */
  topCalls: Call[];
  parseErrors: number;
  deadRows: number;
  /** Hunks and hybrid views: the original line ranges the diff shows (inclusive). */
  visible?: [number, number][];
  /**
   * What the model leaves out and the review should say: functions nested
   * too deeply to model in full, or that could not be modelled at all.
   */
  notes?: string[];
  /** Functions or top-level items that could not be modelled at all (their code went unreviewed). */
  failures?: string[];
}

/** Every statement of a body, nested ones included, in order; `inLoop`: inside a loop's body. */
export function forEachStmt(list: Stmt[], f: (s: Stmt, inLoop: boolean) => void, inLoop = false): void {
  for (const s of list) {
    f(s, inLoop);
    switch (s.k) {
      case "block":
        forEachStmt(s.body, f, inLoop);
        break;
      case "if":
        forEachStmt(s.else ? [s.then, s.else] : [s.then], f, inLoop);
        break;
      case "alt":
        forEachStmt(s.branches, f, inLoop);
        break;
      case "loop":
        forEachStmt([s.body], f, true);
        break;
      case "switch":
        for (const c of s.cases) forEachStmt(c.body, f, inLoop);
        break;
      case "scoped":
        forEachStmt([s.body], f, inLoop);
        break;
      default:
        break;
    }
  }
}
