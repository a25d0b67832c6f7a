// The app's pure modules: anchors, comment bodies and markers, PR diffs and
// pre-images, configuration checks, check-run output.
import { describe, expect, test } from "@jest/globals";
import { hunkText, prFiles, rightLinesOf } from "../../scripts/github-stub.mjs";
import { commentable, place, placementOf, rank } from "../../src/app/anchors.js";
import { batches, checkOutput, conclusionOf } from "../../src/app/checks.js";
import { code, findingComment, inert, markersIn, reviewMarker, reviewShaIn } from "../../src/app/comments.js";
import { appSettings, loadAppConfig, validateConfigText } from "../../src/app/config.js";
import { blobText, prFileDiff, reverseFileDiff } from "../../src/app/context.js";
import { collectPosted, threadsToClose } from "../../src/app/threads.js";
import { applyFileDiff } from "../../src/context/apply.js";
import { DEFAULT_CONFIG } from "../../src/config/schema.js";
import type { Finding } from "../../src/model/review.js";

const finding = (over: Partial<Finding> = {}): Finding => ({
  ruleId: "lock-across-del-gendisk",
  severity: "error",
  status: "introduced",
  file: "drivers/block/xdev.c",
  line: 10,
  function: "xdev_delete",
  context: "tree",
  message: "xdev_delete() holds xdev_index_mutex across del_gendisk()",
  trace: [],
  references: [],
  confidence: "high",
  fingerprint: "0123456789abcdef",
  ...over,
});

const BEFORE = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n";
const AFTER = BEFORE.replace("line 15\n", "line 15\nadded A\nadded B\n").replace("line 2\n", "");

describe("anchors", () => {
  test("commentable RIGHT lines are the added and context lines of the hunks, in head numbering", () => {
    const f = prFiles({ "a.c": BEFORE }, { "a.c": AFTER })[0]!;
    const fd = prFileDiff({ ...f, patch: f.patch });
    const c = commentable([fd], ["a.c"]);
    // Independent count from the raw patch text (what GitHub validates).
    expect([...c.right.get("a.c")!].sort((a, b) => a - b)).toEqual([...rightLinesOf(f.patch)].sort((a, b) => a - b));
    expect(c.right.get("a.c")!.has(15)).toBe(true); // "added A" (line 15 after removing line 2)
    expect(c.right.get("a.c")!.has(25)).toBe(false); // far from any hunk
  });

  test("placement: inline on the diff, file-level elsewhere in a PR file, body outside the PR", () => {
    const f = prFiles({ "a.c": BEFORE }, { "a.c": AFTER })[0]!;
    const c = commentable([prFileDiff(f)], ["a.c"]);
    expect(placementOf(finding({ file: "a.c", line: 15 }), c)).toBe("inline");
    expect(placementOf(finding({ file: "a.c", line: 25 }), c)).toBe("file");
    expect(placementOf(finding({ file: "b.c", line: 15 }), c)).toBe("body");
  });

  test("ranking: errors before warnings, high confidence first; the cap sends the rest to the body", () => {
    const f = prFiles({ "a.c": BEFORE }, { "a.c": AFTER })[0]!;
    const c = commentable([prFileDiff(f)], ["a.c"]);
    const items = [
      { finding: finding({ file: "a.c", line: 16, severity: "warning", fingerprint: "1".repeat(16) }) },
      { finding: finding({ file: "a.c", line: 15, confidence: "low", fingerprint: "2".repeat(16) }) },
      { finding: finding({ file: "a.c", line: 14, confidence: "high", fingerprint: "3".repeat(16) }) },
    ];
    expect([...items].sort((x, y) => rank(x.finding, y.finding)).map((x) => x.finding.fingerprint![0])).toEqual(["3", "2", "1"]);
    const p = place(items, c, 2, 10);
    expect(p.inline.map((x) => x.finding.fingerprint![0])).toEqual(["3", "2"]);
    expect(p.body.map((x) => x.finding.fingerprint![0])).toEqual(["1"]);
  });
});

