// scripts/triage: the per-area scan TSV, the line-independent finding key
// that verdicts are joined on, and the precision report.
import { beforeAll, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  SCAN_COLUMNS,
  VERDICT_COLUMNS,
  areasOf,
  checkVerdicts,
  findingKey,
  formatTsv,
  messageHead,
  parseTsv,
  precision,
} from "../../scripts/triage/findings.mjs";

const ROOT = "test/fixtures/triage/root";

function node(script: string, args: string[]) {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const tmp = () => mkdtempSync(join(tmpdir(), "lockreview-triage-"));

describe("scan-areas.mjs", () => {
  // One scan for the whole block: each area is a real `lockreview scan` process.
  const out = join(tmp(), "scan.tsv");
  let run: ReturnType<typeof node>;
  let text = "";
  let rows: Record<string, string>[] = [];
  beforeAll(() => {
    run = node("scripts/triage/scan-areas.mjs", ["--root", ROOT, "--out", out, "drivers/block", "drivers/cdrom"]);
    text = existsSync(out) ? readFileSync(out, "utf8") : "";
    rows = text ? parseTsv(text, out, SCAN_COLUMNS) : [];
  });

  test("writes one row per error and warning, files relative to the kernel root, and counts per area", () => {
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^drivers\/block\t4\t1\t\d+\t0\t[\d.]+$/m);
    expect(run.out).toMatch(/^drivers\/cdrom\t0\t0\t0\t0\t[\d.]+$/m);
    expect(rows.map((r) => [r.area, r.file, r.function, r.ruleId, r.severity])).toEqual(
      expect.arrayContaining([
        ["drivers/block", "drivers/block/zdev.c", "zdev_remove", "lock-across-del-gendisk", "error"],
        ["drivers/block", "drivers/block/zdev.c", "zdev_init", "wq-not-drained-on-exit", "warning"],
      ]),
    );
    expect(rows).toHaveLength(5);
    expect(areasOf(text)).toEqual(["drivers/block", "drivers/cdrom"]);
  });

  test("keys the real rule messages by their lock classes and what they wait for", () => {
    const keys = Object.fromEntries(rows.map((r) => [r.ruleId, r.key]));
    expect(keys).toEqual({
      "lock-across-del-gendisk": "zdev_ctl_mutex",
      "wq-flush-under-open-mutex": "disk->open_mutex|flush_work(&zd->reset_work)",
      "lock-order-inversion": "zdev_a_mutex|zdev_b_mutex",
      "wq-not-drained-on-exit": "zdev_wq|error-path",
      "wq-self-flush": "work function|cancel_work_sync|itself (zdev_reset_work())",
    });
    const head = rows.find((r) => r.ruleId === "lock-order-inversion")!.message;
    expect(head).toBe("Lock-order inversion between zdev_a_mutex and zdev_b_mutex:");
  });

  test("refuses a root that is not a kernel tree and output inside the repository", () => {
    const bad = node("scripts/triage/scan-areas.mjs", ["--root", "test/fixtures", "--out", out]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--root .*test\/fixtures: not a kernel tree \(no Makefile\)/);
    const inside = node("scripts/triage/scan-areas.mjs", ["--root", ROOT, "--out", "triage.tsv", "drivers/cdrom"]);
    expect(inside.code).toBe(2);
    expect(inside.err).toMatch(/--out .*triage\.tsv: inside the repository/);
    const area = node("scripts/triage/scan-areas.mjs", ["--root", ROOT, "--out", out, "drivers/nope"]);
    expect(area.code).toBe(2);
    expect(area.err).toMatch(/area drivers\/nope: no such directory under/);
  });
});

