// `lockreview scan`: the rules over existing code, no patch. Files are
// grouped into drivers (kbuild composite modules, quoted includes, small
// directories: see context/neighbours.ts) and each driver is analysed as one
// program, so callbacks and helpers in other files of the driver are seen.
// Every finding is `existing`.
import { statSync } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { analyse, type ProgramFile } from "../analysis/program.js";
import { buildModel } from "../cmodel/build.js";
import { overCModelLimits } from "../cmodel/limits.js";
import { planWasmTier } from "../cmodel/wasmTier.js";
import { DEFAULT_CONFIG } from "../config/defaults.js";
import type { LockreviewConfig } from "../config/schema.js";
import { neighbourFiles } from "../context/neighbours.js";
import { DirectoryProvider } from "../context/providers.js";
import type { SourceView } from "../context/source.js";
import { configKernelModel } from "../kernel/configured.js";
import type { InputError } from "../model/patch.js";
import type { Finding, PatchReport } from "../model/review.js";
import { RULES } from "../../rules/index.js";
import { cModelLimits } from "./analyze.js";
import { fingerprint, type DiffResult } from "./differential.js";
import { pathMatcher } from "./paths.js";
import { ruleSeverity } from "./pipeline.js";
import type { Rule } from "./rule.js";
import { applySuppressions } from "./suppress.js";

export interface ScanOptions {
  config?: LockreviewConfig;
  configSource?: string;
  showNotes?: boolean;
  /** Include suppressed findings. */
  all?: boolean;
  /**
   * Directory the configuration's `paths:` globs are relative to (where the
   * configuration file is); the paths as given when absent.
   */
  pathRoot?: string;
  rules?: readonly Rule[];
  /** Called after each driver (for progress). */
  onDriver?: (files: string[], done: number, total: number) => void;
}

export interface ScanResult {
  reports: PatchReport[];
  errors: InputError[];
  details: DiffResult[];
}

async function collect(path: string): Promise<string[]> {
  const s = await stat(path);
  if (s.isFile()) return /\.(c|h)$/.test(path) ? [path] : [];
  const out: string[] = [];
  for (const e of (await readdir(path, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(path, e.name);
    if (e.isDirectory()) out.push(...(await collect(p)));
    else if (e.isFile() && /\.(c|h)$/.test(e.name)) out.push(p);
  }
  return out;
}

/**
 * Group the files of each directory into drivers: .c files linked together
 * (kbuild composite modules, name prefix in small trees) form one driver;
 * headers join every driver that includes them or shares their prefix, and
 * never join two drivers together (drivers/block/paride's protocol modules
 * all include paride.h but are separate modules).
 */
async function driverGroups(files: string[]): Promise<string[][]> {
  const byDir = new Map<string, string[]>();
  for (const f of files) {
    const d = dirname(f);
    byDir.set(d, [...(byDir.get(d) ?? []), f]);
  }
  const groups: string[][] = [];
  for (const [dir, list] of byDir) {
    const provider = new DirectoryProvider(dir);
    const cfiles = list.filter((f) => f.endsWith(".c"));
    const parent = new Map(cfiles.map((f) => [f, f]));
    const find = (x: string): string => (parent.get(x) === x ? x : find(parent.get(x)!));
    const headersOf = new Map<string, string[]>();
    for (const f of cfiles) {
      const text = await readFile(f, "utf8").catch(() => null);
      const hs: string[] = [];
      for (const n of await neighbourFiles(provider, basename(f), text)) {
        const full = join(dir, n);
        if (!list.includes(full)) continue;
        if (full.endsWith(".c")) parent.set(find(full), find(f));
        else hs.push(full);
      }
      headersOf.set(f, hs);
    }
    const by = new Map<string, Set<string>>();
    for (const f of cfiles) {
      const r = find(f);
      const g = by.get(r) ?? new Set<string>();
      g.add(f);
      for (const h of headersOf.get(f) ?? []) g.add(h);
      by.set(r, g);
    }
    const used = new Set([...by.values()].flatMap((g) => [...g]));
    groups.push(...[...by.values()].map((g) => [...g].sort()));
    // A header that no .c file pulled in is scanned on its own.
    for (const h of list) if (!used.has(h)) groups.push([h]);
  }
  return groups;
}

function sizeOf(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

export async function scanPaths(paths: string[], opts: ScanOptions = {}): Promise<ScanResult> {
  const config = opts.config ?? DEFAULT_CONFIG;
  const kernel = await configKernelModel(config, opts.configSource);
  const rules = (opts.rules ?? RULES).filter((r) => config.rules[r.meta.id] !== "off");
  const matches = pathMatcher(config.paths.include, config.paths.exclude);
  const root = opts.pathRoot;
  const inScope = (f: string) => matches(root ? relative(root, resolve(f)).split("\\").join("/") : f);
  const showNotes = opts.showNotes ?? config["show-notes"] ?? false;
  const limits = cModelLimits(config);
  const reports: PatchReport[] = [];
  const errors: InputError[] = [];
  const details: DiffResult[] = [];

  for (const p of paths) {
    const report: PatchReport = { source: p, messageId: "", subject: "", findings: [] };
    reports.push(report);
    let files: string[];
    try {
      files = (await collect(p)).filter((f) => inScope(f));
    } catch (e) {
      errors.push({ source: p, message: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    planWasmTier(files.reduce((n, f) => n + sizeOf(f), 0));
    const groups = await driverGroups(files);
    let done = 0;
    for (const group of groups) {
      const views: SourceView[] = [];
      const program: ProgramFile[] = [];
      const kind = group.length > 1 ? "tree" : "file";
      for (const f of group) {
        try {
          const text = await readFile(f, "utf8");
          const over = overCModelLimits(text, limits);
          if (over) {
            errors.push({ source: f, message: `${over.message} (limits: in .lockreview.yml, or --max-c-size); not scanned` });
            continue;
          }
          const view: SourceView = { path: f, text, context: kind };
          const model = await buildModel(view);
          views.push(view);
          program.push({ model, context: kind });
          if (model.notes?.length) report.warnings = [...(report.warnings ?? []), ...model.notes];
          for (const message of model.failures ?? []) errors.push({ source: f, message });
        } catch (e) {
          errors.push({ source: f, message: `cannot analyse: ${(e as Error).message}` });
        }
      }
      const a = analyse(program, kernel);
      const found: DiffResult[] = [];
      for (const r of rules) {
        for (const f of r.check({ analysis: a, image: "post", kind })) {
          const severity = ruleSeverity(config, r, f.severity);
          if (severity === "off") continue;
          const finding: Finding = {
            ruleId: f.ruleId, severity, status: "existing", file: f.file, line: f.line, function: f.function, context: kind,
            message: f.message, trace: f.trace, references: r.meta.incidents, confidence: f.confidence, fingerprint: fingerprint(f.ruleId, f.key),
            ...(f.scenario ? { scenario: f.scenario } : {}), fix: f.fix ?? r.meta.fix, ...(f.limitations?.length ? { limitations: f.limitations } : {}),
          };
          found.push({ finding, source: { ...f, severity } });
        }
      }
      for (const d of applySuppressions(found, views)) {
        if (d.finding.severity === "note" && !showNotes) continue;
        if (d.finding.suppressed && !opts.all) continue;
        report.findings.push(d.finding);
        details.push(d);
      }
      opts.onDriver?.(group, ++done, groups.length);
    }
    report.findings.sort((x, y) => x.file.localeCompare(y.file) || x.line - y.line);
  }
  return { reports, errors, details };
}
