// The app's configuration: `.github/lockreview.yml`, read with Probot's
// `context.config` (the default branch, then the org's `.github` repository;
// `_extends` supported), validated with the same zod ConfigSchema as the CLI.
// A PR cannot change the configuration that reviews it (safe for forks);
// when it changes the file, the new version is validated and its errors go
// to the check run instead.
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { unknownRules } from "../config/load.js";
import { ConfigSchema, DEFAULT_CONFIG, type LockreviewConfig } from "../config/schema.js";

/** Name given to `context.config` (it prepends `.github/`). */
export const CONFIG_FILE = "lockreview.yml";
export const CONFIG_PATH = `.github/${CONFIG_FILE}`;

export interface AppSettings {
  requestChanges: boolean;
  failCheckOnErrors: boolean;
  drafts: boolean;
  maxComments: number;
  /** Lowest severity that fails the check run. */
  failOn: "error" | "warning" | "note" | "none";
}

export function appSettings(config: LockreviewConfig): AppSettings {
  const g = config.github ?? {};
  return {
    requestChanges: g["request-changes"] ?? false,
    failCheckOnErrors: g["fail-check-on-errors"] ?? true,
    drafts: g.drafts ?? false,
    maxComments: g["max-comments"] ?? 30,
    failOn: config["fail-on"] ?? "error",
  };
}

export interface LoadedConfig {
  config: LockreviewConfig;
  /** Where it came from, for messages. */
  source: string;
  /** Why the defaults are used instead (invalid file, API error). */
  problems: string[];
}

function issues(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}`);
}

/**
 * Validate what `context.config` returned (null when there is no file).
 * An invalid file is reported and the defaults are used: a broken config on
 * the default branch must not stop every review.
 */
export async function loadAppConfig(read: () => Promise<unknown>): Promise<LoadedConfig> {
  let raw: unknown;
  try {
    raw = await read();
  } catch (e) {
    const msg = (e as Error)?.message?.split("\n")[0] ?? String(e);
    return { config: DEFAULT_CONFIG, source: "defaults", problems: [`${CONFIG_PATH} could not be read (${msg}); using the defaults`] };
  }
  if (raw === null || raw === undefined) return { config: DEFAULT_CONFIG, source: "defaults", problems: [] };
  const obj = typeof raw === "object" && !Array.isArray(raw) ? { ...(raw as Record<string, unknown>) } : raw;
  if (obj && typeof obj === "object") delete (obj as Record<string, unknown>)._extends;
  const r = ConfigSchema.safeParse(obj);
  if (!r.success) {
    return { config: DEFAULT_CONFIG, source: "defaults", problems: issues(r.error).map((m) => `${CONFIG_PATH} on the default branch is invalid, the defaults are used: ${m}`) };
  }
  // A misspelt rule id changes nothing (the rule keeps its severity): say so
  // in the check run with the CLI's "did you mean", and use the rest of the file.
  const unknown = unknownRules(r.data.rules).map((u) => `${CONFIG_PATH} on the default branch: ${u.message}; the setting is ignored`);
  return { config: r.data, source: `${CONFIG_PATH} (default branch)`, problems: unknown };
}

export interface ConfigProblem {
  line: number;
  message: string;
}

/** Problems of a configuration file's text (a PR that changes it), with the line of each. */
export function validateConfigText(text: string): ConfigProblem[] {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    return doc.errors.map((e) => ({ line: e.linePos?.[0]?.line ?? 1, message: `YAML: ${e.message.split("\n")[0]}` }));
  }
  const value = doc.toJS() ?? {};
  if (value && typeof value === "object" && !Array.isArray(value)) delete (value as Record<string, unknown>)._extends;
  const r = ConfigSchema.safeParse(value);
  const unknown = unknownRules(value && typeof value === "object" ? (value as Record<string, unknown>)["rules"] : undefined).map((u) => {
    const key = (doc.getIn(["rules"], true) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null)?.items?.find((p) => p.key?.value === u.id)?.key;
    return { line: key?.range ? lc.linePos(key.range[0]).line : 1, message: u.message };
  });
  if (r.success) return unknown;
  return [...r.error.issues.map((i) => {
    // The line of the deepest node of the path that exists.
    let line = 1;
    const keys = (i as { keys?: string[] }).keys;
    if (keys?.length) {
      // An unknown key: point at the key itself.
      const map = (i.path.length ? doc.getIn(i.path as (string | number)[], true) : doc.contents) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null;
      const pair = map?.items?.find((p) => p.key?.value === keys[0]);
      if (pair?.key?.range) return { line: lc.linePos(pair.key.range[0]).line, message: `${i.path.length ? i.path.join(".") + ": " : ""}${i.message}` };
    }
    for (let n = i.path.length; n > 0; n--) {
      const node = doc.getIn(i.path.slice(0, n) as (string | number)[], true) as { range?: [number, number, number] } | undefined;
      if (node?.range) {
        line = lc.linePos(node.range[0]).line;
        break;
      }
    }
    return { line, message: `${i.path.length ? i.path.join(".") : "(top level)"}: ${i.message}` };
  }), ...unknown];
}
