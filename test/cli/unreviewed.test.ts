// Nothing lost, nothing let through: one bad patch, message or file costs
// only itself, and the exit status says when something went unreviewed
// (0 clean, 1 findings at or above --fail-on, 2 anything not read or not
// reviewed). Inputs are written here, in the shapes of ../shared/repro.
import { afterAll, describe, expect, test } from "@jest/globals";
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { MAX_STMT_DEPTH } from "../../src/cmodel/build.js";
import { ReviewSchema } from "../../src/model/review.js";
import { demoDiff, mboxEntry, patchBody, type MailSpec } from "../ingest/helpers.js";
import { cli, fakeReviewer, finding } from "./helpers.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "lockreview-unrev-"));
  dirs.push(d);
  return d;
}
function file(name: string, content: string | Buffer): string {
  const p = join(tmp(), name);
  writeFileSync(p, content);
  return p;
}
const mbox = (mails: MailSpec[]) => mails.map(mboxEntry).join("\n");
const patchMail = (n: number, diff = demoDiff(n)): MailSpec => ({ subject: `[PATCH] demo_blk: flush reset work ${n}`, id: `p${n}@example.org`, body: patchBody(`Patch ${n}.`, diff) });
const json = (out: string) => ReviewSchema.parse(JSON.parse(out));

describe("the exit status", () => {
  test("0 clean, 1 a finding at or above --fail-on, 2 an input error, which wins over 1", async () => {
    const clean = file("clean.patch", mboxEntry({ subject: "[PATCH] demo_blk: comment", body: patchBody("A comment.", demoDiff().replace("+\tif (--d->users == 0)\n+\t\tflush_work(&d->reset_work);\n", "+\t/* last user */\n+\td->users--;\n")) }));
    expect((await cli(["review", clean])).code).toBe(0);
    const bad = file("bad.patch", mboxEntry(patchMail(1)));
    expect((await cli(["review", bad])).code).toBe(1);
    expect((await cli(["review", "--fail-on", "none", bad])).code).toBe(0);
    const broken = mboxEntry({ subject: "[PATCH] demo_blk: no diff here", body: "Signed-off-by: A <a@example.org>\n" });
    const both = file("both.mbox", mbox([patchMail(1)]) + "\n" + broken);
    const r = await cli(["review", both]);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/ERROR: wq-flush-under-open-mutex: /);
    expect(r.out).toMatch(/total: 1 errors, 0 warnings, 0 notes, 1 patches reviewed, 1 input error\n/);
    expect((await cli(["review", "--fail-on", "none", both])).code).toBe(2);
  });

  test("the convention is in every command's --help", async () => {
    for (const cmd of [["--help"], ["review", "--help"], ["scan", "--help"], ["check", "--help"]]) {
      const r = await cli(cmd);
      expect([cmd.join(" "), r.out]).toEqual([cmd.join(" "), expect.stringMatching(/Exit status.*\n {2}0 {2}nothing at or above --fail-on .*\n {2}1 {2}a finding at or above --fail-on .*\n {2}2 {2}something went unreviewed/)]);
    }
  });

  test("a truncated .gz: both complete messages are reviewed, the read error makes it 2", async () => {
    const prose = Array.from({ length: 3000 }, (_, i) => `Line ${(i * 7919) % 10007}.`).join("\n");
    const text = Buffer.from(mbox([1, 2, 3].map((n) => ({ ...patchMail(n), body: patchBody(`Patch ${n}.\n\n${prose}`, demoDiff(n)) }))));
    const gz = gzipSync(text);
    const p = file("t.mbox.gz", gz.subarray(0, Math.floor((gz.length * 5) / 6)));
    const r = await cli(["review", "--format", "json", p]);
    expect(r.code).toBe(2);
    const doc = json(r.out);
    expect(doc.patches.map((x) => x.subject)).toEqual(["[PATCH] demo_blk: flush reset work 1", "[PATCH] demo_blk: flush reset work 2"]);
    expect(doc.patches.every((x) => x.findings.length === 1)).toBe(true);
    expect(doc.errors).toEqual([{ source: p, message: expect.stringMatching(/^read error after 2 messages: /) }]);
  });
});

