import { describe, expect, test } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import { ReviewSchema } from "../../src/model/review.js";
import { FORMATTERS } from "../../src/render/index.js";
import { VERSION } from "../../src/version.js";
import { FIX, ROOT, fx } from "../ingest/helpers.js";
import { cli, fakeReviewer, finding } from "./helpers.js";

const NBD = join(ROOT, "fixtures", "series", "nbd-v2");

describe("lockreview (no command)", () => {
  test("--help: usage, commands, options", async () => {
    const r = await cli(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: lockreview <command> \[options\]/);
    expect(r.out).toMatch(/^ {2}review +review patches from mailboxes/m);
    expect(r.out).toMatch(/^ {2}check +check the commits of a branch/m);
    expect(r.out).toMatch(/^ {2}install-hook +install git's sendemail-validate hook/m);
    expect(r.out).toContain("--version");
  });

  test("no arguments: usage on stderr, exit 2", async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("Usage: lockreview");
    expect(r.out).toBe("");
  });

  test("--version", async () => {
    expect(await cli(["--version"])).toEqual({ code: 0, out: `lockreview ${VERSION}\n`, err: "" });
    expect((await cli(["review", "--version"])).out).toBe(`lockreview ${VERSION}\n`);
  });

  test("an unknown command: one line and a hint, exit 2", async () => {
    const r = await cli(["revue", "x.mbox"]);
    expect(r).toMatchObject({ code: 2, out: "" });
    expect(r.err).toBe("lockreview: unknown command 'revue' (commands: review, scan, check, install-hook, explain)\n(see 'lockreview --help')\n");
  });

  test("help <command> prints that command's help", async () => {
    const r = await cli(["help", "review"]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: lockreview review \[options\] <input>/);
  });
});

describe("lockreview review: usage", () => {
  test("--help lists options with defaults, exit codes and examples", async () => {
    const r = await cli(["review", "--help"]);
    expect(r.code).toBe(0);
    for (const s of [
      `-f, --format FMT     output format: ${Object.keys(FORMATTERS).join(", ")} (default: text)`,
      "--fail-on LEVEL",
      "fail-on, else error)",
      "--latest",
      "--all",
      "--tree DIR",
      "-q, --quiet",
      "--no-progress",
      "0  nothing at or above --fail-on was introduced",
      "1  a finding at or above --fail-on was introduced",
      "2  something went unreviewed: an input that could not be read, a patch that",
      "lockreview review t.mbox.gz",
      "b4 am -o - <msgid> | lockreview review -",
    ]) expect(r.out).toContain(s);
  });

  test.each([
    [["review", "--frobnicate", "x"], "lockreview: unknown option '--frobnicate'\n(see 'lockreview review --help')\n"],
    [["review", "--format", "xml", "x"], `lockreview: unknown format 'xml' (choose from ${Object.keys(FORMATTERS).join(", ")})\n(see 'lockreview review --help')\n`],
    [["review", "--fail-on", "fatal", "x"], "lockreview: unknown --fail-on level 'fatal' (choose from error, warning, note, none)\n(see 'lockreview review --help')\n"],
    [["review"], "lockreview: no input given (a mailbox, .eml, .patch, diff, directory or -)\n(see 'lockreview review --help')\n"],
    [["review", "--tree", "/nonexistent/linux", "x"], "lockreview: --tree '/nonexistent/linux' is not a directory\n(see 'lockreview review --help')\n"],
  ])("%j → exit 2", async (argv, err) => {
    expect(await cli(argv)).toEqual({ code: 2, out: "", err });
  });

  test("an unreadable input: one line, no stack trace, exit 2", async () => {
    const r = await cli(["review", join(FIX, "missing.mbox")]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`lockreview: cannot read '${join(FIX, "missing.mbox")}': No such file or directory\n`);
    expect(r.out).toBe("");
  });

  test("an internal error: one line and how to get the stack", async () => {
    const boom = async () => {
      throw new Error("kaboom");
    };
    const r = await cli(["review", fx("single.eml")], { createReviewer: boom });
    expect(r.code).toBe(2);
    expect(r.err).toBe("lockreview: internal error: kaboom (run with LOCKREVIEW_DEBUG=1 for a stack trace)\n");
    const d = await cli(["review", fx("single.eml")], { createReviewer: boom, env: { LOCKREVIEW_DEBUG: "1" } });
    expect(d.err).toMatch(/^Error: kaboom\n\s+at /);
  });
});

