// Meta-tests (after typescript-eslint's "exports all rules"): every rule is
// registered, documented and tested, and its metadata is complete.
import { describe, expect, test } from "@jest/globals";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { RULES, RULES_BY_ID } from "../../rules/index.js";

const ruleFiles = readdirSync("rules").filter((f) => f.endsWith(".ts") && f !== "index.ts").map((f) => f.replace(/\.ts$/, ""));

describe("rule registry", () => {
  test("every rule file is registered, under its file name", () => {
    expect([...RULES_BY_ID.keys()].sort()).toEqual(ruleFiles.sort());
  });

  for (const r of RULES) {
    describe(r.meta.id, () => {
      test("has complete metadata", () => {
        expect(r.meta.id).toMatch(/^[a-z0-9-]+$/);
        expect(r.meta.description).toMatch(/^(Disallow|Require|Report)\b/);
        expect(r.meta.fix.length).toBeGreaterThan(20);
        expect(r.meta.incidents.length).toBeGreaterThan(0);
        for (const i of r.meta.incidents) expect(i.url).toMatch(/^https:\/\//);
      });

      test("is documented in docs/rules/<id>.md with incorrect and correct examples", () => {
        expect(r.meta.docs).toBe(`docs/rules/${r.meta.id}.md`);
        const doc = readFileSync(r.meta.docs, "utf8");
        expect(doc).toMatch(new RegExp(`^# ${r.meta.id}\\n`));
        expect(doc).toMatch(/## Incorrect/);
        expect(doc).toMatch(/## Correct/);
        expect(doc).toMatch(/lockreview: ignore/);
      });

      test("has a valid/invalid test file", () => {
        const path = `test/rules/${r.meta.id}.test.ts`;
        expect(existsSync(path)).toBe(true);
        const text = readFileSync(path, "utf8");
        expect(text).toMatch(/valid: \[/);
        expect(text).toMatch(/invalid: \[/);
      });
    });
  }
});