describe("findingKey", () => {
  test("ignores call paths and line numbers, which move when the model changes", () => {
    const a = "f() returns an error at line 40 after allocating q (line 12) without destroy_workqueue(q).";
    const b = "f() returns an error at line 52 after allocating q (line 9) without destroy_workqueue(q).";
    expect(findingKey("wq-not-drained-on-exit", a)).toBe("q|error-path");
    expect(findingKey("wq-not-drained-on-exit", b)).toBe("q|error-path");
    const short = "g() holds x->lock across del_gendisk() (via h()); y() takes x->lock under disk->open_mutex, which del_gendisk() also takes: AB-BA deadlock.";
    const long = "g() holds x->lock across del_gendisk() (via h() → i() → j(k(l))); y() takes x->lock under disk->open_mutex, which del_gendisk() also takes: AB-BA deadlock.";
    expect(findingKey("lock-across-del-gendisk", short)).toBe("x->lock");
    expect(findingKey("lock-across-del-gendisk", long)).toBe("x->lock");
    // Shapes whose key sits after the call path (nbd's and rbd's findings in 6.1).
    const self = "w() runs as a work function and cancel_work_sync() (via a() → b()) waits for itself (w()): it waits for itself.";
    expect(findingKey("wq-self-flush", self)).toBe("work function|cancel_work_sync|itself (w())");
    const aa = "r() runs with disk->open_mutex held (blkdev_put_whole() calls ->release() with disk->open_mutex held) and reaches del_gendisk() (via p() → q()), which takes disk->open_mutex again: AA deadlock.";
    expect(findingKey("lock-across-del-gendisk", aa)).toBe("disk->open_mutex|AA");
  });

  test("sorts the classes of a cycle, so the order the cycle is reported in does not matter", () => {
    expect(findingKey("lock-order-inversion", "Lock-order inversion between b and a and c: …")).toBe("a|b|c");
    expect(findingKey("lock-order-inversion", "Lock-order inversion between c and b and a: …")).toBe("a|b|c");
  });

  test("falls back to the first clause without numbers for a message of unknown shape", () => {
    expect(findingKey("new-rule", "frob() takes lock 3 twice; more.")).toBe("frob() takes lock N twice");
  });

  test("the message head is the first sentence, on one line", () => {
    expect(messageHead("first: part\twith tab\nand more. Second sentence.")).toBe("first:");
    expect(messageHead("x".repeat(300)).length).toBe(200);
  });
});

