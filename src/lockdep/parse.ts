// Parse lockdep reports as they appear in dmesg, syzbot mails and bisection
// logs: "possible circular locking dependency detected" (the `-> #N
// (class){…}:` blocks with their stacks, "Chain exists of:", the CPU0/CPU1
// table), "possible recursive locking detected", and "INFO: task … blocked"
// hung-task reports with their held-locks list. Several reports in one input
// (a mailbox, a bisection log) are returned in order. Also picks up what
// syzbot says around them: the crash title and the bisected commit.

export interface Frame {
  fn: string;
  file?: string;
  line?: number;
  inline?: boolean;
  /** `[nbd]` after the symbol: the module the function is in. */
  module?: string;
}

export interface ChainBlock {
  /** The N of `-> #N`. */
  index: number;
  lock: string;
  /** Where `lock` was taken (innermost frame first), while holding the next block's lock. */
  stack: Frame[];
}

export interface HeldLock {
  lock: string;
  at?: Frame;
}

export type SplatKind = "circular" | "recursive" | "hung-task";

export interface Splat {
  kind: SplatKind;
  /** The header line ("WARNING: possible circular locking dependency detected"). */
  title: string;
  /** 1-based line of the header in the input. */
  line: number;
  trying?: HeldLock;
  holding?: HeldLock;
  chain: ChainBlock[];
  /** "Chain exists of: A --> B --> C". */
  chainSummary?: string[];
  scenario?: { cpu0: string[]; cpu1: string[] };
  held: HeldLock[];
  backtrace: Frame[];
  /** syzbot's "crash: …" title or the bug title nearby. */
  crash?: string;
  /** A bisection's result: the first bad commit. */
  bisected?: { commit: string; title?: string };
}

const TIMESTAMP = /^\s*\[\s*\d+\.\d+\]\s?(\[\s*[CT]\d+\]\s?)?/;
// `f+0x1/0x2`, `f+0x1/0x2 drivers/block/nbd.c:226`, `f drivers/…:226 [inline]`,
// `f+0x1/0x2 [module]` (a module's symbol).
const FRAME = /^\s*(?:\?\s+)?([A-Za-z_][\w.]*)(?:\+0x[0-9a-f]+\/0x[0-9a-f]+)?(?:\s+\[([\w.-]+)\])?(?:\s+([\w./-]+\.[ch]):(\d+))?(\s+\[inline\])?(?:\s+\[([\w.-]+)\])?\s*$/;
const LOCK_IN_PARENS = /\(((?:\([^()]*\))?[^(){}]*(?:\([^()]*\))?[^(){}]*)\)\{[^}]*\}/;

function clean(l: string): string {
  return l.replace(TIMESTAMP, "").replace(/\r$/, "");
}

function frame(l: string): Frame | null {
  const m = FRAME.exec(l);
  if (!m) return null;
  if (/^(RIP|RSP|RAX|RDX|RBP|R\d+|Code|CPU|Hardware|Call|Trace|other|stack)$/.test(m[1])) return null;
  const module = m[2] ?? m[6];
  return { fn: m[1], ...(m[3] ? { file: m[3], line: Number(m[4]) } : {}), ...(m[5] ? { inline: true } : {}), ...(module && module !== "inline" ? { module } : {}) };
}

/** The lock class name in `ffff888… (&bdev->bd_mutex){+.+.}-{3:3}, at: f+0x/0x file:line`. */
function lockOf(l: string): HeldLock | null {
  const m = LOCK_IN_PARENS.exec(l);
  if (!m) return null;
  const at = /, at: (.*)$/.exec(l);
  const f = at ? frame(at[1]) : null;
  return { lock: m[1].trim(), ...(f ? { at: f } : {}) };
}