describe("comments", () => {
  test("the marker carries rule and fingerprint and round-trips; review markers carry the head", () => {
    const body = findingComment(finding(), { sha: "a".repeat(40) });
    expect(markersIn(body)).toEqual([{ rule: "lock-across-del-gendisk", fp: "0123456789abcdef" }]);
    expect(reviewShaIn(`text\n${reviewMarker("b".repeat(40))}`)).toBe("b".repeat(40));
    expect(reviewShaIn("no marker")).toBeNull();
  });

  test("text from the patch cannot inject HTML or mentions", () => {
    expect(inert("<script>@octocat a->b")).toBe("&lt;script&gt;@\u200boctocat a-&gt;b");
    expect(code("a`b")).toBe("`` a`b ``");
    const body = findingComment(finding({ message: "<img src=x> @team" }), { sha: "c".repeat(40) });
    expect(body).not.toContain("<img");
    expect(body).not.toMatch(/@team/);
  });

  test("warnings have no scenario block; errors do", () => {
    const scenario = " Possible unsafe locking scenario:\n\n CPU0 CPU1";
    expect(findingComment(finding({ scenario }), { sha: "" })).toContain("```text\n Possible unsafe locking scenario:");
    expect(findingComment(finding({ severity: "warning", scenario }), { sha: "" })).not.toContain("```text");
  });
});

describe("threads", () => {
  const bot = { login: "lockreview[bot]", type: "Bot" };
  const marker = (fp: string) => `x <!-- lockreview:v1 rule=r fp=${fp} -->`;
  test("our threads are Bot comments with a marker; a reply by anyone else makes the thread theirs", () => {
    const comments = [
      { id: 1, node_id: "n1", body: marker("a".repeat(16)), user: bot, path: "a.c" },
      { id: 2, node_id: "n2", body: marker("b".repeat(16)), user: bot, path: "a.c" },
      { id: 3, node_id: "n3", body: "thanks", user: { login: "dev", type: "User" }, path: "a.c", in_reply_to_id: 2 },
      { id: 4, node_id: "n4", body: marker("c".repeat(16)), user: { login: "dev", type: "User" }, path: "a.c" },
    ];
    const posted = collectPosted(comments, []);
    expect([...posted.fingerprints].sort()).toEqual(["a".repeat(16), "b".repeat(16)]);
    expect(threadsToClose(posted, new Set()).map((t) => t.root.id)).toEqual([1]);
    expect(threadsToClose(posted, new Set(["a".repeat(16)]))).toEqual([]);
  });
});

describe("context", () => {
  test("prFileDiff reads added, removed and renamed entries of listFiles", () => {
    const added = prFileDiff({ filename: "n.c", status: "added", additions: 2, deletions: 0, changes: 2, patch: "@@ -0,0 +1,2 @@\n+a\n+b" });
    expect(added).toEqual(expect.objectContaining({ oldPath: null, newPath: "n.c", status: "added" }));
    const removed = prFileDiff({ filename: "o.c", status: "removed", additions: 0, deletions: 1, changes: 1, patch: "@@ -1 +0,0 @@\n-a" });
    expect(removed).toEqual(expect.objectContaining({ oldPath: "o.c", newPath: null, status: "deleted" }));
    const renamed = prFileDiff({ filename: "new.c", previous_filename: "old.c", status: "renamed", additions: 1, deletions: 1, changes: 2, patch: "@@ -1 +1 @@\n-a\n+b" });
    expect(renamed).toEqual(expect.objectContaining({ oldPath: "old.c", newPath: "new.c", status: "renamed" }));
    expect(() => prFileDiff({ filename: "x.c", status: "modified", additions: 1, deletions: 1, changes: 2, patch: "@@ -1,5 +1,5 @@\n a\n-b\n+c" })).toThrow();
  });

  test("the pre-image is rebuilt exactly by applying the diff backwards, also without a final newline", () => {
    for (const [before, after] of [
      [BEFORE, AFTER],
      ["a\nb\nc", "a\nB\nc"],
      ["a\nb\n", "a\nb\nc"],
    ] as const) {
      const fd = prFileDiff({ filename: "f.c", status: "modified", additions: 1, deletions: 1, changes: 2, patch: hunkText(before, after) });
      const back = applyFileDiff(after, reverseFileDiff(fd));
      expect(back).toEqual(expect.objectContaining({ ok: true, text: before }));
    }
    const del = prFileDiff({ filename: "f.c", status: "removed", additions: 0, deletions: 3, changes: 3, patch: hunkText("x\ny\nz\n", "") });
    expect(applyFileDiff(null, reverseFileDiff(del))).toEqual(expect.objectContaining({ ok: true, text: "x\ny\nz\n" }));
  });

  test("binary blobs are recognised by NUL bytes", () => {
    expect(blobText(Buffer.from([0x89, 0x50, 0x00, 0x01]))).toBeNull();
    expect(blobText(Buffer.from("int x;\n"))).toBe("int x;\n");
  });
});

