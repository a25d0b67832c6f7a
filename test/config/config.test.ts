// `.lockreview.yml`: what each setting does to a review, and what a bad file
// says. Reviews run on the hand-written xdev example (two deadlocks) and on
// test/fixtures/config (a driver whose flush helper lives outside the tree).
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONFIG_FILE, ConfigError, findConfigFile, parseConfig } from "../../src/config/load.js";
import { ReviewSchema } from "../../src/model/review.js";
import { RULES } from "../../rules/index.js";
import { cli } from "../cli/helpers.js";
import { ROOT } from "../ingest/helpers.js";

const XDEV = join(ROOT, "fixtures", "examples", "xdev");
const ZDEV = join(ROOT, "test", "fixtures", "config");
const ZDEV_PATCH = join(ZDEV, "0001-zdev-wait-for-queued-I-O-on-last-close.patch");

let work: string;
/** A copy of a tree in a temp directory (outside any git checkout), with a .lockreview.yml. */
function treeWith(src: string, yml: string | null): string {
  const dir = mkdtempSync(join(work, "tree-"));
  cpSync(src, dir, { recursive: true });
  if (yml !== null) writeFileSync(join(dir, CONFIG_FILE), yml);
  return dir;
}

async function reviewJson(args: string[]) {
  const r = await cli(["review", "--format", "json", ...args]);
  return { code: r.code, err: r.err, doc: r.code === 2 ? null : ReviewSchema.parse(JSON.parse(r.out)) };
}
const found = (doc: ReturnType<typeof ReviewSchema.parse> | null) => doc!.patches.flatMap((p) => p.findings.map((f) => `${f.ruleId}:${f.severity}`));

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "lockreview-config-"));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("settings", () => {
  test("without a configuration both deadlocks of the example are errors", async () => {
    const tree = treeWith(join(XDEV, "tree"), null);
    const r = await reviewJson(["--tree", tree, join(XDEV, "series")]);
    expect(found(r.doc)).toEqual(["lock-across-del-gendisk:error", "wq-flush-under-open-mutex:error"]);
    expect(r.code).toBe(1);
  });

  test("a rule turned off is not run", async () => {
    const tree = treeWith(join(XDEV, "tree"), "rules:\n  lock-across-del-gendisk: off\n");
    const r = await reviewJson(["--tree", tree, join(XDEV, "series")]);
    expect(found(r.doc)).toEqual(["wq-flush-under-open-mutex:error"]);
  });

  test("a severity override changes the level and so the exit status", async () => {
    const tree = treeWith(join(XDEV, "tree"), "rules:\n  lock-across-del-gendisk: warning\n  wq-flush-under-open-mutex: warning\n");
    const r = await reviewJson(["--tree", tree, join(XDEV, "series")]);
    expect(found(r.doc)).toEqual(["lock-across-del-gendisk:warning", "wq-flush-under-open-mutex:warning"]);
    expect(r.code).toBe(0);
    // fail-on from the file …
    writeFileSync(join(tree, CONFIG_FILE), "fail-on: warning\nrules:\n  lock-across-del-gendisk: warning\n");
    expect((await reviewJson(["--tree", tree, join(XDEV, "series")])).code).toBe(1);
    // … and --fail-on beats it.
    expect((await reviewJson(["--tree", tree, "--fail-on", "error", join(XDEV, "series")])).code).toBe(1);
    expect((await reviewJson(["--tree", tree, "--fail-on", "none", join(XDEV, "series")])).code).toBe(0);
  });

  test("an excluded path is not reviewed", async () => {
    const tree = treeWith(join(XDEV, "tree"), "paths:\n  exclude: [drivers/block/xdev.c]\n");
    const r = await reviewJson(["--tree", tree, join(XDEV, "series")]);
    expect(found(r.doc)).toEqual([]);
    expect(r.code).toBe(0);
    writeFileSync(join(tree, CONFIG_FILE), "paths:\n  include: ['drivers/net/**']\n");
    expect(found((await reviewJson(["--tree", tree, join(XDEV, "series")])).doc)).toEqual([]);
    writeFileSync(join(tree, CONFIG_FILE), "paths:\n  include: ['drivers/block/**']\n");
    expect(found((await reviewJson(["--tree", tree, join(XDEV, "series")])).doc)).toHaveLength(2);
  });

  test("scan: path globs are relative to the configuration file's directory", async () => {
    // The xdev driver with patch 1's deadlock already in it.
    const tree = treeWith(join(XDEV, "tree"), null);
    const c = join(tree, "drivers/block/xdev.c");
    writeFileSync(c, readFileSync(c, "utf8").replace("\tidr_remove(&xdev_idr, index);\n\tmutex_unlock(&xdev_index_mutex);\n\n\txdev_remove(xd);", "\txdev_remove(xd);\n\tidr_remove(&xdev_idr, index);\n\tmutex_unlock(&xdev_index_mutex);"));
    const cfg = join(tree, "lockreview.yml");
    const scan = async (...opts: string[]) => ReviewSchema.parse(JSON.parse((await cli(["scan", "--format", "json", ...opts, join(tree, "drivers/block")])).out)).patches[0]!.findings.map((f) => f.ruleId);
    expect(await scan()).toEqual(["lock-across-del-gendisk"]);
    writeFileSync(cfg, "paths:\n  exclude: ['drivers/block/*.c']\n");
    expect(await scan("--config", cfg)).toEqual([]);
    writeFileSync(cfg, "paths:\n  exclude: ['drivers/net/**']\n");
    expect(await scan("--config", cfg)).toEqual(["lock-across-del-gendisk"]);
  });

  test("an extra kernel row makes a driver's own wrapper count as a flush", async () => {
    // zdev_flush_io() is defined outside the tree: without the row it is an unknown call.
    const plain = treeWith(join(ZDEV, "tree"), null);
    const without = await reviewJson(["--tree", plain, ZDEV_PATCH]);
    expect(found(without.doc)).toEqual([]);
    const tree = treeWith(join(ZDEV, "tree"), "kernel:\n  implicit:\n    - names: [zdev_flush_io]\n      waits:\n        - { on: workqueue, arg: 0 }\n");
    const withRow = await reviewJson(["--tree", tree, ZDEV_PATCH]);
    expect(found(withRow.doc)).toEqual(["wq-flush-under-open-mutex:error"]);
    expect(withRow.doc!.patches[0]!.findings[0]!.message).toContain("zdev_flush_io(zd->io_wq) waits for every work item queued on zd->io_wq");
    expect(withRow.code).toBe(1);
  });

  test("--config FILE is used instead of the tree's file", async () => {
    const tree = treeWith(join(XDEV, "tree"), "rules:\n  wq-flush-under-open-mutex: off\n");
    const other = join(work, "only-gendisk.yml");
    writeFileSync(other, "rules:\n  lock-across-del-gendisk: off\n");
    expect(found((await reviewJson(["--tree", tree, join(XDEV, "series")])).doc)).toEqual(["lock-across-del-gendisk:error"]);
    expect(found((await reviewJson(["--tree", tree, "--config", other, join(XDEV, "series")])).doc)).toEqual(["wq-flush-under-open-mutex:error"]);
  });

  test("show-notes: true in the file shows note-level findings, as --show-notes does", async () => {
    const tree = treeWith(join(XDEV, "tree"), "show-notes: true\nrules:\n  wq-flush-under-open-mutex: note\n");
    const r = await reviewJson(["--tree", tree, join(XDEV, "series")]);
    expect(found(r.doc)).toContain("wq-flush-under-open-mutex:note");
  });
});

