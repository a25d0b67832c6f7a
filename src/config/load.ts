// Finding and reading `.lockreview.yml`. One file configures every mode
// (review, scan, check, the sendemail-validate hook; the GitHub app reads the
// same schema from `.github/lockreview.yml`). Problems are reported one line
// each, naming the file and the key, so a typo never silently turns a rule
// back on.
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { RULES } from "../../rules/index.js";
import { DEFAULT_CONFIG } from "./defaults.js";
import type { LockreviewConfig } from "./schema.js";

export const CONFIG_FILE = ".lockreview.yml";

/** A configuration that cannot be used: one line per problem, exit status 2. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "ConfigError";
  }
}

export interface LoadedConfig {
  config: LockreviewConfig;
  /** The file it came from (as given, or found); absent for the defaults. */
  source?: string;
  /** Directory that `paths:` globs are relative to: the file's directory. */
  root?: string;
}

/**
 * The top of the checkout containing `dir`: the nearest directory with a
 * `.git` entry (a directory, or the file of a linked worktree or submodule),
 * as `git rev-parse --show-toplevel` would say, without running git.
 */
export function checkoutRoot(dir: string): string | null {
  let d = resolve(dir);
  for (;;) {
    if (existsSync(join(d, ".git"))) return d;
    const up = dirname(d);
    if (up === d) return null;
    d = up;
  }
}

/**
 * `.lockreview.yml` for the first of `startDirs` that has one: at the root of
 * the checkout the directory is in, or in the directory itself when it is not
 * in a checkout.
 */
export function findConfigFile(startDirs: string[]): string | null {
  for (const start of startDirs) {
    let dir = start;
    try {
      if (!statSync(dir).isDirectory()) dir = dirname(dir);
    } catch {
      continue;
    }
    const root = checkoutRoot(dir) ?? resolve(dir);
    const file = join(root, CONFIG_FILE);
    if (existsSync(file)) return file;
  }
  return null;
}

/** `kernel.implicit[0].waits[0].on` from a zod issue path. */
function keyPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : `${out ? "." : ""}${String(p)}`;
  return out || "(top level)";
}

/** Parse and validate configuration text; `name` is used in messages. */
export async function parseConfig(text: string, name: string): Promise<LockreviewConfig> {
  // Imported only when there is a file to read (the YAML parser and zod):
  // most runs have none, and the hook pays every millisecond of start-up on
  // each patch sent.
  const [{ parseDocument }, { ConfigSchema }] = await Promise.all([import("yaml"), import("./schema.js")]);
  const TOP_KEYS = Object.keys(ConfigSchema.shape);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        const msg = e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
        return `${name}${pos ? `:${pos.line}:${pos.col}` : ""}: YAML syntax error: ${msg}`;
      }),
    );
  }
  const data = doc.toJS() ?? {};
  if (typeof data !== "object" || Array.isArray(data)) throw new ConfigError([`${name}: expected a mapping of settings (rules:, fail-on:, paths: …) at the top level`]);
  const parsed = ConfigSchema.safeParse(data);
  const problems: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const k of issue.keys) {
          const known = issue.path.length === 0 ? ` (known keys: ${TOP_KEYS.join(", ")})` : "";
          problems.push(`${name}: ${keyPath([...issue.path, k])}: unknown key${known}`);
        }
      } else {
        problems.push(`${name}: ${keyPath(issue.path)}: ${issue.message.replace(/^Invalid (input|option): /, "")}`);
      }
    }
  }
  for (const p of unknownRules((data as Record<string, unknown>)["rules"])) problems.push(`${name}: ${p.message}`);
  if (problems.length) throw new ConfigError(problems);
  return parsed.data!;
}

/**
 * Rule ids under `rules:` that no rule has, each with the nearest id
 * ("rules.lock-across-del-gendsk: unknown rule (did you mean
 * lock-across-del-gendisk?)"). Checked outside the zod schema so that the
 * CLI (which stops) and the GitHub app (which reports it in the check run)
 * say the same thing: a misspelt id would otherwise be silently ignored.
 */
export function unknownRules(rules: unknown): { id: string; message: string }[] {
  if (!rules || typeof rules !== "object" || Array.isArray(rules)) return [];
  const ids = RULES.map((r) => r.meta.id);
  return Object.keys(rules)
    .filter((id) => !ids.includes(id))
    .map((id) => {
      const near = closest(id, ids);
      return { id, message: `rules.${id}: unknown rule (${near ? `did you mean ${near}?` : `rules: ${ids.join(", ")}`})` };
    });
}

/** The one id within a small edit distance of a misspelt one, if any. */
function closest(word: string, candidates: readonly string[]): string | undefined {
  const scored = candidates.map((c) => ({ c, d: editDistance(word, c) })).filter((x) => x.d <= 3).sort((a, b) => a.d - b.d);
  return scored.length && (scored.length === 1 || scored[0]!.d < scored[1]!.d) ? scored[0]!.c : undefined;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

export async function loadConfigFile(file: string, displayName = file): Promise<LoadedConfig> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "No such file or directory" : code === "EISDIR" ? "Is a directory" : code === "EACCES" ? "Permission denied" : (e as Error).message;
    throw new ConfigError([`${displayName}: cannot read configuration: ${why}`]);
  }
  return { config: await parseConfig(text, displayName), source: displayName, root: dirname(resolve(file)) };
}

export interface ResolveConfigOptions {
  /** `--config FILE`: used as is (and must exist). */
  explicit?: string;
  /** Where to look for `.lockreview.yml`, in order. */
  startDirs: string[];
  /** Directory file names in messages are relative to (cwd). */
  cwd?: string;
}

/** The configuration for a run: `--config`, else the first `.lockreview.yml` found, else the defaults. */
export async function resolveConfig(opts: ResolveConfigOptions): Promise<LoadedConfig> {
  if (opts.explicit !== undefined) return loadConfigFile(opts.explicit);
  const found = findConfigFile(opts.startDirs);
  if (!found) return { config: DEFAULT_CONFIG };
  const cwd = opts.cwd ?? process.cwd();
  const rel = relative(cwd, found);
  return loadConfigFile(found, rel && !rel.startsWith("..") ? rel : found);
}
