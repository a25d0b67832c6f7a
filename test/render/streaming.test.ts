// The JSON, JSON Lines and SARIF formatters write each patch as its review
// completes (memory independent of the input's size), and the documents are
// the same as when they were built whole at the end.
import { describe, expect, test } from "@jest/globals";
import type { InputError } from "../../src/model/patch.js";
import { PatchReportSchema, type PatchReport } from "../../src/model/review.js";
import type { Formatter, RunSummary } from "../../src/render/formatter.js";
import { buildReview, jsonFormatter } from "../../src/render/json.js";
import { jsonlFormatter } from "../../src/render/jsonl.js";
import { buildSarif, sarifFormatter } from "../../src/render/sarif.js";
import { Spool } from "../../src/render/spool.js";
import { finding } from "../cli/helpers.js";

const SUMMARY: RunSummary = { reviewed: 0, introduced: { error: 0, warning: 0, note: 0 }, fixed: 0, errors: 0, messages: 0, covers: 0, replies: 0, other: 0, duplicates: 0, superseded: 0 };

const report = (n: number, findings = 1): PatchReport => ({
  source: `t.mbox#${n}`,
  messageId: `<${n}@example.org>`,
  subject: `[PATCH ${n}/3] zdev: “quoted” change ${n}`,
  findings: Array.from({ length: findings }, (_, i) => finding({ line: 10 + i, fingerprint: `fp${n}.${i}`, trace: [{ file: "drivers/block/zdev.c", line: 9, function: "zdev_release", note: "takes zdev.lock" }] })),
  ...(n === 2 ? { warnings: ["format=flowed body: read raw"] } : {}),
});
const ERRS: InputError[] = [
  { source: "t.mbox#4", message: "message <4@x> \"[PATCH] y\": bad base64" },
  { source: "t.mbox#5", message: "truncated multipart: no closing boundary — ünïcödé" },
];

/** Feed a formatter; returns the text written and what had been written after each patch. */
function feed(make: (o: { write: (s: string) => void; quiet: boolean; toolVersion: string }) => Formatter, reports: PatchReport[], errors: InputError[]) {
  let out = "";
  const after: number[] = [];
  const fmt = make({ write: (s) => (out += s), quiet: false, toolVersion: "9.9.9" });
  reports.forEach((r, i) => {
    void fmt.patch(r);
    if (errors[i]) fmt.error(errors[i]!);
    after.push(out.length);
  });
  for (const e of errors.slice(reports.length)) fmt.error(e);
  void fmt.end(SUMMARY);
  return { out, after };
}

describe("--format json, streamed", () => {
  const cases: [string, PatchReport[], InputError[]][] = [
    ["no patch, no error", [], []],
    ["patches and no error", [report(1), report(2, 0), report(3, 2)], []],
    ["errors only", [], ERRS],
    ["patches and errors", [report(1), report(2, 3)], ERRS],
  ];
  test.each(cases)("%s: byte for byte the document JSON.stringify prints for the whole review", (_, reports, errors) => {
    const { out } = feed(jsonFormatter, reports, errors);
    expect(out).toBe(JSON.stringify(buildReview("9.9.9", reports, errors), null, 2) + "\n");
  });

  test("each patch is written when it is reviewed, before the run ends", () => {
    const reports = [report(1), report(2), report(3)];
    const { out, after } = feed(jsonFormatter, reports, []);
    expect(after[0]).toBeGreaterThan(0);
    expect(after[1]).toBeGreaterThan(after[0]!);
    expect(out.slice(0, after[0])).toContain('"source": "t.mbox#1"');
    expect(out.slice(0, after[0])).not.toContain('"source": "t.mbox#2"');
  });

  test("a report that breaks the contract is refused before any of it is written", () => {
    let out = "";
    const fmt = jsonFormatter({ write: (s) => (out += s), quiet: false, toolVersion: "1" });
    void fmt.patch(report(1));
    const before = out;
    expect(() => fmt.patch({ ...report(2), findings: [{ ...finding(), severity: "fatal" as never }] })).toThrow();
    expect(out).toBe(before);
  });
});

describe("--format jsonl", () => {
  test("a tool line, then one line per patch and per error, in the order they happen", () => {
    const reports = [report(1), report(2, 2)];
    const { out, after } = feed(jsonlFormatter, reports, ERRS);
    const lines = out.trimEnd().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.type)).toEqual(["tool", "patch", "error", "patch", "error"]);
    expect(lines[0]).toEqual({ type: "tool", name: "lockreview", version: "9.9.9" });
    const { type, ...first } = lines[1];
    expect(type).toBe("patch");
    expect(first).toEqual(PatchReportSchema.parse(reports[0]));
    expect(lines[2]).toEqual({ type: "error", ...ERRS[0] });
    expect(out.slice(0, after[0]).split("\n").length - 1).toBe(3);
  });

  test("an empty run still says which tool wrote it", () => {
    expect(feed(jsonlFormatter, [], []).out).toBe('{"type":"tool","name":"lockreview","version":"9.9.9"}\n');
  });
});

describe("--format sarif, streamed", () => {
  test.each([
    ["with input errors", ERRS],
    ["without input errors", []],
  ] as [string, InputError[]][])("%s: the same log as built whole", (_, errors) => {
    const reports = [report(1), report(2, 0), report(3, 2)];
    const { out, after } = feed(sarifFormatter, reports, errors);
    expect(JSON.parse(out)).toEqual(buildSarif("9.9.9", reports, errors));
    expect(out.slice(0, after[0])).toContain('"fp1.0"');
    expect(out.slice(0, after[0])).not.toContain('"fp3.0"');
  });
});

describe("spool", () => {
  test("keeps values in memory up to its limit, then in a file, and gives them back in order", () => {
    const small = new Spool(64);
    const values = Array.from({ length: 200 }, (_, i) => ({ source: `#${i}`, message: `ünïcödé ${"€".repeat(i % 7)} ${i}` }));
    for (const v of values.slice(0, 1)) small.add(v);
    expect(small.spilled).toBe(false);
    for (const v of values.slice(1)) small.add(v);
    expect(small.spilled).toBe(true);
    expect(small.count).toBe(200);
    expect([...small.values()]).toEqual(values);
    expect(small.spilled).toBe(false);
  });
});
