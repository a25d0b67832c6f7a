// `lockreview explain`: a lockdep report read the way a block maintainer
// reads it — which locks, which dependency edges, which lockreview rule and
// known incident it matches, which commit the bisection blamed — and, given
// a patch and the tree it applies to, whether the patch breaks the cycle.
//
// Lock names in reports are lockdep's (`&bdev->bd_mutex`, `nbd_index_mutex`,
// `(wq_completion)loop3`); they are mapped onto lockreview's classes by name
// (the field, the global, bd_mutex = today's open_mutex). A lock taken
// inside a kernel function the kernel table knows (bdev_lookup_sem inside
// del_gendisk()) stands for what the table says that function takes, so the
// report's edges line up with the analysis' edges through driver code.
import type { EdgeEvidence } from "../analysis/graph.js";
import type { Analysis } from "../analysis/program.js";
import { pathConditions } from "../analysis/conditions.js";
import type { KernelModel } from "../kernel/model.js";
import type { Reference } from "../model/review.js";
import { KNOWN_REGRESSIONS } from "../review/incidents.js";
import { RULES_BY_ID } from "../../rules/index.js";
import { baseName, chainEdges, type Frame, type Splat } from "./parse.js";

export interface MappedLock {
  /** lockdep's name. */
  name: string;
  /** lockreview's class, or null when it is internal to a kernel call. */
  cls: string | null;
  /** The kernel function it is taken inside (del_gendisk), for internal locks. */
  inside?: string;
}

export interface MappedEdge {
  from: MappedLock;
  to: MappedLock;
  /** Driver functions on the stack, outermost first. */
  driver: string[];
  /** The kernel API the stack enters from the driver (del_gendisk, destroy_workqueue …). */
  kernelCall?: string;
  /** Both ends map to the same class (inside one kernel call): not a driver-level edge. */
  internal: boolean;
}

export interface Verdict {
  breaks: boolean;
  text: string;
  removed: { from: string; to: string; path: string }[];
  remaining: { from: string; to: string; path: string; when: string[] }[];
}

export interface Explanation {
  splat: Splat;
  locks: MappedLock[];
  edges: MappedEdge[];
  rule?: { id: string; title: string };
  driver?: string;
  incidents: Reference[];
  regression?: { commit: string; title?: string; known?: string };
  verdict?: Verdict;
}

const ALIASES: Record<string, string> = {
  bd_mutex: "gendisk.open_mutex", // bd_mutex became disk->open_mutex in 5.14
  open_mutex: "gendisk.open_mutex",
};

