// A small RuleTester (after ESLint's): run one rule over whole C files
// (scan: every finding `existing`) or over a patch (hunks-only, or against
// a tree given as files), and compare what matters: rule, status, severity,
// function, line.
import { expect, test } from "@jest/globals";
import { MapProvider } from "../../src/context/providers.js";
import { parseDiffText } from "../../src/ingest/diff.js";
import type { Patch } from "../../src/model/patch.js";
import type { Finding } from "../../src/model/review.js";
import { createReviewer } from "../../src/review/pipeline.js";
import { RULES_BY_ID } from "../../rules/index.js";
import { structuredPatch } from "diff";
import { analyseC } from "./engine.js";

export interface Expected {
  status?: Finding["status"];
  severity?: Finding["severity"];
  function?: string;
  line?: number;
  file?: string;
  message?: RegExp;
}

export interface Case {
  /** What the case shows; a comment may cite the incident it is modelled on. */
  name: string;
  /** Whole files, reviewed with no patch (scan). */
  files?: Record<string, string>;
  /** A unified diff. Reviewed hunks-only unless `tree` is given. */
  patch?: string;
  /** The tree the patch applies to (path → contents). */
  tree?: Record<string, string>;
  /**
   * A change of one file: the patch is generated from the two versions.
   * With `inTree` the other files are the tree and the review uses it;
   * otherwise it is reviewed from the hunks alone.
   */
  change?: { path: string; before: string; after: string; inTree?: boolean; others?: Record<string, string> };
  /** Review options. */
  all?: boolean;
  showNotes?: boolean;
  errors?: Expected[];
}

export function patchFromDiff(diff: string, subject = "[PATCH] test"): Patch {
  const { files } = parseDiffText(diff);
  return {
    source: "test.patch", index: 1, kind: "patch", references: [], subject, title: subject.replace(/^\[[^\]]*\]\s*/, ""),
    tags: { raw: ["PATCH"], isPatch: true, rfc: false, resend: false, version: 1, prefixes: [] },
    to: [], cc: [], body: "", trailers: [], files, warnings: [], seriesKey: "test",
  };
}

export async function findingsFor(ruleId: string, c: Case): Promise<Finding[]> {
  const rule = RULES_BY_ID.get(ruleId);
  if (!rule) throw new Error(`no rule ${ruleId}`);
  if (c.change) {
    const { path, before, after, inTree, others } = c.change;
    c = { ...c, patch: makePatch(path, before, after), tree: inTree ? { ...(others ?? {}), [path]: before } : undefined };
  }
  if (c.patch) {
    const provider = c.tree ? new MapProvider(new Map(Object.entries(c.tree)), "test tree") : undefined;
    const reviewer = await createReviewer({ rules: [rule], provider, all: c.all, showNotes: c.showNotes });
    const r = await reviewer.review(patchFromDiff(c.patch));
    return r.report.findings;
  }
  const a = await analyseC(c.files ?? {});
  return rule
    .check({ analysis: a, image: "post", kind: "file" })
    .filter((f) => f.severity !== "note" || c.showNotes)
    .map((f) => ({
      ruleId: f.ruleId, severity: f.severity, status: "existing" as const, file: f.file, line: f.line, function: f.function,
      context: "file" as const, message: f.message, trace: f.trace, references: [],
    }));
}

function pick(f: Finding, e: Expected) {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(e) as (keyof Expected)[]) {
    if (k === "message") continue;
    out[k] = f[k as keyof Finding];
  }
  return out;
}

/** Register valid (no finding) and invalid (these findings) cases for one rule. */
export function ruleTester(ruleId: string, cases: { valid: Case[]; invalid: Case[] }): void {
  for (const c of cases.valid) {
    test(`valid: ${c.name}`, async () => {
      const found = await findingsFor(ruleId, c);
      expect(found.map((f) => `${f.status} ${f.severity} ${f.function}:${f.line} ${f.message}`)).toEqual([]);
    });
  }
  for (const c of cases.invalid) {
    test(`invalid: ${c.name}`, async () => {
      const found = await findingsFor(ruleId, c);
      const want = c.errors ?? [];
      expect(found.map((f, i) => pick(f, want[i] ?? {}))).toEqual(want.map((e) => { const { message, ...rest } = e; void message; return rest; }));
      want.forEach((e, i) => {
        if (e.message) expect(found[i].message).toMatch(e.message);
      });
      for (const f of found) expect(f.ruleId).toBe(ruleId);
    });
  }
}

/**
 * A git-style unified diff of one file from its two versions (context 3,
 * hunk headers name the enclosing function like git's default funcname).
 */
export function makePatch(path: string, before: string, after: string): string {
  const p = structuredPatch(`a/${path}`, `b/${path}`, before, after, "", "", { context: 3 });
  const lines = [`diff --git a/${path} b/${path}`, `--- a/${path}`, `+++ b/${path}`];
  const src = before.split("\n");
  for (const h of p.hunks) {
    // git's default funcname: the last line before the hunk starting with a letter, `_` or `$`.
    let section = "";
    for (let i = h.oldStart - 2; i >= 0; i--) {
      if (/^[A-Za-z_$]/.test(src[i] ?? "")) {
        section = ` ${src[i]}`;
        break;
      }
    }
    lines.push(`@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@${section}`, ...h.lines);
  }
  return lines.join("\n") + "\n";
}
