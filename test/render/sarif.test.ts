// `--format sarif`: validated against the official OASIS SARIF 2.1.0 JSON
// schema (vendor/sarif/, draft-04: Ajv's draft-04 class plus ajv-formats
// for uri, uri-reference and date-time), then checked field by field on the
// zdev thread (one finding per rule, one fixed).
import { beforeAll, describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Review } from "../../src/model/review.js";
import { FINGERPRINT_KEY } from "../../src/render/sarif.js";
import { RULES } from "../../rules/index.js";
import { cli, fakeReviewer, finding } from "../cli/helpers.js";
import { ROOT, fx } from "../ingest/helpers.js";
import { THREAD, TREE } from "./helpers.js";

// ajv and its plugins are CommonJS; require() sidesteps default-export interop.
const require = createRequire(import.meta.url);
type Validate = ((doc: unknown) => boolean) & { errors?: unknown };
const Ajv04 = require("ajv-draft-04") as new (o: object) => { compile(s: object): Validate };
const addFormats = require("ajv-formats") as (ajv: object) => void;

const schema = JSON.parse(readFileSync(join(ROOT, "vendor", "sarif", "sarif-schema-2.1.0.json"), "utf8"));
const ajv = new Ajv04({ allErrors: true, strict: false });
addFormats(ajv);
const validate = ajv.compile(schema);

function valid(doc: unknown): void {
  const ok = validate(doc);
  if (!ok) throw new Error(`SARIF does not validate: ${JSON.stringify(validate.errors, null, 2)}`);
}

let sarif: any;
let json: Review;
beforeAll(async () => {
  const r = await cli(["review", "--tree", TREE, "--format", "sarif", THREAD]);
  expect(r.err).toBe("");
  expect(r.code).toBe(1);
  sarif = JSON.parse(r.out);
  json = JSON.parse((await cli(["review", "--tree", TREE, "--format", "json", THREAD])).out);
});

