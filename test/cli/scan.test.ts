// `lockreview scan`: the rules over existing code, through the real CLI entry.
import { describe, expect, test } from "@jest/globals";
import { run } from "../../src/cli/main.js";
import { ReviewSchema } from "../../src/model/review.js";

async function cli(args: string[]) {
  let out = "";
  let err = "";
  const code = await run(args, { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) } });
  return { code, out, err };
}

describe("lockreview scan", () => {
  test("a clean driver: no findings, a checkpatch-like total, exit 0", async () => {
    const r = await cli(["scan", "fixtures/examples/xdev/tree"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^total: 0 errors, 0 warnings, 0 notes, 1 files scanned$/m);
  });

  test("--format json: the review contract, one entry per scanned path, every finding existing", async () => {
    const r = await cli(["scan", "--format", "json", "test/fixtures/scan"]);
    const doc = ReviewSchema.parse(JSON.parse(r.out));
    expect(doc.patches.map((p) => [p.source, p.subject])).toEqual([["test/fixtures/scan", ""]]);
    expect(doc.patches[0].findings.map((f) => [f.ruleId, f.status, f.severity, f.function])).toEqual([
      ["lock-across-del-gendisk", "existing", "error", "ydev_remove"],
    ]);
    expect(r.code).toBe(1);
  });

  test("a path that does not exist is a usage error, exit 2", async () => {
    const r = await cli(["scan", "no/such/dir"]);
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toMatch(/^lockreview: no\/such\/dir: no such file or directory\n/);
  });
});