describe("one broken report is one error (../shared/repro: zod-huge-line, zod-infinite-line)", () => {
  test("a hunk line number beyond 2^53 in patch 2: patch 1's findings still print as JSON", async () => {
    const huge = demoDiff(2).replace("@@ -34,7 +34,8 @@", "@@ -9007199254740993,7 +9007199254740993,8 @@");
    const p = file("two.mbox", mbox([patchMail(1), patchMail(2, huge)]));
    const r = await cli(["review", "--format", "json", p]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("");
    const doc = json(r.out);
    expect(doc.patches.map((x) => [x.subject, x.findings.map((f) => [f.ruleId, f.line])])).toEqual([["[PATCH] demo_blk: flush reset work 1", [["wq-flush-under-open-mutex", 37]]]]);
    expect(doc.errors).toEqual([{ source: `${p}#2`, message: expect.stringMatching(/malformed hunk header "@@ -9007199254740993,7 \+9007199254740993,8 @@" in drivers\/block\/demo_blk\.c at line \d+: old start line 9007199254740993 is out of range/) }]);
  });

  test("a report that breaks the output contract is left out with one error; the others print", async () => {
    const fake = fakeReviewer((p) => [finding({ line: p.subject.endsWith("2") ? Infinity : 42 })]);
    const p = file("two.mbox", mbox([patchMail(1), patchMail(2)]));
    for (const format of ["json", "text", "sarif"]) {
      const r = await cli(["review", "--format", format, p], { createReviewer: fake.create });
      expect([format, r.code]).toEqual([format, 2]);
      if (format === "json") {
        const doc = json(r.out);
        expect(doc.patches.map((x) => x.subject)).toEqual(["[PATCH] demo_blk: flush reset work 1"]);
        expect(doc.errors).toEqual([{ source: `${p}#2`, message: expect.stringMatching(/^the report on "\[PATCH\] demo_blk: flush reset work 2" breaks the output contract, left out: findings\[0\]\.line: /) }]);
      }
      // Neither "demo_blk.c:Infinity" (text) nor a null startLine (SARIF).
      expect(r.out).not.toMatch(/demo_blk\.c:Infinity|"startLine": null|"line": Infinity/);
    }
  });

  test("'\\ No newline' right after the @@ line is reviewed, not an internal error", async () => {
    const p = file("x.diff", "diff --git a/drivers/block/x.c b/drivers/block/x.c\n--- a/drivers/block/x.c\n+++ b/drivers/block/x.c\n@@ -1,1 +1,1 @@\n\\ No newline at end of file\n-a\n+b\n");
    const r = await cli(["review", "--format", "json", p]);
    expect(r.code).toBe(0);
    expect(json(r.out)).toMatchObject({ patches: [{ source: p, findings: [] }], errors: [] });
  });
});

describe("deep nesting never costs the real finding (../shared/repro: deep-if-1000, open-braces-2k-one-line, scan-deep-if-1000)", () => {
  const nested = (lines: string) => demoDiff().replace("+\t\tflush_work(&d->reset_work);\n", `+\t\tflush_work(&d->reset_work);\n${lines}`);
  const count = (diff: string, add: number) => diff.replace("+32,8", `+32,${8 + add}`);

  test("1,000 nested ifs in the hunk: the flush under open_mutex is reported, with a note; exit 1", async () => {
    const lines = "+\t\tif (x) {\n".repeat(1000) + "+\t\tmutex_lock(&demo_lock);\n" + "+\t\t}\n".repeat(1000);
    const p = file("deep.patch", mboxEntry({ subject: "[PATCH] demo_blk: flush reset work on last close", body: patchBody("Deep.", count(nested(lines), 2001)) }));
    const r = await cli(["review", p]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^ERROR: wq-flush-under-open-mutex: demo_release\(\) runs with disk->open_mutex held/m);
    expect(r.out).toContain(`warning: drivers/block/demo_blk.c: demo_release() nests statements more than ${MAX_STMT_DEPTH} levels deep`);
  });

  test("one added line of 2,000 '{'", async () => {
    const p = file("braces.patch", mboxEntry({ subject: "[PATCH] demo_blk: flush reset work on last close", body: patchBody("Braces.", count(nested(`+\t${"{".repeat(2000)}\n`), 1)) }));
    const r = await cli(["review", "--format", "json", p]);
    const doc = json(r.out);
    expect(doc.errors).toEqual([]);
    expect(doc.patches[0]!.findings.map((f) => f.ruleId)).toEqual(["wq-flush-under-open-mutex"]);
  });

  test("scan: a deep helper does not cost the file its finding", async () => {
    const c = file(
      "dz.c",
      `static DEFINE_MUTEX(dz_lock);\nstruct dz_dev { struct work_struct w; };\nstatic int dz_helper(int x)\n{\n${"\tif (x) {\n".repeat(1000)}\t\tmutex_lock(&dz_lock);\n${"\t}\n".repeat(1000)}\treturn x;\n}\n\nstatic void dz_release(struct gendisk *disk)\n{\n\tstruct dz_dev *d = disk->private_data;\n\tflush_work(&d->w);\n}\n\nstatic const struct block_device_operations dz_fops = { .release = dz_release, };\n`,
    );
    const r = await cli(["scan", "--format", "json", c]);
    expect(r.code).toBe(1);
    const doc = json(r.out);
    expect(doc.patches[0]!.findings.map((f) => [f.ruleId, f.function])).toEqual([["wq-flush-under-open-mutex", "dz_release"]]);
    expect(doc.patches[0]!.warnings).toEqual([expect.stringContaining("dz_helper() nests statements more than")]);
  });
});

describe("size caps on the C model (../shared/repro: gen-5mb-line)", () => {
  test("a 5 MB line of C: not modelled, said so, exit 2, in bounded time", async () => {
    const diff = demoDiff().replace("+\t\tflush_work(&d->reset_work);\n", `+\t\tflush_work(&d->reset_work);\n+\tint v = ${"1+".repeat(2_500_000)}1;\n`).replace("+32,8", "+32,9");
    const p = file("line5mb.patch", mboxEntry({ subject: "[PATCH] demo_blk: a long line", body: patchBody("Long.", diff) }));
    const t = performance.now();
    const r = await cli(["review", "--format", "json", p]);
    expect(performance.now() - t).toBeLessThan(30_000);
    expect(r.code).toBe(2);
    expect(json(r.out).errors).toEqual([{ source: p, message: expect.stringMatching(/^drivers\/block\/demo_blk\.c: 4\.8 MiB of C is over the C model's 4 MiB cap \(limits: in \.lockreview\.yml, or --max-c-size\); not reviewed$/) }]);
  });

  test("one line over 64 KiB in the hunks: that file is not reviewed", async () => {
    const diff = demoDiff().replace("+\t\tflush_work(&d->reset_work);\n", `+\t\tflush_work(&d->reset_work); /* ${"x".repeat(70_000)} */\n`);
    const r = await cli(["review", "--format", "json", file("l.patch", mboxEntry({ subject: "[PATCH] demo_blk: long", body: patchBody("Long.", diff) }))]);
    expect(r.code).toBe(2);
    expect(json(r.out).errors[0]!.message).toMatch(/^drivers\/block\/demo_blk\.c: line 36 is 68\.\d KiB long, over the C model's 64 KiB cap for one line/);
  });

  test("--tree: a whole file over --max-c-size is reviewed from the patch's hunks, with a note", async () => {
    const tree = tmp();
    mkdirSync(join(tree, "drivers/block"), { recursive: true });
    // demo_blk.c as the hunk expects it at lines 32–38, padded with a big table after it.
    const head = Array.from({ length: 31 }, (_, i) => `/* line ${i + 1} */`).join("\n");
    const body = "static void demo_release(struct gendisk *disk)\n{\n\tstruct demo_dev *d = disk->private_data;\n\n\tmutex_lock(&demo_lock);\n\td->users--;\n\tmutex_unlock(&demo_lock);\n}\n\n";
    const table = `static const int demo_table[] = {\n${"\t1, 2, 3, 4, 5, 6, 7, 8,\n".repeat(2000)}};\n`;
    writeFileSync(join(tree, "drivers/block/demo_blk.c"), `${head}\n${body.replace("static void demo_release", "\nstatic void demo_release").slice(1)}${table}`);
    const text = readFileSync(join(tree, "drivers/block/demo_blk.c"), "utf8").split("\n");
    expect(text[31]).toBe("static void demo_release(struct gendisk *disk)"); // line 32, as the hunk says
    const p = file("t.patch", mboxEntry({ subject: "[PATCH] demo_blk: flush", body: patchBody("Flush.", demoDiff().replace("@@ -32,7 +32,8 @@", "@@ -33,7 +33,8 @@")) }));
    const r = await cli(["review", "--tree", tree, "--max-c-size", "16k", "--format", "json", p]);
    const doc = json(r.out);
    expect(doc.errors).toEqual([]);
    expect(doc.patches[0]!.warnings).toEqual(["drivers/block/demo_blk.c: the whole file is over the C model's 16 KiB cap (limits: in .lockreview.yml, or --max-c-size); reviewed from the patch's hunks only"]);
    expect(doc.patches[0]!.findings.map((f) => f.ruleId)).toEqual(["wq-flush-under-open-mutex"]);
    expect(r.code).toBe(1);
  });

  test("--max-c-size and limits: are checked, each in one line", async () => {
    const p = file("a.patch", mboxEntry(patchMail(1)));
    expect(await cli(["review", "--max-c-size", "lots", p])).toMatchObject({ code: 2, err: "lockreview: --max-c-size 'lots' is not a size (bytes, or with k/M/G: 4M, 512k)\n(see 'lockreview review --help')\n" });
    const cfg = file("c.yml", "limits:\n  c-model-bytes: huge\n");
    const r = await cli(["review", "--config", cfg, p]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^lockreview: .*c\.yml: limits\.c-model-bytes: expected a size in bytes such as 4194304, "4M" or "512k" \(got "huge"\)\n$/);
    const small = file("s.yml", "limits:\n  c-model-bytes: 100\n");
    expect(json((await cli(["review", "--config", small, "--format", "json", p])).out).errors[0]!.message).toMatch(/over the C model's 100 bytes cap/);
  });
});

describe("output that cannot be written costs only that patch", () => {
  test("--reply-dir: a symlink at a reply's name is refused, its target untouched; the next reply is written", async () => {
    const dir = tmp();
    const target = join(tmp(), "precious");
    writeFileSync(target, "keep me\n");
    // Reply names are <nnnn>-<title>.eml: find the first one by a dry run into another directory.
    const p = file("two.mbox", mbox([patchMail(1), patchMail(2)]));
    const probe = tmp();
    await cli(["review", "--format", "email", "--reply-dir", probe, p]);
    const names = readdirSync(probe).sort();
    expect(names).toHaveLength(2);
    symlinkSync(target, join(dir, names[0]!));
    const r = await cli(["review", "--format", "email", "--reply-dir", dir, p]);
    expect(r.code).toBe(2);
    expect(readFileSync(target, "utf8")).toBe("keep me\n");
    expect(lstatSync(join(dir, names[0]!)).isSymbolicLink()).toBe(true);
    expect(r.err).toContain(`${join(dir, names[0]!)} exists and is a symbolic link; not written`);
    expect(readFileSync(join(dir, names[1]!), "utf8")).toMatch(/^Subject: Re: \[PATCH\] demo_blk: flush reset work 2$/m);
    // A regular file from an earlier run is replaced.
    const again = await cli(["review", "--format", "email", "--reply-dir", probe, p]);
    expect(again.code).toBe(1);
    expect(existsSync(join(probe, names[0]!))).toBe(true);
  });
});

describe("mail about patches is counted, not reported as broken", () => {
  test("a pull request, a ping and a pointer to a branch: 'not reviewed: …', exit 0", async () => {
    const p = file(
      "list.mbox",
      mbox([
        { subject: "[GIT PULL] demo fixes", body: "are available in the Git repository at:\n\n  git://git.example.org/demo.git for-next\n\ndiff --cc x.c\n" },
        { subject: "PING: [PATCH] demo_blk: fix", body: "Ping.\n" },
        { subject: "[PATCHES][RFC] demo: rework", body: "Branch: git://git.example.org/demo.git #work.rework\n" },
      ]),
    );
    const r = await cli(["review", p]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("total: 0 errors, 0 warnings, 0 notes, 0 patches reviewed\nnot reviewed: 1 pull request, 1 ping, 1 pointer to a branch (of 3 messages read)\n");
  });
});
