// The real client: Debian's git-email (`git send-email`) runs lockreview's
// sendemail-validate hook on every outgoing patch. A series with a deadlock
// (the xdev example) is refused before anything is sent; the clean series
// goes through. --dry-run with --smtp-server=/bin/true: nothing leaves the
// machine. Skips — saying why — when git-email is not installed (.ci/run
// apt-installs it).
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TempRepo, XDEV_CLEAN, XDEV_SERIES, xdevRepo } from "../git/helpers.js";
import { cli } from "../cli/helpers.js";

function sendEmailMissing(): string {
  try {
    const exec = execFileSync("git", ["--exec-path"], { encoding: "utf8" }).trim();
    if (!existsSync(join(exec, "git-send-email"))) return `git send-email is not installed (${join(exec, "git-send-email")} missing; apt-get install git-email)`;
    const perl = spawnSync("git", ["send-email", "--help"], { encoding: "utf8", env: { ...process.env, GIT_PAGER: "cat", PAGER: "cat", MANPAGER: "cat" } });
    if (perl.error) return `git send-email does not run: ${perl.error.message}`;
    return "";
  } catch (e) {
    return `git is not installed: ${(e as Error).message}`;
  }
}

const missing = sendEmailMissing();
if (missing) console.log(`[skip] git send-email real-client test: ${missing}`);
const version = missing ? "" : execFileSync("git", ["--version"], { encoding: "utf8" }).trim();

(missing ? describe.skip : describe)(`git send-email (${version}) with lockreview's sendemail-validate hook`, () => {
  const repos: TempRepo[] = [];
  const dirs: string[] = [];
  afterAll(() => {
    for (const r of repos) r.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function sendEmail(repo: TempRepo, patchDir: string) {
    const patches = readdirSync(patchDir).sort().map((f) => join(patchDir, f));
    return spawnSync(
      "git",
      ["send-email", "--validate", "--dry-run", "--smtp-server=/bin/true", "--to=x@example.org", "--from=Ada Example <ada@example.org>", "--confirm=never", "--suppress-cc=all", "--no-annotate", ...patches],
      { cwd: repo.dir, encoding: "utf8", env: { ...process.env, GIT_EDITOR: "true", HOME: repo.dir }, input: "" },
    );
  }

  function prepared(series: string): { repo: TempRepo; out: string } {
    const repo = xdevRepo();
    repos.push(repo);
    repo.am(series);
    const out = mkdtempSync(join(tmpdir(), "lockreview-send-"));
    dirs.push(out);
    repo.git("format-patch", "-q", "-o", out, "HEAD~2");
    return { repo, out };
  }

  let bad: ReturnType<typeof prepared>;
  let good: ReturnType<typeof prepared>;
  beforeAll(async () => {
    bad = prepared(XDEV_SERIES);
    good = prepared(XDEV_CLEAN);
    for (const r of [bad.repo, good.repo]) expect((await cli(["install-hook", "-C", r.dir])).code).toBe(0);
  });

  test("a series that adds a deadlock is refused before anything is sent", () => {
    const r = sendEmail(bad.repo, bad.out);
    expect(r.status).not.toBe(0);
    // lockreview's checkpatch-style report, then git's own refusal.
    expect(r.stdout + r.stderr).toMatch(/ERROR: lock-across-del-gendisk: xdev_delete\(\) holds xdev_index_mutex across del_gendisk\(\)/);
    expect(r.stderr).toMatch(/rejected by sendemail-validate hook/);
    expect(r.stderr).toContain("no patches were sent");
    expect(r.stdout).not.toContain("Result: OK");
  });

  test("the clean series passes the hook and is (dry-)sent", () => {
    const r = sendEmail(good.repo, good.out);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: "" });
    expect(r.stdout.match(/^Result: OK$/gm)).toHaveLength(2);
    expect(r.stdout).not.toMatch(/ERROR: /);
  });

  test("--no-validate bypasses the hook", () => {
    const r = sendEmail(bad.repo, bad.out);
    expect(r.status).not.toBe(0);
    const bypass = spawnSync(
      "git",
      ["send-email", "--no-validate", "--dry-run", "--smtp-server=/bin/true", "--to=x@example.org", "--from=Ada Example <ada@example.org>", "--confirm=never", "--suppress-cc=all", bad.out],
      { cwd: bad.repo.dir, encoding: "utf8", env: { ...process.env, HOME: bad.repo.dir }, input: "" },
    );
    expect(bypass.status).toBe(0);
    expect(bypass.stdout.match(/^Result: OK$/gm)).toHaveLength(2);
  });
});