describe("verdict files", () => {
  const header = VERDICT_COLUMNS.join("\t");
  const v = (file: string, verdict: string, cause = "", key = "k") => ({ file, function: "f", ruleId: "r", key, verdict, cause, note: "" });

  test("a malformed TSV names the file and what is wrong", () => {
    expect(() => parseTsv("file\tfunction\n", "v.tsv", VERDICT_COLUMNS)).toThrow("v.tsv: header lacks column(s) ruleId, key, verdict, cause, note");
    expect(() => parseTsv(`${header}\na\tb\tc\td\te\tf\tg\th\n`, "v.tsv", VERDICT_COLUMNS)).toThrow("v.tsv: row 2 has 8 cells, header has 7");
    expect(() => parseTsv("# only a comment\n", "v.tsv", VERDICT_COLUMNS)).toThrow("v.tsv: empty");
  });

  test("checkVerdicts rejects unknown verdicts, tool errors without a cause and two verdicts for one key", () => {
    const problems = checkVerdicts([v("a.c", "maybe"), v("b.c", "tool-error"), v("c.c", "real"), v("c.c", "real")], "v.tsv");
    expect(problems).toEqual([
      expect.stringMatching(/^v\.tsv: row 2 \(a\.c f r\): verdict "maybe" is not one of real, likely-real, likely-safe, tool-error$/),
      expect.stringMatching(/^v\.tsv: row 3 \(b\.c f r\): a tool-error needs a cause$/),
      expect.stringMatching(/^v\.tsv: row 5 \(c\.c f r\): same key as row 4$/),
    ]);
  });

  test("precision joins by key, not line, and lists untriaged findings and stale verdicts", () => {
    const scan = [
      { area: "A", file: "a.c", function: "f", ruleId: "r", severity: "error", line: "10", key: "k", message: "" },
      { area: "A", file: "b.c", function: "f", ruleId: "r", severity: "error", line: "99", key: "k", message: "" },
      { area: "A", file: "c.c", function: "f", ruleId: "r", severity: "warning", line: "1", key: "k", message: "" },
      { area: "B", file: "d.c", function: "f", ruleId: "r", severity: "error", line: "1", key: "k", message: "" },
    ];
    const verdicts = [v("a.c", "real"), v("b.c", "tool-error", "semaphore-callback-release"), v("c.c", "likely-safe", "caller-holds-reference"), v("gone.c", "real")];
    const p = precision(scan, verdicts, ["A", "B", "C"]);
    expect(p.areas).toEqual([
      { area: "A", findings: 3, real: 1, "likely-real": 0, "likely-safe": 1, "tool-error": 1, untriaged: 0, precision: 1 / 3 },
      { area: "B", findings: 1, real: 0, "likely-real": 0, "likely-safe": 0, "tool-error": 0, untriaged: 1, precision: null },
      { area: "C", findings: 0, real: 0, "likely-real": 0, "likely-safe": 0, "tool-error": 0, untriaged: 0, precision: null },
    ]);
    expect(p.untriaged.map((r) => r.file)).toEqual(["d.c"]);
    expect(p.stale.map((r) => r.file)).toEqual(["gone.c"]);
    expect(p.causes).toEqual([["semaphore-callback-release", 1]]);
  });

  test("precision.mjs prints the table, exits 1 while findings are untriaged and 2 for a bad verdict file", () => {
    const dir = tmp();
    const scanTsv = join(dir, "scan.tsv");
    const rows = [
      { area: "drivers/x", file: "drivers/x/a.c", function: "f", ruleId: "r", severity: "error", line: 3, key: "k", message: "m." },
      { area: "drivers/x", file: "drivers/x/b.c", function: "g", ruleId: "r", severity: "warning", line: 4, key: "k", message: "n." },
    ];
    writeFileSync(scanTsv, formatTsv(rows, SCAN_COLUMNS, ["areas: drivers/x drivers/y"]));
    const verdicts = join(dir, "verdicts.tsv");
    writeFileSync(verdicts, formatTsv([{ ...v("drivers/x/a.c", "likely-real"), function: "f" }], VERDICT_COLUMNS));
    const partial = node("scripts/triage/precision.mjs", ["--verdicts", verdicts, scanTsv]);
    expect(partial.code).toBe(1);
    expect(partial.out).toMatch(/^drivers\/x\s+2\s+0\s+1\s+0\s+0\s+1\s+100 %$/m);
    expect(partial.out).toMatch(/^drivers\/y\s+0\s+0\s+0\s+0\s+0\s+0\s+-$/m);
    expect(partial.out).toMatch(/1 findings without a verdict .*\n {2}drivers\/x\/b\.c:4 g r \[k\] n\./);

    writeFileSync(verdicts, formatTsv([{ ...v("drivers/x/a.c", "likely-real"), function: "f" }, { ...v("drivers/x/b.c", "tool-error", "correlated-conditions"), function: "g" }], VERDICT_COLUMNS));
    const full = node("scripts/triage/precision.mjs", ["--verdicts", verdicts, "--format", "markdown", scanTsv]);
    expect(full.code).toBe(0);
    expect(full.out).toMatch(/^\| drivers\/x \| 2 \| 0 \| 1 \| 0 \| 1 \| 0 \| 50 % \|$/m);
    expect(full.out).toMatch(/^ +1 {2}correlated-conditions$/m);

    writeFileSync(verdicts, formatTsv([v("drivers/x/a.c", "perhaps")], VERDICT_COLUMNS));
    const bad = node("scripts/triage/precision.mjs", ["--verdicts", verdicts, scanTsv]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/verdicts\.tsv: row 2 \(drivers\/x\/a\.c f r\): verdict "perhaps"/);
    const missing = node("scripts/triage/precision.mjs", [join(dir, "none.tsv")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/scan TSV .*none\.tsv: no such file/);
  });

  test("the committed 6.1 verdicts are well-formed and every cause is explained in docs/triage-6.1.md", () => {
    const path = "docs/triage/verdicts-6.1.tsv";
    const rows = parseTsv(readFileSync(path, "utf8"), path, VERDICT_COLUMNS);
    expect(checkVerdicts(rows, path)).toEqual([]);
    const doc = readFileSync("docs/triage-6.1.md", "utf8");
    const causes = [...new Set(rows.map((r) => r.cause).filter(Boolean))];
    expect(causes.filter((c) => !doc.includes(`\`${c}\``))).toEqual([]);
  });
});