/** lockdep name → class, by name alone. */
export function classOfLockName(name: string): string | null {
  const n = name.trim();
  let m = /^\(wq_completion\)(.+)$/.exec(n);
  if (m) return `wq:${m[1]}`;
  m = /^\(work_completion\)\(?&?(?:[\w]+(?:->|\.))*(\w+)\)?$/.exec(n);
  if (m) return `work-item:${m[1]}`;
  m = /^&?\(?&?[\w]+\)?(?:->|\.)(?:[\w]+(?:->|\.))*(\w+)(?:#\d+)?$/.exec(n);
  if (m) return ALIASES[m[1]] ?? `*.${m[1]}`;
  m = /^(\w+)(?:#\d+)?$/.exec(n);
  if (m) return ALIASES[m[1]] ?? m[1];
  return null;
}

/** Does an analysis class match a name-only class (`*.config_lock` ~ `nbd_device.config_lock`)? */
function sameClass(nameCls: string | null, cls: string): boolean {
  if (!nameCls) return false;
  if (nameCls === cls) return true;
  if (nameCls.startsWith("*.")) return cls.endsWith(nameCls.slice(1)) || cls.endsWith(`->${nameCls.slice(2)}`);
  if (nameCls.startsWith("wq:") && cls.startsWith("wq:")) return true; // workqueue names are runtime strings
  if (nameCls.startsWith("work-item:") && cls.startsWith("work:")) return true;
  return false;
}

function isKernelApi(kernel: KernelModel, fn: string): boolean {
  return kernel.rows("implicit", fn).length > 0 || kernel.rows("locks", fn).length > 0;
}

/** Driver frames (outermost first) and the kernel API the innermost driver frame calls. */
function stackShape(stack: Frame[], kernel: KernelModel, isDriver: (fn: string) => boolean): { driver: string[]; kernelCall?: string } {
  const fns = stack.map((f) => baseName(f.fn));
  const firstDriver = fns.findIndex(isDriver);
  // Outermost first, one entry per function (inline frames repeat the clone's name).
  const driver = (firstDriver < 0 ? [] : fns.slice(firstDriver).filter(isDriver)).reverse().filter((f, i, a) => i === 0 || a[i - 1] !== f);
  const inner = firstDriver < 0 ? fns : fns.slice(0, firstDriver);
  const kernelCall = [...inner].reverse().find((f) => isKernelApi(kernel, f));
  return { driver, ...(kernelCall ? { kernelCall } : {}) };
}

// Name prefixes of core kernel code, never a driver's.
const CORE = /^(blk|blkdev|bdev|bio|mutex|down|up|rwsem|genl|netlink|sock|sys|do|kernel|lock|check|validate|mark|process|worker|kthread|ret|entry|vfs|path|flush|destroy|del|device|kernfs|sysfs|dump|print|show|debug|task|schedule|wait|complete|queue|call|kobject|module|load|init|free|kfree|kmalloc|page|mm|fs|file|filp|security|syscall|x64|ksys|sock|tcp|ip|net|rcu|irq|softirq|run|handle|kick|notifier|blocking|raw|spin|read|write|iterate|disk|add|bd|part|md|drain|dump|check|preempt|smp|native|asm|cpu|arch|irq)$/;

/** The name prefix of a function, leading underscores dropped (`__loop_clr_fd` → `loop`). */
const prefixOf = (f: string) => /^_*([a-z][a-z0-9]*)_/.exec(f)?.[1];

/** Driver files live under drivers/ (syzbot and CONFIG_DEBUG_INFO reports name each frame's file). */
const DRIVER_FILE = /^drivers\//;

function mostFrequent(names: Iterable<string>): string | undefined {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
}

/**
 * The driver a report is about, best evidence first: the module its frames
 * are in (`xdev_open+0x2a/0x70 [xdev]`), the drivers/ file they come from
 * (`lo_release+0x1b4/0x200 drivers/block/loop.c:1745` → loop), and only
 * without either the most frequent non-core name prefix — of the frames not
 * known to be core code (`software_resume … kernel/power/hibernate.c` is
 * not a driver, however often it appears).
 */
function driverOf(frames: Frame[]): { name?: string; fns: Set<string>; located: boolean } {
  const modules = frames.filter((f) => f.module);
  const files = frames.filter((f) => f.file && DRIVER_FILE.test(f.file));
  const fns = new Set([...modules, ...files].map((f) => baseName(f.fn)));
  const byModule = mostFrequent(modules.map((f) => f.module!));
  if (byModule) return { name: byModule, fns, located: true };
  const byFile = mostFrequent(files.map((f) => f.file!.replace(/^.*\//, "").replace(/\.[ch]$/, "")));
  if (byFile) return { name: byFile, fns, located: true };
  const unknown = frames.filter((f) => !f.file).map((f) => prefixOf(baseName(f.fn))).filter((p): p is string => !!p && !CORE.test(p));
  return { name: mostFrequent(unknown), fns, located: false };
}

function ruleFor(s: Splat, edges: MappedEdge[], locks: MappedLock[]): string | undefined {
  const classes = locks.map((l) => l.cls);
  const calls = new Set(edges.map((e) => e.kernelCall).filter(Boolean));
  const stackFns = new Set([...s.chain.flatMap((b) => b.stack), ...s.backtrace].map((f) => baseName(f.fn)));
  const has = (re: RegExp) => [...stackFns].some((f) => re.test(f));
  const wq = classes.some((c) => c?.startsWith("wq:") || c?.startsWith("work-item:"));
  if (s.kind === "recursive") {
    if (wq) return "wq-self-flush";
    if (classes.includes("gendisk.open_mutex") && (calls.has("del_gendisk") || has(/^del_gendisk$/))) return "lock-across-del-gendisk";
    if (has(/notifier_chain_unregister|unregister_notifier/)) return "notifier-unregister-in-callback";
    return undefined;
  }
  if (calls.has("del_gendisk") || (has(/^del_gendisk$/) && classes.includes("gendisk.open_mutex"))) return "lock-across-del-gendisk";
  if (wq && classes.includes("gendisk.open_mutex")) return "wq-flush-under-open-mutex";
  if (has(/^kernfs_(drain|remove)|^__kernfs_remove/) || locks.some((l) => /kn->active|kn->count/.test(l.name))) return "sysfs-remove-under-lock";
  if (has(/notifier_chain_unregister|unregister_notifier/)) return "notifier-unregister-in-callback";
  // A flush under some other lock that the work takes: the driver's own lock.
  if (wq) return "wq-flush-under-lock";
  return s.kind === "circular" ? "lock-order-inversion" : undefined;
}

/**
 * Read a report: locks, edges, rule, incident, regression. Driver functions
 * are the analysed code's (with --patch) or, without code, those carrying
 * the stacks' driver prefix (`nbd_`).
 */
export function explainSplat(s: Splat, kernel: KernelModel, isDriverFn?: (fn: string) => boolean): Explanation {
  const frames = [...s.chain.flatMap((b) => b.stack), ...s.backtrace];
  const found = driverOf(frames);
  const prefix = found.name;
  const isDriver = isDriverFn ?? ((f: string) => found.fns.has(f) || (!!prefix && prefixOf(f) === prefix && !isKernelApi(kernel, f)));
  const mapLock = (name: string, stack: Frame[]): MappedLock => {
    const cls = classOfLockName(name);
    const { kernelCall } = stackShape(stack, kernel, isDriver);
    // A kernel-internal lock (not a driver's, not a known class) taken inside
    // a kernel call stands for what that call takes.
    if (kernelCall && (!cls || (!cls.includes(".") && !/^(wq|work-item):/.test(cls) && !isDriverLock(cls)))) {
      const acq = kernel.first("implicit", kernelCall)?.acquires[0]?.lock;
      if (acq) return { name, cls: acq, inside: kernelCall };
    }
    return { name, cls };
  };
  // A global whose name carries the driver's prefix (nbd_index_mutex) is the driver's.
  // Without modules or files, the analysed code's functions (--patch) name the driver best.
  const drv = found.located ? prefix : (mostFrequent(frames.map((f) => baseName(f.fn)).filter(isDriver).map(prefixOf).filter((p): p is string => !!p && !CORE.test(p))) ?? prefix);
  const isDriverLock = (cls: string) => !!drv && cls.startsWith(`${drv}_`);

  const edges: MappedEdge[] = [];
  const locks = new Map<string, MappedLock>();
  if (s.kind === "circular") {
    for (const e of chainEdges(s)) {
      const stackOfFrom = s.chain.find((b) => b.lock === e.from)?.stack ?? [];
      const from = mapLock(e.from, stackOfFrom);
      const to = mapLock(e.to, e.stack);
      locks.set(e.from, from);
      locks.set(e.to, to);
      const shape = stackShape(e.stack, kernel, isDriver);
      edges.push({ from, to, driver: shape.driver, ...(shape.kernelCall ? { kernelCall: shape.kernelCall } : {}), internal: !!from.cls && from.cls === to.cls && !!(to.inside || from.inside) });
    }
  } else {
    const lock = s.trying?.lock ?? s.held[0]?.lock;
    if (lock) locks.set(lock, mapLock(lock, s.backtrace));
    for (const h of s.held) if (!locks.has(h.lock)) locks.set(h.lock, { name: h.lock, cls: classOfLockName(h.lock) });
  }
  const lockList = [...locks.values()];
  const ruleId = ruleFor(s, edges, lockList);
  const rule = ruleId ? RULES_BY_ID.get(ruleId) : undefined;
  let incidents: Reference[] = rule?.meta.incidents ?? [];
  if (drv) {
    // The incidents of the same driver when there are some, else the rule's.
    const own = incidents.filter((i) => new RegExp(`\\b${drv}\\b`, "i").test(i.title.split(":")[0]));
    if (own.length) incidents = own;
  }
  const regression = s.bisected
    ? (() => {
        const k = Object.keys(KNOWN_REGRESSIONS).find((c) => s.bisected!.commit.startsWith(c));
        return { commit: s.bisected.commit, ...(s.bisected.title ? { title: s.bisected.title } : {}), ...(k ? { known: KNOWN_REGRESSIONS[k].why } : {}) };
      })()
    : undefined;
  return {
    splat: s,
    locks: lockList,
    edges,
    ...(rule ? { rule: { id: rule.meta.id, title: rule.meta.title } } : {}),
    ...(drv ? { driver: drv } : {}),
    incidents,
    ...(regression ? { regression } : {}),
  };
}

function pathText(e: EdgeEvidence): string {
  return [e.function, ...e.path.map((p) => p.function)].filter((f, i, a) => a.indexOf(f) === i).map((f) => `${f}()`).join(" → ") + ` → ${e.api}()`;
}

/**
 * Is an evidence path the report's path? The report's stack runs from the
 * syscall down; the evidence starts at the function holding the lock. From
 * there on the driver functions must be the same, in order, ending in the
 * same kernel call.
 */
function matchesPath(e: EdgeEvidence, driver: string[], kernelCall?: string): boolean {
  const fns = [e.function, ...e.path.map((p) => p.function)].filter((f, i, a) => i === 0 || a[i - 1] !== f);
  const start = driver.indexOf(e.function);
  if (start < 0) return false;
  const tail = driver.slice(start);
  return tail.length === fns.length && tail.every((f, i) => f === fns[i]) && (!kernelCall || e.api === kernelCall);
}

/** When a path runs: the branch conditions at each of its steps. */
function pathWhen(a: Analysis, e: EdgeEvidence): string[] {
  const out: string[] = [];
  for (const st of e.path) {
    const fn = a.functions.get(st.function)?.fn;
    if (fn) for (const c of pathConditions(fn, st.line)) out.push(`${c} (in ${st.function}())`);
  }
  return out;
}

/**
 * Does the patch break the reported cycle? Each driver-level edge of the
 * report is looked up in the pre-image graph (by class and the driver
 * functions on its stack) and then in the post-image graph.
 */
export function patchVerdict(ex: Explanation, pre: Analysis, post: Analysis): Verdict {
  const removed: Verdict["removed"] = [];
  const remaining: Verdict["remaining"] = [];
  const lines: string[] = [];
  let anyEdgeGone = false;
  for (const me of ex.edges) {
    if (me.internal || !me.from.cls || !me.to.cls) continue;
    const find = (a: Analysis) => {
      const out: EdgeEvidence[] = [];
      for (const [from, m] of a.graph.edges) {
        if (!sameClass(me.from.cls, from)) continue;
        for (const [to, list] of m) if (sameClass(me.to.cls, to)) out.push(...list.filter((e) => !me.kernelCall || e.api === me.kernelCall || e.how === "lock"));
      }
      return out;
    };
    const before = find(pre);
    const after = find(post);
    const reported = before.filter((e) => matchesPath(e, me.driver, me.kernelCall));
    const label = `${me.from.name} --> ${me.to.name}`;
    if (!before.length) {
      lines.push(`${label}: not found in the code before the patch (the tree does not match the report?)`);
      continue;
    }
    if (!after.length) {
      anyEdgeGone = true;
      for (const e of before) removed.push({ from: e.from, to: e.to, path: pathText(e) });
      lines.push(`${label}: gone — ${before.map(pathText).join("; ")} no longer runs with ${me.from.name} held`);
      continue;
    }
    const stillReported = after.filter((e) => matchesPath(e, me.driver, me.kernelCall));
    for (const e of after) remaining.push({ from: e.from, to: e.to, path: pathText(e), when: pathWhen(post, e) });
    if (reported.length && !stillReported.length) {
      for (const e of reported) removed.push({ from: e.from, to: e.to, path: pathText(e) });
      const r = remaining.filter((x) => x.from === after[0].from && x.to === after[0].to);
      lines.push(
        `${label}: the reported path (${reported.map(pathText).join("; ")}) is gone, but the edge remains: ${r.map((x) => `${x.path}${x.when.length ? ` when ${x.when.join(" && ")}` : ""}`).join("; ")}`,
      );
    } else {
      lines.push(`${label}: still there — ${after.map(pathText).join("; ")}`);
    }
  }
  const breaks = anyEdgeGone;
  const head = breaks
    ? "This patch breaks the cycle."
    : removed.length
      ? "This patch removes the reported path but does not break the cycle: the same lock order remains on another path."
      : "This patch does not break the cycle.";
  return { breaks, text: [head, ...lines.map((l) => `  ${l}`)].join("\n"), removed, remaining };
}