describe("configuration", () => {
  test("defaults, the github section, and an invalid file", async () => {
    expect(appSettings(DEFAULT_CONFIG)).toEqual({ requestChanges: false, failCheckOnErrors: true, drafts: false, maxComments: 30, failOn: "error" });
    const ok = await loadAppConfig(async () => ({ github: { "request-changes": true }, _extends: ".github" }));
    expect(ok.problems).toEqual([]);
    expect(appSettings(ok.config).requestChanges).toBe(true);
    const bad = await loadAppConfig(async () => ({ github: { "max-comments": 99 } }));
    expect(bad.config).toEqual(DEFAULT_CONFIG);
    expect(bad.problems[0]).toMatch(/github\.max-comments/);
    const err = await loadAppConfig(async () => {
      throw new Error("boom");
    });
    expect(err.problems).toEqual([".github/lockreview.yml could not be read (boom); using the defaults"]);
  });

  test("a misspelt rule id is reported with the CLI's 'did you mean'; the rest of the file is used", async () => {
    const r = await loadAppConfig(async () => ({ rules: { "lock-across-del-gendsk": "off" }, github: { drafts: true } }));
    expect(r.problems).toEqual([".github/lockreview.yml on the default branch: rules.lock-across-del-gendsk: unknown rule (did you mean lock-across-del-gendisk?); the setting is ignored"]);
    expect(appSettings(r.config).drafts).toBe(true);
    expect(validateConfigText("github:\n  drafts: true\nrules:\n  caller-lock-dropped: off\n  wq-flush-under-open-mutx: off\n")).toEqual([
      { line: 5, message: "rules.wq-flush-under-open-mutx: unknown rule (did you mean wq-flush-under-open-mutex?)" },
    ]);
  });

  test("validation errors of a changed file point at their lines", () => {
    expect(validateConfigText("rules:\n  caller-lock-dropped: off\n")).toEqual([]);
    expect(validateConfigText("github:\n  drafts: true\n  colour: blue\n")).toEqual([{ line: 3, message: expect.stringContaining("colour") }]);
    expect(validateConfigText("fail-on: [\n")[0]!.message).toMatch(/^YAML: /);
  });
});

describe("check runs", () => {
  const s = appSettings(DEFAULT_CONFIG);
  test("conclusion: failure on introduced errors, neutral for lesser findings, success when clean", () => {
    expect(conclusionOf([finding()], s, false)).toBe("failure");
    expect(conclusionOf([finding({ severity: "warning" })], s, false)).toBe("neutral");
    expect(conclusionOf([finding({ status: "fixed" })], s, false)).toBe("success");
    expect(conclusionOf([finding()], { ...s, failCheckOnErrors: false }, false)).toBe("neutral");
    expect(conclusionOf([finding({ severity: "warning" })], { ...s, failOn: "warning" }, false)).toBe("failure");
    expect(conclusionOf([], s, true)).toBe("failure");
  });

  test("annotations go in batches of 50", () => {
    const findings = Array.from({ length: 120 }, (_, i) => finding({ line: i + 1, fingerprint: i.toString(16).padStart(16, "0") }));
    const out = checkOutput({ sha: "d".repeat(40), pr: "o/r#1", findings, patches: [], settings: s, treeFiles: 1, hunksOnly: [], notReviewed: [], problems: [], notes: [], configProblems: [], configChange: null, annotatable: new Set(["drivers/block/xdev.c"]), durationMs: 10 });
    expect(out.annotations).toHaveLength(120);
    expect(batches(out.annotations).map((b) => b.length)).toEqual([50, 50, 20]);
    expect(out.output.title).toBe("120 errors introduced");
    expect(out.output.summary.length).toBeLessThanOrEqual(65535);
  });
});