describe("lockreview review: output", () => {
  test("text: a header per patch and checkpatch's total line", async () => {
    const r = await cli(["review", NBD], { createReviewer: fakeReviewer().create });
    expect(r.code).toBe(0);
    const lines = r.out.split("\n");
    expect(lines.filter((l) => l.endsWith("[PATCH v2 1/2] nbd: remove devices from a dedicated workqueue"))).toEqual([
      `${NBD}/0001-nbd-remove-devices-from-a-dedicated-workqueue.patch: [PATCH v2 1/2] nbd: remove devices from a dedicated workqueue`,
    ]);
    expect(r.out).toContain("total: 0 errors, 0 warnings, 0 notes, 2 patches reviewed\n");
    expect(r.out).toContain("not reviewed: 1 cover letter (of 3 messages read)\n");
  });

  test("json: exactly the output contract", async () => {
    const r = await cli(["review", "--format", "json", fx("broken.mboxrd")], { createReviewer: fakeReviewer().create });
    expect(r.code).toBe(2); // broken.mboxrd holds broken messages: exit 2 says something went unreviewed
    const doc = JSON.parse(r.out);
    expect(() => ReviewSchema.parse(doc)).not.toThrow();
    expect(Object.keys(doc)).toEqual(["tool", "patches", "errors"]);
    expect(doc.tool).toEqual({ name: "lockreview", version: VERSION });
    expect(doc.patches.map((p: { source: string; messageId: string }) => [p.source.replace(/.*\//, ""), p.messageId])).toEqual([
      ["broken.mboxrd#1", "good-1@example.org"],
      ["broken.mboxrd#7", "good-2@example.org"],
    ]);
    expect(doc.errors).toHaveLength(4);
    expect(doc.errors[0]).toEqual({
      source: fx("broken.mboxrd") + "#2",
      message: 'message <trunc-1@example.org> "[PATCH] demo_blk: truncated multipart": multipart/mixed: truncated MIME multipart: no closing boundary "--XYZ--"',
    });
  });

  test("text: errors as '<source>: error: <message>', counted in the total", async () => {
    const r = await cli(["review", fx("broken.mboxrd")], { createReviewer: fakeReviewer().create });
    expect(r.out).toContain(`${fx("broken.mboxrd")}#3: error: message <badb64-1@example.org> "[PATCH] demo_blk: bad base64": bad base64`);
    expect(r.out).toContain("total: 0 errors, 0 warnings, 0 notes, 2 patches reviewed, 4 input errors\n");
  });

  test("stdin: b4 am -o - | lockreview review -", async () => {
    const fake = fakeReviewer();
    const r = await cli(["review", "-"], { stdinData: readFileSync(fx("series.mboxrd")), createReviewer: fake.create });
    expect(r.code).toBe(0);
    expect(fake.seen.patches.map((p) => p.source)).toEqual(["stdin#2", "stdin#3", "stdin#4"]);
  });

  test("--latest from stdin (spooled to a temp file for the two passes)", async () => {
    const fake = fakeReviewer();
    const r = await cli(["review", "--latest", "-"], { stdinData: readFileSync(fx("versions.mboxrd")), createReviewer: fake.create });
    expect(r.code).toBe(0);
    expect(fake.seen.patches.map((p) => [p.source, p.tags.version, p.tags.number])).toEqual([["stdin#7", 2, 1], ["stdin#6", 2, 2]]);
    expect(r.out).toContain("3 older revisions");
  });

  test("--latest reviews only v2; --tree and --all reach the reviewer, patches in series order", async () => {
    const fake = fakeReviewer();
    await cli(["review", "--latest", "--all", "--tree", ROOT, fx("versions.mboxrd")], { createReviewer: fake.create });
    // No .lockreview.yml here: the defaults; --show-notes not given, so the configuration decides.
    expect(fake.seen.opts).toEqual({ tree: ROOT, all: true, config: DEFAULT_CONFIG });
    expect(fake.seen.patches.map((p) => `v${p.tags.version} ${p.tags.number}`)).toEqual(["v2 1", "v2 2"]);
  });

  test("a reviewer that throws on one patch: an error entry, the others still reviewed", async () => {
    const create = async () => ({
      async review(p: import("../../src/model/patch.js").Patch) {
        if (p.tags.number === 2) throw new Error("analysis blew up");
        return { report: { source: p.source, messageId: p.messageId ?? "", subject: p.subject, findings: [] }, errors: [], details: [] };
      },
    });
    const r = await cli(["review", "--format", "json", fx("series.mboxrd")], { createReviewer: create });
    const doc = JSON.parse(r.out);
    expect(doc.patches).toHaveLength(2);
    expect(doc.errors).toEqual([{ source: fx("series.mboxrd") + "#3", message: 'internal error while reviewing "[PATCH v2 2/3] demo_blk: destroy the workqueue on module exit": analysis blew up' }]);
  });
});

test("--tree where a patched file is missing: reviewed from its hunks, and the context line says why", async () => {
  const empty = mkdtempSync(join(tmpdir(), "lockreview-empty-tree-"));
  try {
    const r = await cli(["review", "--fail-on", "none", "--tree", empty, join(ROOT, "fixtures", "examples", "xdev", "series")]);
    expect(r.out).toContain(`context: drivers/block/xdev.c [hunks]: not in tree ${empty}: reviewed from its hunks\n`);
    expect(r.out).not.toMatch(/: error: /);
    expect(r.out).toMatch(/total: [1-9]\d* errors, .*2 patches reviewed/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

describe("lockreview review: exit status and --fail-on", () => {
  const only = (sev: "error" | "warning" | "note", status: "introduced" | "fixed" | "existing" = "introduced") =>
    fakeReviewer((p) => (p.tags.number === 1 ? [finding({ severity: sev, status })] : []));

  test.each([
    ["error", [], 1],
    ["warning", [], 0],
    ["warning", ["--fail-on", "warning"], 1],
    ["note", ["--fail-on", "warning"], 0],
    ["note", ["--fail-on", "note"], 1],
    ["error", ["--fail-on", "none"], 0],
  ] as const)("an introduced %s with %j → exit %d", async (sev, flags, code) => {
    const r = await cli(["review", ...flags, fx("series.mboxrd")], { createReviewer: only(sev).create });
    expect(r.code).toBe(code);
  });

  test("fixed and existing findings never fail the run", async () => {
    expect((await cli(["review", fx("series.mboxrd")], { createReviewer: only("error", "fixed").create })).code).toBe(0);
    expect((await cli(["review", "--all", fx("series.mboxrd")], { createReviewer: only("error", "existing").create })).code).toBe(0);
  });

  test("text output of a finding quotes the diff line with its #line", async () => {
    const pick = (p: import("../../src/model/patch.js").Patch) =>
      p.tags.number === 1 ? [finding({ ruleId: "wq-flush-under-open-mutex", line: 36, function: "demo_release", message: "flush_work() with demo_lock held" })] : [];
    const r = await cli(["review", fx("series.mboxrd")], { createReviewer: fakeReviewer(pick).create });
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "ERROR: wq-flush-under-open-mutex: flush_work() with demo_lock held\n#37: FILE: drivers/block/demo_blk.c:36: demo_release()\n+\t\tflush_work(&d->reset_work);\n",
    );
    expect(r.out).toContain("total: 1 errors, 0 warnings, 0 notes, 3 patches reviewed\n");
  });

  test("--quiet prints only patches with findings, and nothing at all when clean", async () => {
    expect((await cli(["review", "-q", fx("series.mboxrd")], { createReviewer: fakeReviewer().create })).out).toBe("");
    const r = await cli(["review", "--quiet", fx("series.mboxrd")], { createReviewer: only("warning").create });
    expect(r.out.split("\n")[0]).toBe(`${fx("series.mboxrd")}#2: [PATCH v2 1/3] demo_blk: flush reset work on last close`);
    expect(r.out).not.toContain("#3:");
  });
});
