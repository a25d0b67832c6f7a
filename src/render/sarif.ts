// `--format sarif`: SARIF 2.1.0 (OASIS), one run. Validated in the tests
// against the official schema (vendor/sarif/).
//
// - tool.driver.rules from the rule metadata (rules/index.ts), in RULES
//   order; results point at them with ruleId and ruleIndex.
// - One result per finding: level = severity; the physical location is the
//   repository-relative path of the diff (artifactLocation.uri) and the
//   line; codeFlows carry the lock chain (Finding.trace, one threadFlow).
// - partialFingerprints["lockreview/v1"] is Finding.fingerprint, the
//   line-independent identity the GitHub app embeds in its comments, so a
//   SARIF consumer matches results across pushes the same way.
// - status → baselineState: introduced = new, existing = unchanged,
//   fixed = absent (the patch removes it); the status itself, the patch the
//   result came from, the scenario, fix and incidents are in `properties`.
// - An inline `lockreview: ignore` comment is a suppression of kind inSource.
// - Input errors are toolExecutionNotifications of the invocation.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { RULES } from "../../rules/index.js";
import type { InputError } from "../model/patch.js";
import type { Finding, FindingStatus, PatchReport, TraceStep } from "../model/review.js";
import type { Formatter, FormatterOptions } from "./formatter.js";
import { layout, mark, StreamedDocument } from "./jsonDocument.js";

export const SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/** partialFingerprints key; bump the version if Finding.fingerprint ever changes meaning. */
export const FINGERPRINT_KEY = "lockreview/v1";

const BASELINE: Record<FindingStatus, "new" | "unchanged" | "absent"> = { introduced: "new", existing: "unchanged", fixed: "absent" };

/** lockreview's own directory (where README.md and docs/ are), from src/render or lib/src/render. */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    try {
      if (JSON.parse(readFileSync(`${dir}/package.json`, "utf8")).name === "lockreview") return dir;
    } catch {
      /* not here */
    }
    dir = dirname(dir);
  }
  return undefined;
}

/**
 * Base of documentation links: --docs-url / LOCKREVIEW_DOCS_URL when given
 * (e.g. the repository's web view), else the installed package as a file:
 * URL (SARIF wants absolute URIs; `help` carries the text either way).
 */
export function docsBase(configured?: string): string {
  if (configured) return configured.endsWith("/") ? configured : `${configured}/`;
  const root = packageRoot();
  return root ? pathToFileURL(`${root}/`).href : "file:///";
}

function readDoc(path: string): string | undefined {
  const root = packageRoot();
  if (!root) return undefined;
  try {
    return readFileSync(`${root}/${path}`, "utf8");
  } catch {
    return undefined;
  }
}

const pascal = (id: string) => id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());

