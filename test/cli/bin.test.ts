// The real executable, as a user runs it (lib/ is built by `pretest`).
import { describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReviewSchema } from "../../src/model/review.js";
import { ROOT, fx, readFixture } from "../ingest/helpers.js";

const BIN = join(ROOT, "bin", "lockreview.js");

describe("bin/lockreview.js", () => {
  test("reviews a series directory as JSON and exits 0", () => {
    const r = spawnSync(process.execPath, [BIN, "review", "--format", "json", "--no-progress", join(ROOT, "fixtures", "series", "nbd-v2")], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const doc = ReviewSchema.parse(JSON.parse(r.stdout));
    expect(doc.patches.map((p) => p.subject)).toEqual([
      "[PATCH v2 1/2] nbd: remove devices from a dedicated workqueue",
      "[PATCH v2 2/2] nbd: destroy the removal workqueue on module exit",
    ]);
  });

  test("reads stdin, and a missing file is one line on stderr with exit 2", () => {
    // --fail-on none: the exit status must not depend on what the rules find in the fixture.
    const ok = spawnSync(process.execPath, [BIN, "review", "--fail-on", "none", "-"], { input: readFixture("0001-demo_blk-flush-reset-work.patch"), encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("stdin: [PATCH] demo_blk: flush reset work on last close\n");
    const bad = spawnSync(process.execPath, [BIN, "review", "/nonexistent.mbox"], { encoding: "utf8" });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("lockreview: cannot read '/nonexistent.mbox': No such file or directory\n");
  });

  test("a dependency that is gone: one line naming it and the fix, exit 2, no stack trace", () => {
    // A copy of the entry point beside a "built" bundle that requires a package no one installed.
    const dir = mkdtempSync(join(tmpdir(), "lockreview-bin-"));
    try {
      mkdirSync(join(dir, "bin"));
      mkdirSync(join(dir, "lib", "bundle"), { recursive: true });
      copyFileSync(BIN, join(dir, "bin", "lockreview.js"));
      writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
      writeFileSync(join(dir, "lib", "bundle", "lockreview.cjs"), 'require("lockreview-missing-dependency");\nexports.run = async () => 0;\n');
      const r = spawnSync(process.execPath, [join(dir, "bin", "lockreview.js"), "check", "--hook", "x.patch"], { encoding: "utf8", env: { ...process.env, LOCKREVIEW_DEBUG: "" } });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`lockreview: cannot start: lockreview-missing-dependency is missing; run \`npm install\` in ${dir}/\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the worker pool (LOCKREVIEW_WORKERS=1) gives the same review", () => {
    const args = [BIN, "review", "--format", "json", "--fail-on", "none", fx("attachment.eml"), fx("gbk.eml"), fx("broken.mboxrd")];
    const a = spawnSync(process.execPath, args, { encoding: "utf8" });
    const b = spawnSync(process.execPath, args, { encoding: "utf8", env: { ...process.env, LOCKREVIEW_WORKERS: "1" } });
    expect(a.status).toBe(2); // broken.mboxrd has input errors
    expect(b.status).toBe(2);
    expect(b.stdout).toBe(a.stdout);
  });

  test("npm start (the README's demo) finds the example's two deadlocks and exits 0, so `npm start && npm test` goes on", () => {
    // The script itself, as npm runs it; a real run keeps --fail-on semantics (see the next check).
    const start = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.start!;
    const demo = spawnSync("sh", ["-c", start], { cwd: ROOT, encoding: "utf8" });
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain("total: 2 errors, 0 warnings, 0 notes, 2 patches reviewed\n");
    const real = spawnSync("sh", ["-c", start.replace(" --fail-on none", "")], { cwd: ROOT, encoding: "utf8" });
    expect(real.status).toBe(1);
  });
});
