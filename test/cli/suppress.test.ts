// Inline suppression at the CLI: `/* lockreview: ignore <rule-id> -- reason */`
// on the finding's line or the line above. The fixture repeats the xdev
// example's flush from ->release with a reviewer's suppression comment.
import { describe, expect, test } from "@jest/globals";
import { join } from "node:path";
import { ReviewSchema } from "../../src/model/review.js";
import { ROOT } from "../ingest/helpers.js";
import { cli } from "./helpers.js";

const PATCH = join(ROOT, "test", "fixtures", "suppress", "0001-xdev-wait-for-queued-I-O-on-last-close.patch");
const TREE = join(ROOT, "fixtures", "examples", "xdev", "tree");

describe.each([
  ["hunks only", [] as string[]],
  ["with the tree", ["--tree", TREE]],
])("a suppressed finding (%s)", (_name, tree) => {
  test("is hidden by default and does not fail the run", async () => {
    const r = await cli(["review", ...tree, PATCH]);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain("wq-flush-under-open-mutex");
    expect(r.out).toContain("total: 0 errors, 0 warnings, 0 notes, 1 patches reviewed");
  });

  test("--all shows it, marked suppressed with the reason (text), and still exits 0", async () => {
    const r = await cli(["review", "--all", ...tree, PATCH]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ERROR: wq-flush-under-open-mutex: .* \[suppressed: io_wq work never takes open_mutex\]$/m);
    // Suppressed findings are not counted in the total.
    expect(r.out).toContain("total: 0 errors, 0 warnings, 0 notes, 1 patches reviewed");
  });

  test("--all --format json: the finding carries `suppressed`", async () => {
    const r = await cli(["review", "--all", "--format", "json", ...tree, PATCH]);
    expect(r.code).toBe(0);
    const doc = ReviewSchema.parse(JSON.parse(r.out));
    const f = doc.patches[0]!.findings.find((x) => x.ruleId === "wq-flush-under-open-mutex");
    expect(f).toMatchObject({ status: "introduced", suppressed: "io_wq work never takes open_mutex" });
    const plain = ReviewSchema.parse(JSON.parse((await cli(["review", "--format", "json", ...tree, PATCH])).out));
    expect(plain.patches[0]!.findings).toEqual([]);
  });

  test("--all --terse: tagged, and --fail-on note still exits 0", async () => {
    const r = await cli(["review", "--all", "--terse", "--fail-on", "note", ...tree, PATCH]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^drivers\/block\/xdev\.c:77: ERROR: wq-flush-under-open-mutex: .* \[suppressed: io_wq work never takes open_mutex\]\n$/);
  });
});