export function parseSplats(text: string): Splat[] {
  const lines = text.split("\n").map(clean);
  const out: Splat[] = [];
  let cur: Splat | null = null;
  let section: "none" | "trying" | "holding" | "chain" | "summary" | "scenario" | "held" | "trace" = "none";
  let block: ChainBlock | null = null;
  let crash: string | undefined;
  let bisected: Splat["bisected"];

  const start = (kind: SplatKind, title: string, i: number) => {
    cur = { kind, title: title.trim(), line: i + 1, chain: [], held: [], backtrace: [] };
    if (crash) cur.crash = crash;
    out.push(cur);
    section = "none";
    block = null;
  };

  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    const c = /^crash: (.+)$/.exec(l) ?? /^Title:\s+(.+)$/.exec(l);
    if (c) crash = c[1].trim();
    const bis = /^([0-9a-f]{12,40}) is the first bad commit/.exec(l) ?? /^first bad commit: ([0-9a-f]{12,40})\s*(.*)$/.exec(l);
    if (bis) {
      const title = bis[2] || /^\s{4}(\S.*)$/.exec(lines.slice(i + 1, i + 8).find((x) => /^\s{4}\S/.test(x)) ?? "")?.[1];
      bisected = { commit: bis[1], ...(title ? { title: title.trim() } : {}) };
      for (const s of out) s.bisected ??= bisected;
    }
    if (/possible circular locking dependency detected/.test(l)) {
      start("circular", l, i);
      continue;
    }
    if (/possible recursive locking detected/.test(l)) {
      start("recursive", l, i);
      continue;
    }
    if (/^INFO: task .* blocked for more than/.test(l.trim())) {
      start("hung-task", l, i);
      continue;
    }
    if (!cur) continue;
    const s: Splat = cur;
    if (/is trying to acquire lock:/.test(l)) {
      section = "trying";
      continue;
    }
    if (/but task is already holding lock:/.test(l)) {
      section = "holding";
      continue;
    }
    if (/the existing dependency chain \(in reverse order\) is:/.test(l)) {
      section = "chain";
      continue;
    }
    if (/^\s*Chain exists of:/.test(l)) {
      section = "summary";
      continue;
    }
    if (/Possible unsafe locking scenario:/.test(l)) {
      section = "scenario";
      s.scenario = { cpu0: [], cpu1: [] };
      continue;
    }
    if (/^\s*\d+ locks? held by /.test(l) || /^Showing all locks held/.test(l)) {
      section = "held";
      continue;
    }
    if (/^(stack backtrace:|Call Trace:)/.test(l.trim())) {
      section = "trace";
      continue;
    }
    if (/^\s*\*\*\* DEADLOCK \*\*\*/.test(l)) continue;

    switch (section) {
      case "trying":
      case "holding": {
        const h = lockOf(l);
        if (h) {
          if (section === "trying") s.trying = h;
          else s.holding = h;
          section = "none";
        }
        break;
      }
      case "chain": {
        const m = /^-> #(\d+) \((.*)\)\{[^}]*\}/.exec(l.trim());
        if (m) {
          block = { index: Number(m[1]), lock: m[2].trim(), stack: [] };
          s.chain.push(block);
          break;
        }
        const f = frame(l);
        if (f && block) (block as ChainBlock).stack.push(f);
        else if (/^other info that might help/.test(l.trim())) section = "none";
        break;
      }
      case "summary": {
        if (l.includes("-->")) s.chainSummary = l.split("-->").map((x) => x.trim());
        else if (l.trim() && s.chainSummary) section = "none";
        break;
      }
      case "scenario": {
        const m = /^(\s*)lock\((.*)\);\s*$/.exec(l);
        if (!m) break;
        // CPU1's column starts far to the right (31 columns in lockdep's table).
        (m[1].length > 10 ? s.scenario!.cpu1 : s.scenario!.cpu0).push(m[2]);
        break;
      }
      case "held": {
        const h = lockOf(l);
        if (h) s.held.push(h);
        else if (!l.trim()) section = "none";
        break;
      }
      case "trace": {
        const f = frame(l);
        if (f) s.backtrace.push(f);
        else if (/^(RIP:|=+$|-+\[ cut here)/.test(l.trim()) && s.backtrace.length) section = "none";
        break;
      }
      default:
        break;
    }
  }
  for (const s of out) if (bisected) s.bisected ??= bisected;
  return out;
}

/**
 * The dependency edges of a circular report, as lockdep means them: block
 * #k's lock was taken while holding block #(k-1)'s, and #0's (the lock the
 * task is trying to take) while holding the last block's — the lock it
 * already holds. "Chain exists of: #0 --> #1 --> … --> #n".
 */
export function chainEdges(s: Splat): { from: string; to: string; stack: Frame[]; index: number }[] {
  const blocks = [...s.chain].sort((a, b) => a.index - b.index);
  const n = blocks.length;
  return blocks.map((b, k) => ({ from: blocks[(k - 1 + n) % n].lock, to: b.lock, stack: b.stack, index: b.index }));
}

/** `nbd_put.part.0` → `nbd_put` (compiler clones keep the source name). */
export function baseName(fn: string): string {
  return fn.replace(/\.(part|isra|constprop|cold|lto_priv)(\.\d+)*$/g, "").replace(/\.(part|isra|constprop|cold)(\.\d+)*/g, "");
}
