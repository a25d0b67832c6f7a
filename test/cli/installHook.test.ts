// `lockreview install-hook`: where the hook goes (git's hooks directory:
// core.hooksPath, shared by linked worktrees), never over someone else's
// hook, and what the installed script does when git runs it.
import { afterEach, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHAINED_NAME, HOOK_MARKER, hookScript, shQuote } from "../../src/git/hooks.js";
import { TempRepo, XDEV_CLEAN, XDEV_SERIES, xdevRepo } from "../git/helpers.js";
import { ROOT } from "../ingest/helpers.js";
import { cli } from "./helpers.js";

const BIN = join(ROOT, "bin", "lockreview.js");
const FOREIGN = "#!/bin/sh\necho \"checkpatch-hook ran on $1\"\nexit ${FOREIGN_EXIT:-0}\n";

const repos: TempRepo[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newRepo(): TempRepo {
  const r = xdevRepo();
  repos.push(r);
  return r;
}

/** Run a hook file as git does: cwd = top of the working tree. */
function runHook(repo: TempRepo, hook: string, args: string[], env: Record<string, string> = {}) {
  return spawnSync(hook, args, { cwd: repo.dir, env: { ...process.env, ...env }, encoding: "utf8" });
}

function formatPatch(repo: TempRepo, range: string): string[] {
  const out = mkdtempSync(join(tmpdir(), "lockreview-hookfp-"));
  dirs.push(out);
  repo.git("format-patch", "-q", "-o", out, range);
  return readdirSync(out).sort().map((f) => join(out, f));
}

describe("the hook script", () => {
  test("runs this installation by absolute path, passes git's arguments through, quotes paths", () => {
    const s = hookScript({ node: "/usr/bin/node", bin: "/opt/it's here/bin/lockreview.js", config: "/src/linux/.lockreview.yml" }, null);
    expect(s.startsWith("#!/bin/sh\n")).toBe(true);
    expect(s).toContain(HOOK_MARKER);
    expect(s).toContain("lockreview='/opt/it'\\''s here/bin/lockreview.js'");
    expect(s).toContain(`exec "$node" "$lockreview" check --hook --config '/src/linux/.lockreview.yml' -- "$@"`);
    expect(shQuote("a'b")).toBe(`'a'\\''b'`);
    const chained = hookScript({ node: "/n", bin: "/b" }, "/r/.git/hooks/sendemail-validate.pre-lockreview");
    expect(chained).toContain('"$chained" "$@" || exit $?');
  });
});

describe("lockreview install-hook", () => {
  test("installs an executable sendemail-validate in .git/hooks; again, it updates it", async () => {
    const repo = newRepo();
    const hook = join(repo.dir, ".git", "hooks", "sendemail-validate");
    const r = await cli(["install-hook", "-C", repo.dir]);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`lockreview: installed ${hook}\nlockreview: git send-email now runs: ${process.execPath} ${BIN} check --hook <patch>\n`);
    expect(statSync(hook).mode & 0o111).toBe(0o111);
    expect(readFileSync(hook, "utf8")).toContain(`node=${shQuote(process.execPath)}`);
    expect((await cli(["install-hook", "-C", repo.dir])).out).toContain(`lockreview: updated ${hook}\n`);
  });

  test("respects core.hooksPath (relative to the top of the working tree)", async () => {
    const repo = newRepo();
    repo.git("config", "core.hooksPath", "tools/hooks");
    const r = await cli(["install-hook", "-C", join(repo.dir, "drivers")]);
    expect(r.code).toBe(0);
    expect(existsSync(join(repo.dir, "tools", "hooks", "sendemail-validate"))).toBe(true);
    expect(existsSync(join(repo.dir, ".git", "hooks", "sendemail-validate"))).toBe(false);
  });

  test("from a linked worktree it goes to the hooks the worktrees share", async () => {
    const repo = newRepo();
    const parent = mkdtempSync(join(tmpdir(), "lockreview-wt-"));
    dirs.push(parent);
    const wt = join(parent, "wt");
    repo.git("worktree", "add", "-q", "--detach", wt, "HEAD");
    const r = await cli(["install-hook", "-C", wt]);
    expect(r.code).toBe(0);
    expect(existsSync(join(repo.dir, ".git", "hooks", "sendemail-validate"))).toBe(true);
  });

  test("never overwrites a hook that is not lockreview's: refuses, or chains with --chain", async () => {
    const repo = newRepo();
    const hooks = join(repo.dir, ".git", "hooks");
    const hook = join(hooks, "sendemail-validate");
    writeFileSync(hook, FOREIGN, { mode: 0o755 });
    const refused = await cli(["install-hook", "-C", repo.dir]);
    expect(refused).toEqual({
      code: 2,
      out: "",
      err: `lockreview: ${hook} already exists and is not lockreview's hook; it was left alone\n(rerun with --chain to keep it and run it before lockreview, or remove it first)\n`,
    });
    expect(readFileSync(hook, "utf8")).toBe(FOREIGN);

    const chained = await cli(["install-hook", "-C", repo.dir, "--chain"]);
    expect(chained.code).toBe(0);
    expect(chained.out).toContain(`(runs ${join(hooks, CHAINED_NAME)} first)`);
    expect(readFileSync(join(hooks, CHAINED_NAME), "utf8")).toBe(FOREIGN);

    // Both run; a failure of the chained hook stops the send.
    repo.am(XDEV_CLEAN);
    const [patch] = formatPatch(repo, "HEAD~1");
    const ok = runHook(repo, hook, [patch!]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toBe(`checkpatch-hook ran on ${patch}\n`);
    expect(runHook(repo, hook, [patch!], { FOREIGN_EXIT: "3" }).status).toBe(3);

    // Reinstalling keeps the chain; uninstalling puts the old hook back.
    expect((await cli(["install-hook", "-C", repo.dir])).out).toContain(`(runs ${join(hooks, CHAINED_NAME)} first)`);
    const un = await cli(["install-hook", "-C", repo.dir, "--uninstall"]);
    expect(un).toEqual({ code: 0, out: `lockreview: removed ${hook} and put the previous hook back\n`, err: "" });
    expect(readFileSync(hook, "utf8")).toBe(FOREIGN);
    expect(existsSync(join(hooks, CHAINED_NAME))).toBe(false);
  });

  test("--uninstall removes only lockreview's hook", async () => {
    const repo = newRepo();
    const hook = join(repo.dir, ".git", "hooks", "sendemail-validate");
    expect(await cli(["install-hook", "-C", repo.dir, "--uninstall"])).toEqual({ code: 0, out: `lockreview: no lockreview hook in ${join(repo.dir, ".git", "hooks")}; nothing to remove\n`, err: "" });
    await cli(["install-hook", "-C", repo.dir]);
    expect((await cli(["install-hook", "-C", repo.dir, "--uninstall"])).out).toBe(`lockreview: removed ${hook}\n`);
    expect(existsSync(hook)).toBe(false);
    writeFileSync(hook, FOREIGN, { mode: 0o755 });
    const r = await cli(["install-hook", "-C", repo.dir, "--uninstall"]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`lockreview: ${hook} is not lockreview's hook; it was left alone\n(remove it yourself if you want it gone)\n`);
    expect(readFileSync(hook, "utf8")).toBe(FOREIGN);
  });

  test("--config is checked at install time and given to the hook", async () => {
    const repo = newRepo();
    writeFileSync(join(repo.dir, "bad.yml"), "rulez: {}\n");
    const bad = await cli(["install-hook", "-C", repo.dir, "--config", "bad.yml"]);
    expect(bad).toEqual({ code: 2, out: "", err: "lockreview: bad.yml: rulez: unknown key (known keys: rules, fail-on, show-notes, paths, limits, tree, git-dir, kernel, github)\n" });
    writeFileSync(join(repo.dir, "send.yml"), "rules:\n  wq-flush-under-open-mutex: warning\n");
    expect((await cli(["install-hook", "-C", repo.dir, "--config", "send.yml"])).code).toBe(0);
    expect(readFileSync(join(repo.dir, ".git", "hooks", "sendemail-validate"), "utf8")).toContain(`--config ${shQuote(join(repo.dir, "send.yml"))}`);
  });

  test("outside a git repository: one line, exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "lockreview-nogit-"));
    dirs.push(dir);
    const r = await cli(["install-hook", "-C", dir]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`lockreview: ${dir}: not a git repository\n(install-hook installs into a git repository's hooks directory)\n`);
  });
});