describe("--format sarif", () => {
  test("validates against the official SARIF 2.1.0 schema", () => {
    expect(schema.id).toBe("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json");
    valid(sarif);
    expect(sarif.version).toBe("2.1.0");
    expect(sarif.$schema).toBe(schema.id);
  });

  test("the validator is not a rubber stamp: a bad level or a relative helpUri is rejected", () => {
    const bad = structuredClone(sarif);
    bad.runs[0].results[0].level = "fatal";
    expect(validate(bad)).toBe(false);
    const rel = structuredClone(sarif);
    rel.runs[0].tool.driver.rules[0].helpUri = "docs/rules/x.md";
    expect(validate(rel)).toBe(false);
  });

  test("one run; tool.driver with name, version, informationUri and the rules from their metadata", () => {
    expect(sarif.runs).toHaveLength(1);
    const d = sarif.runs[0].tool.driver;
    expect(d.name).toBe("lockreview");
    expect(d.version).toBe(json.tool.version);
    expect(d.informationUri).toMatch(/^file:\/\/\/.*\/README\.md$/);
    expect(d.rules.map((r: any) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    for (const [i, r] of d.rules.entries()) {
      const meta = RULES[i]!.meta;
      expect(r.name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(r.shortDescription.text).toBe(meta.title);
      expect(r.fullDescription.text).toBe(meta.description);
      expect(r.helpUri).toMatch(new RegExp(`^file:///.*/${meta.docs.replace(/\./g, "\\.")}$`));
      expect(r.help.markdown).toContain(`# ${meta.id}`);
      expect(r.defaultConfiguration.level).toBe(meta.defaultSeverity);
    }
  });

  test("--docs-url (or LOCKREVIEW_DOCS_URL) makes helpUri and informationUri point there", async () => {
    const r = await cli(["review", "--format", "sarif", "--docs-url", "https://example.org/lockreview/blob/main", THREAD]);
    const d = JSON.parse(r.out).runs[0].tool.driver;
    expect(d.informationUri).toBe("https://example.org/lockreview/blob/main/README.md");
    expect(d.rules[0].helpUri).toBe("https://example.org/lockreview/blob/main/docs/rules/lock-across-del-gendisk.md");
    const e = await cli(["review", "--format", "sarif", THREAD], { env: { LOCKREVIEW_DOCS_URL: "https://example.org/d/" } });
    expect(JSON.parse(e.out).runs[0].tool.driver.rules[1].helpUri).toBe("https://example.org/d/docs/rules/wq-flush-under-open-mutex.md");
  });

  test("one result per finding: ruleId, ruleIndex, level, message, repository-relative location and line", () => {
    const findings = json.patches.flatMap((p) => p.findings);
    const results = sarif.runs[0].results;
    expect(results).toHaveLength(findings.length);
    expect(results.map((r: any) => r.ruleId)).toEqual(["lock-across-del-gendisk", "wq-flush-under-open-mutex", "caller-lock-dropped", "wq-flush-under-open-mutex", "wq-not-drained-on-exit"]);
    for (const [i, r] of results.entries()) {
      const f = findings[i]!;
      expect(sarif.runs[0].tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
      expect(r.level).toBe(f.severity);
      expect(r.message.text).toBe(f.message);
      const loc = r.locations[0];
      expect(loc.physicalLocation.artifactLocation.uri).toBe("drivers/block/zdev.c");
      expect(loc.physicalLocation.region.startLine).toBe(f.line);
      expect(loc.logicalLocations[0]).toEqual({ name: f.function, kind: "function" });
      expect(r.properties.patch.messageId).toBe(json.patches.find((p) => p.findings.includes(f))!.messageId);
    }
  });

  test("partialFingerprints carry the line-independent fingerprint under lockreview/v1", () => {
    const findings = json.patches.flatMap((p) => p.findings);
    const results = sarif.runs[0].results;
    expect(FINGERPRINT_KEY).toBe("lockreview/v1");
    results.forEach((r: any, i: number) => {
      expect(r.partialFingerprints).toEqual({ "lockreview/v1": findings[i]!.fingerprint });
      expect(r.partialFingerprints["lockreview/v1"]).toMatch(/^[0-9a-f]{16}$/);
    });
  });

  test("status: introduced = new, fixed = absent (and in properties)", () => {
    const results = sarif.runs[0].results;
    expect(results.map((r: any) => [r.baselineState, r.properties.status])).toEqual([
      ["new", "introduced"],
      ["new", "introduced"],
      ["new", "introduced"],
      ["absent", "fixed"],
      ["new", "introduced"],
    ]);
  });

  test("codeFlows: the lock chain as one threadFlow, in trace order", () => {
    const findings = json.patches.flatMap((p) => p.findings);
    const r0 = sarif.runs[0].results[0];
    const locs = r0.codeFlows[0].threadFlows[0].locations;
    expect(locs).toHaveLength(findings[0]!.trace.length);
    expect(locs.map((l: any) => [l.location.physicalLocation.region.startLine, l.location.message.text])).toEqual(
      findings[0]!.trace.map((t) => [t.line, `${t.function}(): ${t.note}`]),
    );
    expect(locs[0].kinds).toEqual(["acquire"]);
    expect(locs.map((l: any) => l.executionOrder)).toEqual(locs.map((_: unknown, i: number) => i + 1));
  });

  test("input errors are tool execution notifications; the log still validates", async () => {
    const r = await cli(["review", "--format", "sarif", fx("broken.mboxrd")]);
    const doc = JSON.parse(r.out);
    valid(doc);
    const notes = doc.runs[0].invocations[0].toolExecutionNotifications;
    expect(notes.length).toBeGreaterThan(0);
    expect(notes[0].level).toBe("error");
    expect(notes[0].message.text).toMatch(/broken\.mboxrd#\d+: /);
  });

  test("an inline-suppressed finding (--all) is a suppression of kind inSource; paths are URI-encoded", async () => {
    const fake = fakeReviewer(() => [
      finding({ suppressed: "only reached at module exit", fingerprint: "0123456789abcdef" }),
      finding({ file: "drivers/block/odd name#1.c", line: 0, status: "existing" }),
    ]);
    const r = await cli(["review", "--all", "--format", "sarif", fx("single.eml")], { createReviewer: fake.create });
    const doc = JSON.parse(r.out);
    valid(doc);
    const [a, b] = doc.runs[0].results;
    expect(a.suppressions).toEqual([{ kind: "inSource", justification: "only reached at module exit" }]);
    expect(b.baselineState).toBe("unchanged");
    expect(b.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: "drivers/block/odd%20name%231.c" } });
  });

  test("lockreview scan --format sarif: existing findings, valid", async () => {
    const r = await cli(["scan", "--format", "sarif", join(ROOT, "test", "fixtures", "scan", "ydev.c")]);
    const doc = JSON.parse(r.out);
    valid(doc);
    expect(doc.runs[0].results.length).toBeGreaterThan(0);
    for (const x of doc.runs[0].results) expect(x.baselineState).toBe("unchanged");
  });
});
