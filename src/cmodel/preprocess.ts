// Text-level preparation before tree-sitter sees a file. Everything here
// keeps line and column positions unchanged (replaced text becomes spaces),
// so facts found in the tree point at the real source lines.
//
// - Kernel annotation macros (`__init`, `__must_hold(x)`, `__acquires(x)` …)
//   make tree-sitter mis-parse function heads (`static int __init f(void)`
//   becomes a declaration plus a function named by a type). We blank them
//   and remember which line carried which annotation.
// - Code under `#if 0` (and the `#else` of `#if 1`) is dead and removed.
//   Other conditionals stay: both branches are live (see cmodel/build.ts).

export interface Annotation {
  /** e.g. "__init", "__exit", "__must_hold", "__acquires", "__releases". */
  name: string;
  /** Macro argument text for the lock annotations. */
  arg?: string;
  line: number; // 0-based row
}

export interface Prepared {
  text: string;
  annotations: Annotation[];
  /** 0-based rows blanked as dead code. */
  deadRows: number;
}

// Annotations that take no argument.
const BARE = [
  "__init", "__exit", "__ref", "__cold", "__hot", "__always_inline", "noinline", "__noinline",
  "__maybe_unused", "__must_check", "__used", "__refdata", "__initdata", "__exitdata",
  "__read_mostly", "__ro_after_init", "__initconst", "__user", "__iomem", "__rcu", "__percpu",
  "__force", "__bitwise", "notrace", "asmlinkage", "__visible", "__packed", "__sched",
  "__latent_entropy", "__noreturn", "__weak", "__devinit", "__devexit", "__meminit",
  "__kprobes", "__nocfi", "noinstr", "__flatten", "__pure", "__const", "inline",
  "__inline", "__inline__", "__always_unused", "__cacheline_aligned", "__cacheline_aligned_in_smp",
  "____cacheline_aligned", "____cacheline_aligned_in_smp", "__randomize_layout", "__counted_by_ptr",
];
// Annotations with a parenthesised argument (balanced parens handled below).
const WITH_ARG = [
  "__must_hold", "__acquires", "__releases", "__printf", "__scanf", "__aligned", "__attribute__",
  "__section", "__alias", "__guarded_by", "__pt_guarded_by", "__cond_acquires", "__counted_by",
  "__diagnose_as", "__malloc", "__alloc_size", "__nonstring",
];

const WORD = new RegExp(`\\b(${[...BARE, ...WITH_ARG].map((s) => s.replace(/_/g, "_")).join("|")})\\b`, "g");
const WITH_ARG_SET = new Set(WITH_ARG);
const RECORDED = new Set(["__init", "__exit", "__must_hold", "__acquires", "__releases"]);

function blank(s: string): string {
  return s.replace(/[^\n]/g, " ");
}