/** A path as a relative URI reference (percent-encoded, `/` kept). */
export function pathUri(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

function physical(file: string, line: number) {
  return { artifactLocation: { uri: pathUri(file) }, ...(line >= 1 ? { region: { startLine: line } } : {}) };
}

/** threadFlowLocation kinds (SARIF 3.38.8 well-known values) from a trace note. */
function kinds(t: TraceStep): string[] {
  const n = t.note;
  if (/\b(unlocks?|drops?|mutex_unlock|spin_unlock|up_\w+)\b/.test(n)) return ["release"];
  if (/\b(taken|takes|held on entry|re-takes|mutex_lock|lock\(|down_\w+)\b/.test(n)) return ["acquire"];
  if (/\bcalls\b/.test(n)) return ["call"];
  return [];
}

export function sarifRules(docsUrl?: string) {
  const base = docsBase(docsUrl);
  return RULES.map((r) => {
    const doc = readDoc(r.meta.docs);
    return {
      id: r.meta.id,
      name: pascal(r.meta.id),
      shortDescription: { text: r.meta.title },
      fullDescription: { text: r.meta.description },
      helpUri: new URL(r.meta.docs, base).href,
      help: { text: `${r.meta.description} Fix: ${r.meta.fix} Documentation: ${r.meta.docs}.`, ...(doc ? { markdown: doc } : {}) },
      defaultConfiguration: { level: r.meta.defaultSeverity },
      properties: {
        tags: ["concurrency", "deadlock", "linux-kernel"],
        family: r.meta.family,
        docs: r.meta.docs,
        fix: r.meta.fix,
        incidents: r.meta.incidents,
      },
    };
  });
}

export function sarifResult(f: Finding, report: PatchReport, ruleIndex: Map<string, number>) {
  const idx = ruleIndex.get(f.ruleId);
  const steps = f.trace.filter((t) => t.file);
  return {
    ruleId: f.ruleId,
    ...(idx !== undefined ? { ruleIndex: idx } : {}),
    level: f.severity,
    message: { text: f.message },
    locations: [
      {
        physicalLocation: physical(f.file, f.line),
        ...(f.function ? { logicalLocations: [{ name: f.function, kind: "function" }] } : {}),
      },
    ],
    partialFingerprints: f.fingerprint ? { [FINGERPRINT_KEY]: f.fingerprint } : {},
    ...(steps.length
      ? {
          codeFlows: [
            {
              message: { text: `Lock chain of ${f.ruleId}` },
              threadFlows: [
                {
                  locations: steps.map((t, i) => ({
                    location: { physicalLocation: physical(t.file, t.line), message: { text: `${t.function ? `${t.function}(): ` : ""}${t.note}` } },
                    ...(kinds(t).length ? { kinds: kinds(t) } : {}),
                    executionOrder: i + 1,
                  })),
                },
              ],
            },
          ],
        }
      : {}),
    baselineState: BASELINE[f.status],
    ...(f.suppressed ? { suppressions: [{ kind: "inSource", justification: f.suppressed }] } : {}),
    properties: {
      status: f.status,
      context: f.context,
      ...(f.confidence ? { confidence: f.confidence } : {}),
      patch: {
        source: report.source,
        ...(report.messageId ? { messageId: report.messageId } : {}),
        ...(report.subject ? { subject: report.subject } : {}),
        ...(report.commit ? { commit: report.commit } : {}),
      },
      ...(f.scenario ? { scenario: f.scenario } : {}),
      ...(f.fix ? { fix: f.fix } : {}),
      ...(f.limitations?.length ? { limitations: f.limitations } : {}),
      references: f.references,
    },
  };
}

/** The SARIF log; `results` and the notifications are usually markers (see sarifFormatter). */
function sarifLog(version: string, docsUrl: string | undefined, results: unknown[], notifications: unknown[]) {
  const rules = sarifRules(docsUrl);
  return {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "lockreview",
            version,
            semanticVersion: version,
            informationUri: new URL("README.md", docsBase(docsUrl)).href,
            rules,
          },
        },
        // Results before the invocation: they are streamed, and the
        // invocation's notifications (input errors) are known at the end.
        results,
        invocations: [{ executionSuccessful: true, ...(notifications.length ? { toolExecutionNotifications: notifications } : {}) }],
        columnKind: "unicodeCodePoints",
      },
    ],
  };
}

const notification = (e: InputError) => ({ level: "error", message: { text: `${e.source}: ${e.message}` } });

export function buildSarif(version: string, reports: PatchReport[], errors: InputError[], docsUrl?: string) {
  const ruleIndex = new Map(RULES.map((r, i) => [r.meta.id, i]));
  return sarifLog(version, docsUrl, reports.flatMap((r) => r.findings.map((f) => sarifResult(f, r, ruleIndex))), errors.map(notification));
}

const RESULTS = mark("results");
const NOTIFICATIONS = mark("notifications");

/** Streamed: each result is written when its patch is reviewed, the notifications at the end. */
export function sarifFormatter(opts: FormatterOptions): Formatter {
  const ruleIndex = new Map(RULES.map((r, i) => [r.meta.id, i]));
  const head = layout(sarifLog(opts.toolVersion, opts.docsUrl, [RESULTS], []), [RESULTS]);
  const doc = new StreamedDocument(opts.write, head.pieces[0]!, head.indents[0]!, 1);
  let errors = 0;
  return {
    patch(report) {
      for (const f of report.findings) doc.push(sarifResult(f, report, ruleIndex));
    },
    error(err) {
      errors++;
      doc.keep(0, notification(err));
    },
    end() {
      doc.end(errors ? layout(sarifLog(opts.toolVersion, opts.docsUrl, [RESULTS], [NOTIFICATIONS]), [RESULTS, NOTIFICATIONS]) : head);
    },
  };
}