describe("the installed hook, run as git runs it", () => {
  test("rejects a patch with a deadlock (exit 1, checkpatch-style output) and passes a clean one", async () => {
    const repo = newRepo();
    await cli(["install-hook", "-C", repo.dir]);
    const hook = join(repo.dir, ".git", "hooks", "sendemail-validate");
    repo.am(XDEV_SERIES);
    const bad = formatPatch(repo, "HEAD~2");
    // git 2.39: one argument, the patch file.
    const r = runHook(repo, hook, [bad[0]!]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^0001-xdev-remove-the-device-before-releasing-its-index\.patch: \[PATCH 1\/2\] xdev: remove the device before releasing its index\nERROR: lock-across-del-gendisk: /);
    expect(r.stdout).toMatch(/\n#\d+: FILE: drivers\/block\/xdev\.c:53: xdev_delete\(\)\n\+\txdev_remove\(xd\);\n/);
    expect(r.stderr).toContain("rejected by the sendemail-validate hook");
    // Newer git: a second argument (SMTP headers) and the file counter.
    const headers = join(dirs[dirs.length - 1]!, "headers");
    writeFileSync(headers, "To: x@example.org\n");
    const r2 = runHook(repo, hook, [bad[1]!, headers], { GIT_SENDEMAIL_FILE_COUNTER: "2", GIT_SENDEMAIL_FILE_TOTAL: "2" });
    expect(r2.status).toBe(1);
    expect(r2.stdout.split("\n")[0]).toBe("[2/2] 0002-xdev-wait-for-queued-I-O-on-last-close.patch: [PATCH 2/2] xdev: wait for queued I/O on last close");

    const clean = newRepo();
    await cli(["install-hook", "-C", clean.dir]);
    clean.am(XDEV_CLEAN);
    for (const p of formatPatch(clean, "HEAD~2")) {
      const ok = runHook(clean, join(clean.dir, ".git", "hooks", "sendemail-validate"), [p]);
      expect({ status: ok.status, out: ok.stdout, err: ok.stderr }).toEqual({ status: 0, out: "", err: "" });
    }
  });

  test("a hook whose lockreview is gone fails with a message, not silently", () => {
    const repo = newRepo();
    const hook = join(repo.dir, ".git", "hooks", "sendemail-validate");
    writeFileSync(hook, hookScript({ node: process.execPath, bin: "/nonexistent/bin/lockreview.js" }, null), { mode: 0o755 });
    const r = runHook(repo, hook, ["/dev/null"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("lockreview hook: /nonexistent/bin/lockreview.js or");
  });
});
