// b4 runs a per-patch check command (b4.prep-perpatch-check-cmd, used by
// `b4 prep --check`, added in b4 0.14) with each patch on stdin and reads its
// output line by line. Debian 12's b4 is 0.12, which has no `prep --check`:
// then the real `prep --check` test is skipped (saying so) and lockreview's
// stdin mode is tested on patches that real b4 wrote (`b4 prep -p`), the way
// b4 ≥ 0.14 pipes them (cwd = top of the checkout). Skips, saying why, when b4
// is not installed (.ci/run apt-installs it).
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TempRepo, XDEV_SERIES, xdevRepo } from "../git/helpers.js";
import { ROOT } from "../ingest/helpers.js";

const BIN = join(ROOT, "bin", "lockreview.js");
const probe = spawnSync("b4", ["--version"], { encoding: "utf8" });
const b4Version = probe.status === 0 ? probe.stdout.trim() : "";
const prepHelp = b4Version ? spawnSync("b4", ["prep", "--help"], { encoding: "utf8" }).stdout : "";
const hasCheck = /--check\b/.test(prepHelp);
if (!b4Version) console.log("[skip] b4 real-client tests: b4 is not installed (apt-get install b4)");
else if (!hasCheck) {
  console.log(`[skip] b4 ${b4Version} has no 'b4 prep --check' (b4.prep-perpatch-check-cmd came in 0.14): testing lockreview's stdin mode on patches written by 'b4 prep -p' instead`);
}

describe("b4", () => {
  let repo: TempRepo;
  let home: string;
  const b4 = (args: string[], input?: string) =>
    spawnSync("b4", args, { cwd: repo.dir, encoding: "utf8", input: input ?? "", env: { ...process.env, HOME: home, XDG_CACHE_HOME: join(home, ".cache"), XDG_DATA_HOME: join(home, ".local/share"), XDG_CONFIG_HOME: join(home, ".config") } });

  beforeAll(() => {
    if (!b4Version) return;
    home = mkdtempSync(join(tmpdir(), "lockreview-b4home-"));
    repo = xdevRepo();
    repo.git("checkout", "-q", "-b", "xdev-fixes");
    repo.am(XDEV_SERIES);
    const r = b4(["prep", "-e", "HEAD~2"]);
    if (r.status !== 0) throw new Error(`b4 prep -e failed: ${r.stderr}`);
  });
  afterAll(() => {
    repo?.cleanup();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  (b4Version && hasCheck ? test : test.skip)(`b4 prep --check runs lockreview per patch (${b4Version || "b4 missing"})`, () => {
    const r = b4(["-c", `b4.prep-perpatch-check-cmd=${process.execPath} ${BIN} check --terse --format-patch -`, "prep", "--check"]);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/lock-across-del-gendisk/);
    expect(out).toMatch(/wq-flush-under-open-mutex/);
  });

  (b4Version ? test : test.skip)(`patches written by real b4 (${b4Version || "b4 missing"}), piped to lockreview as b4 pipes them`, () => {
    const out = mkdtempSync(join(tmpdir(), "lockreview-b4out-"));
    try {
      const w = b4(["prep", "-p", out]);
      expect(w.status).toBe(0);
      const files = readdirSync(out).sort();
      expect(files).toHaveLength(3); // b4's cover letter + 2 patches
      const lines: string[] = [];
      const statuses: number[] = [];
      for (const f of files) {
        // The tree-aware form, in the checkout (what the README recommends for b4 prep).
        const r = spawnSync(process.execPath, [BIN, "check", "--terse", "--format-patch", "-"], { cwd: repo.dir, input: readFileSync(join(out, f)), encoding: "utf8" });
        expect(r.stderr).toBe("");
        statuses.push(r.status!);
        lines.push(...r.stdout.split("\n").filter(Boolean));
      }
      expect(statuses).toEqual([0, 1, 1]);
      expect(lines.map((l) => l.split(": ").slice(0, 3).join(": "))).toEqual([
        "drivers/block/xdev.c:53: ERROR: lock-across-del-gendisk",
        "drivers/block/xdev.c:79: ERROR: wq-flush-under-open-mutex",
      ]);
      // The brief's hunks-only form works anywhere; it sees what the hunks show.
      const hunks = spawnSync(process.execPath, [BIN, "review", "--terse", "-"], { input: readFileSync(join(out, files[2]!)), encoding: "utf8" });
      expect(hunks.status).toBe(1);
      expect(hunks.stdout).toMatch(/^drivers\/block\/xdev\.c:79: ERROR: wq-flush-under-open-mutex: /);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
