// The pre-send hook never lets an unreviewed patch through
// (../shared/repro: hook-evade-deep-helper, hook-mangled-counts): a patch
// that cannot be reviewed stops the send like a finding does, with one line
// saying why and how to send anyway once.
import { afterAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MAX_STMT_DEPTH } from "../../src/cmodel/build.js";
import { TempRepo, XDEV_SERIES, xdevRepo } from "../git/helpers.js";
import { cli } from "./helpers.js";

const repos: TempRepo[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const r of repos) r.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The xdev repository with series patch 1 (lock-across-del-gendisk) committed, and its format-patch file. */
function patchOne(edit?: (repo: TempRepo) => void): { repo: TempRepo; patch: string } {
  const repo = xdevRepo();
  repos.push(repo);
  const first = readdirSync(XDEV_SERIES).find((f) => /-0001-/.test(f))!;
  repo.git("am", "-q", join(XDEV_SERIES, first));
  if (edit) {
    edit(repo);
    repo.git("commit", "-q", "-a", "--amend", "--no-edit");
  }
  const out = mkdtempSync(join(tmpdir(), "lockreview-hookrel-"));
  dirs.push(out);
  repo.git("format-patch", "-q", "-o", out, "-1");
  return { repo, patch: join(out, readdirSync(out)[0]!) };
}

const BYPASS = "to send it anyway, once: git send-email --no-validate";

describe("check --hook", () => {
  test("a deadlock beside a helper nested 1,200 deep is still found, and stops the send", async () => {
    const { repo, patch } = patchOne((r) =>
      appendFileSync(join(r.dir, "drivers/block/xdev.c"), `\nstatic int xdev_deep(int x)\n{\n${"\tif (x) {\n".repeat(1200)}\t\tx++;\n${"\t}\n".repeat(1200)}\treturn x;\n}\n`),
    );
    const r = await cli(["check", "-C", repo.dir, "--hook", patch]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ERROR: lock-across-del-gendisk: xdev_delete\(\) holds xdev_index_mutex across del_gendisk\(\)/m);
    expect(r.err).toBe(`lockreview: patch rejected by the sendemail-validate hook: fix the finding, or silence a reviewed false positive with /* lockreview: ignore <rule-id> -- reason */ on its line; ${BYPASS}\n`);
    // Outside the hook (which prints only what blocks), the report says what was not modelled.
    const plain = await cli(["check", "-C", repo.dir, "--format-patch", patch]);
    expect(plain.out).toContain(`warning: drivers/block/xdev.c: xdev_deep() nests statements more than ${MAX_STMT_DEPTH} levels deep`);
  });

  test("a patch with a wrong hunk count cannot be reviewed: exit 1, the error, one line with the bypass", async () => {
    const { repo, patch } = patchOne();
    writeFileSync(patch, readFileSync(patch, "utf8").replace(/^@@ -46,10 \+46,13 @@/m, "@@ -46,10 +46,99 @@"));
    const r = await cli(["check", "-C", repo.dir, "--hook", patch]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/: error: .*malformed hunk "@@ -46,10 \+46,99 @@" in drivers\/block\/xdev\.c: /);
    expect(r.err).toBe(`lockreview: patch rejected by the sendemail-validate hook: it could not be reviewed (the error above says why); ${BYPASS}\n`);
  });

  test("a bad configuration stops the send too, in one line per problem plus the bypass", async () => {
    const { repo, patch } = patchOne();
    writeFileSync(join(repo.dir, ".lockreview.yml"), "rulez: {}\n");
    const r = await cli(["check", "-C", repo.dir, "--hook", patch]);
    expect(r.code).toBe(1);
    expect(r.err.split("\n")).toEqual([
      expect.stringMatching(/^lockreview: .*\.lockreview\.yml: rulez: unknown key/),
      `lockreview: patch rejected by the sendemail-validate hook: it could not be reviewed (the error above says why); ${BYPASS}`,
      "",
    ]);
  });

  test("--terse prints input errors as ERROR: (b4 counts those)", async () => {
    const { repo, patch } = patchOne();
    writeFileSync(patch, readFileSync(patch, "utf8").replace(/^@@ -46,10 \+46,13 @@/m, "@@ -46,10 +46,99 @@"));
    const r = await cli(["check", "-C", repo.dir, "--terse", "--format-patch", patch]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/^\S+\.patch: ERROR: .*malformed hunk/m);
    expect(r.out).not.toMatch(/: error: /);
  });
});

describe("the installed hook, as git send-email runs it", () => {
  test("rejects the patch that could not be reviewed", async () => {
    const { repo, patch } = patchOne();
    writeFileSync(patch, readFileSync(patch, "utf8").replace(/^@@ -46,10 \+46,13 @@/m, "@@ -46,10 +46,99 @@"));
    expect((await cli(["install-hook", "-C", repo.dir])).code).toBe(0);
    const hook = join(repo.dir, ".git", "hooks", "sendemail-validate");
    const r = spawnSync(hook, [patch], { cwd: repo.dir, env: process.env, encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(BYPASS);
  });
});