describe("bad configuration", () => {
  async function problems(yml: string): Promise<{ code: number; err: string }> {
    const tree = treeWith(join(XDEV, "tree"), yml);
    const r = await cli(["review", "--tree", tree, join(XDEV, "series")]);
    return { code: r.code, err: r.err.split(join(tree, CONFIG_FILE)).join(CONFIG_FILE) };
  }

  test("an unknown key names the file and the key, and lists the known ones", async () => {
    expect(await problems("rulez:\n  lock-across-del-gendisk: off\n")).toEqual({
      code: 2,
      err: `lockreview: ${CONFIG_FILE}: rulez: unknown key (known keys: rules, fail-on, show-notes, paths, limits, tree, git-dir, kernel, github)\n`,
    });
    expect((await problems("paths:\n  exclud: [x]\n")).err).toBe(`lockreview: ${CONFIG_FILE}: paths.exclud: unknown key\n`);
  });

  test("a value of the wrong type names the key and what was expected", async () => {
    expect(await problems("fail-on: sometimes\n")).toEqual({ code: 2, err: `lockreview: ${CONFIG_FILE}: fail-on: expected one of "error"|"warning"|"note"|"none"\n` });
    expect((await problems("paths:\n  exclude: drivers/block\n")).err).toBe(`lockreview: ${CONFIG_FILE}: paths.exclude: expected array, received string\n`);
    expect((await problems("kernel:\n  implicit:\n    - names: [drbd_flush_workqueue]\n      waits: [ { on: wq, arg: 0 } ]\n")).err).toBe(
      `lockreview: ${CONFIG_FILE}: kernel.implicit[0].waits[0].on: expected one of "workqueue"|"work"|"kthread"|"timer"|"kernfs"|"notifier-chain"|"completion"\n`,
    );
  });

  test("every problem is reported, one line each; an unknown rule id is one of them", async () => {
    const r = await problems("rules:\n  wq-flush-under-open-mutx: off\n  caller-lock-dropped: fatal\nshow-notes: 1\n");
    expect(r.code).toBe(2);
    expect(r.err.trim().split("\n")).toEqual([
      `lockreview: ${CONFIG_FILE}: rules.caller-lock-dropped: expected one of "error"|"warning"|"note"|"off"`,
      `lockreview: ${CONFIG_FILE}: show-notes: expected boolean, received number`,
      `lockreview: ${CONFIG_FILE}: rules.wq-flush-under-open-mutx: unknown rule (did you mean wq-flush-under-open-mutex?)`,
    ]);
  });

  test("an unknown rule id far from every real one lists them all", async () => {
    const r = await problems("rules:\n  deadlock: off\n");
    expect(r.err).toBe(`lockreview: ${CONFIG_FILE}: rules.deadlock: unknown rule (rules: ${RULES.map((x) => x.meta.id).join(", ")})\n`);
    expect(RULES.length).toBeGreaterThanOrEqual(8);
  });

  test("YAML syntax errors give the line and column", async () => {
    expect(await problems("rules:\n  a: off\nrules: {}\n")).toEqual({ code: 2, err: `lockreview: ${CONFIG_FILE}:3:1: YAML syntax error: Map keys must be unique\n` });
    expect((await problems("- rules\n")).err).toBe(`lockreview: ${CONFIG_FILE}: expected a mapping of settings (rules:, fail-on:, paths: …) at the top level\n`);
  });

  test("an empty file is the defaults", async () => {
    expect((await parseConfig("", "x.yml")).rules).toEqual({});
    expect((await parseConfig("# nothing yet\n", "x.yml")).paths).toEqual({ include: [], exclude: [] });
  });

  test("a missing --config file is one line, exit 2", async () => {
    const r = await cli(["review", "--config", join(work, "nope.yml"), join(XDEV, "series")]);
    expect(r).toEqual({ code: 2, out: "", err: `lockreview: ${join(work, "nope.yml")}: cannot read configuration: No such file or directory\n` });
  });

  test("ConfigError carries the problems", async () => {
    await expect(parseConfig("fail-on: 3\n", "c.yml")).rejects.toThrow(ConfigError);
  });
});

describe("finding .lockreview.yml", () => {
  test("at the top of the checkout a directory is in, else in the directory itself", () => {
    const repo = mkdtempSync(join(work, "repo-"));
    mkdirSync(join(repo, ".git"));
    mkdirSync(join(repo, "drivers/block"), { recursive: true });
    expect(findConfigFile([join(repo, "drivers/block")])).toBeNull();
    writeFileSync(join(repo, CONFIG_FILE), "");
    expect(findConfigFile([join(repo, "drivers/block")])).toBe(join(repo, CONFIG_FILE));
    // A file's directory counts; a missing directory is skipped.
    writeFileSync(join(repo, "drivers/block/x.c"), "");
    expect(findConfigFile([join(work, "nonexistent"), join(repo, "drivers/block/x.c")])).toBe(join(repo, CONFIG_FILE));
    const plain = mkdtempSync(join(work, "plain-"));
    writeFileSync(join(plain, CONFIG_FILE), "");
    expect(findConfigFile([plain])).toBe(join(plain, CONFIG_FILE));
  });
});