/** Remove `#if 0` blocks (nesting-aware); returns the text and dead row count. */
function dropDeadConditionals(text: string): { text: string; dead: number } {
  const lines = text.split("\n");
  // Stack entries: is this conditional's current branch dead, and was it
  // a constant conditional we understand (#if 0 / #if 1)?
  const stack: { deadHere: boolean; constant: 0 | 1 | null; parentDead: boolean }[] = [];
  let dead = 0;
  const isDead = () => stack.length > 0 && (stack[stack.length - 1].deadHere || stack[stack.length - 1].parentDead);
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s*#\s*(if|ifdef|ifndef|elif|else|endif)\b(.*)$/.exec(lines[i]);
    if (m) {
      const [, dir, rest] = m;
      const parentDead = isDead();
      if (dir === "if" || dir === "ifdef" || dir === "ifndef") {
        const cond = rest.replace(/\/\*.*?\*\//g, "").replace(/\/\/.*$/, "").trim();
        const constant = dir === "if" && cond === "0" ? 0 : dir === "if" && cond === "1" ? 1 : null;
        stack.push({ deadHere: constant === 0, constant, parentDead });
        if (parentDead || constant !== null) {
          lines[i] = blank(lines[i]);
          dead++;
        }
        continue;
      }
      const top = stack[stack.length - 1];
      if (!top) continue;
      if (dir === "endif") {
        stack.pop();
        if (top.parentDead || top.constant !== null) {
          lines[i] = blank(lines[i]);
          dead++;
        }
        continue;
      }
      // #else / #elif
      if (top.constant !== null) {
        // #if 0 … #else: the else branch is live; #if 1 … #else: dead.
        top.deadHere = dir === "else" ? top.constant === 1 : true;
        if (dir === "elif" && top.constant === 0) {
          // "#if 0 / #elif COND": COND decides; treat as unknown (live).
          top.deadHere = false;
          top.constant = null;
          lines[i] = lines[i].replace(/#\s*elif/, "#if  ");
          continue;
        }
        lines[i] = blank(lines[i]);
        dead++;
        continue;
      }
      if (top.parentDead) {
        lines[i] = blank(lines[i]);
        dead++;
      }
      continue;
    }
    if (isDead()) {
      lines[i] = blank(lines[i]);
      dead++;
    }
  }
  return { text: lines.join("\n"), dead };
}

/**
 * A top-level macro invocation without `;` (`drbd_debugfs_device_attr(x)`,
 * `DEFINE_SHOW_ATTRIBUTE(y)`) makes tree-sitter swallow the next definition.
 * Such a line (column 0, one balanced call, not followed by a body) gets a
 * `;` appended; appending keeps every position before it unchanged.
 */
function terminateMacroLines(text: string): string {
  const lines = text.split("\n");
  const call = /^[A-Za-z_]\w*\s*\(.*\)\s*$/;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!call.test(l) || /^(if|for|while|switch|return|else)\b/.test(l)) continue;
    let depth = 0;
    let balanced = true;
    for (const ch of l) {
      if (ch === "(") depth++;
      else if (ch === ")" && --depth < 0) balanced = false;
    }
    if (!balanced || depth !== 0) continue;
    let j = i + 1;
    while (j < lines.length && !lines[j].trim()) j++;
    const next = lines[j] ?? "";
    if (/^\s*\{/.test(next) || /^\s/.test(next) || /^\s*(=|,|\))/.test(next)) continue;
    lines[i] = l.replace(/\s*$/, ";");
  }
  return lines.join("\n");
}

export function prepare(source: string): Prepared {
  const { text: deadFree, dead } = dropDeadConditionals(source);
  const live = terminateMacroLines(deadFree);
  const annotations: Annotation[] = [];
  let out = "";
  let last = 0;
  // Precompute row starts lazily via counting newlines up to each match.
  let row = 0;
  let rowScan = 0;
  WORD.lastIndex = 0;
  for (let m = WORD.exec(live); m; m = WORD.exec(live)) {
    const name = m[1];
    let end = m.index + name.length;
    let arg: string | undefined;
    if (WITH_ARG_SET.has(name)) {
      let j = end;
      while (j < live.length && (live[j] === " " || live[j] === "\t")) j++;
      if (live[j] !== "(") continue; // a bare use (e.g. in a comment): leave it
      let depth = 0;
      let k = j;
      for (; k < live.length; k++) {
        if (live[k] === "(") depth++;
        else if (live[k] === ")" && --depth === 0) break;
      }
      if (k >= live.length) continue;
      arg = live.slice(j + 1, k).trim();
      end = k + 1;
    }
    for (; rowScan < m.index; rowScan++) if (live.charCodeAt(rowScan) === 10) row++;
    if (RECORDED.has(name)) annotations.push({ name, arg, line: row });
    out += live.slice(last, m.index) + blank(live.slice(m.index, end));
    last = end;
    WORD.lastIndex = end;
  }
  out += live.slice(last);
  return { text: out, annotations, deadRows: dead };
}
