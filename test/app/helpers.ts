// Shared helpers of the GitHub App tests: real webhook payloads from
// @octokit/webhooks-examples (with an installation added, STACK.md P13),
// the hand-written xdev driver of fixtures/examples/xdev as PR trees, a
// generated RSA key, and a Probot whose Octokit neither retries nor throttles
// (P14) so tests run at full speed.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { Probot, ProbotOctokit } from "probot";
import { applyFileDiff } from "../../src/context/apply.js";
import { parseDiffText } from "../../src/ingest/diff.js";
import { createApp, type AppOptions } from "../../src/app/index.js";
import { ROOT } from "../ingest/helpers.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples") as Array<{ name: string; examples: Array<Record<string, unknown> & { action?: string }> }>;

export const OWNER = "Codertocat";
export const REPO = "Hello-World";
export const FULL = `${OWNER}/${REPO}`;
export const NUMBER = 2;
export const INSTALLATION = 2;
export const XDEV = "drivers/block/xdev.c";

export type Action = "opened" | "synchronize" | "reopened" | "ready_for_review";

/** A real `pull_request` example for `action`, with our installation, head and base. */
export function prPayload(action: Action, opts: { head: string; base: string; draft?: boolean; number?: number; changedFiles?: number; repo?: string }) {
  const ex = examples.find((e) => e.name === "pull_request")!.examples.find((e) => e.action === action)!;
  const payload = structuredClone(ex) as Record<string, any>;
  payload.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" };
  const pr = payload.pull_request;
  pr.head = { ...pr.head, sha: opts.head };
  pr.base = { ...pr.base, sha: opts.base };
  pr.draft = opts.draft ?? false;
  if (opts.number !== undefined) {
    payload.number = opts.number;
    pr.number = opts.number;
  }
  if (opts.changedFiles !== undefined) pr.changed_files = opts.changedFiles;
  if (opts.repo) {
    payload.repository = { ...payload.repository, name: opts.repo, full_name: `${OWNER}/${opts.repo}`, id: payload.repository.id + opts.repo.length };
  }
  return payload;
}

/**
 * A real `check_run.rerequested` example, for lockreview's check run on
 * `head` of our pull request (or of no listed pull request: a fork's).
 */
export function rerequestedPayload(opts: { head: string; name?: string; listed?: boolean }) {
  const ex = examples.find((e) => e.name === "check_run")!.examples.find((e) => e.action === "rerequested")!;
  const payload = structuredClone(ex) as Record<string, any>;
  const pr = examples.find((e) => e.name === "pull_request")!.examples.find((e) => e.action === "opened")!;
  payload.repository = structuredClone(pr.repository);
  payload.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" };
  payload.check_run.name = opts.name ?? "lockreview";
  payload.check_run.head_sha = opts.head;
  payload.check_run.pull_requests = opts.listed === false ? [] : [{ number: NUMBER, id: 1, url: "", head: { sha: opts.head }, base: { sha: "0".repeat(40) } }];
  return payload;
}

let key: string | undefined;
export function privateKey(): string {
  key ??= generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return key;
}

/** Octokit for tests: no retries, no throttling, whatever the app asks for. */
export const TestOctokit = ProbotOctokit.defaults((o: Record<string, any>) => ({
  ...o,
  retry: { enabled: false },
  throttle: { ...o.throttle, enabled: false },
}));

export function makeProbot(options: AppOptions = {}): Probot {
  const probot = new Probot({ appId: 123, privateKey: privateKey(), logLevel: "fatal", Octokit: TestOctokit });
  probot.load(createApp(options));
  return probot;
}

// The xdev driver (hand-written for lockreview, fixtures/examples/xdev).
const XDEV_DIR = join(ROOT, "fixtures", "examples", "xdev");

export function xdevBase(): Record<string, string> {
  return { [XDEV]: readFileSync(join(XDEV_DIR, "tree", XDEV), "utf8") };
}

/** The tree after patch 1 of the series: del_gendisk() under xdev_index_mutex (lock-across-del-gendisk). */
export function xdevBad(): Record<string, string> {
  const base = xdevBase();
  const patch = readFileSync(join(XDEV_DIR, "series", "v2-0001-xdev-remove-the-device-before-releasing-its-index.patch"), "utf8");
  const fd = parseDiffText(patch).files[0]!;
  const r = applyFileDiff(base[XDEV]!, fd);
  if (!r.ok || r.text === null) throw new Error("xdev patch 1 does not apply");
  return { [XDEV]: r.text };
}

/** A later push of the same PR that keeps the comment but removes the device after the unlock again. */
export function xdevFixed(): Record<string, string> {
  const text = xdevBase()[XDEV]!.replace(
    "\tmutex_unlock(&xdev_index_mutex);\n\n\txdev_remove(xd);\n\treturn 0;",
    "\tmutex_unlock(&xdev_index_mutex);\n\n\t/* del_gendisk() takes open_mutex: never call it under xdev_index_mutex. */\n\txdev_remove(xd);\n\treturn 0;",
  );
  if (text === xdevBase()[XDEV]) throw new Error("xdevFixed: anchor text not found");
  return { [XDEV]: text };
}

/**
 * A PR that drops destroy_workqueue() from a teardown too long for the
 * hunk's three lines of context to show its first line, where the finding
 * (xdev_remove() no longer waits) is anchored: outside the diff.
 */
export function xdevLeak(): { base: Record<string, string>; head: Record<string, string> } {
  const pad = "\tdel_gendisk(xd->disk);\n" + ["", "\t/*", "\t * The disk is gone: nothing new can be queued on io_wq,", "\t * but work queued before del_gendisk() may still run.", "\t */"].join("\n") + "\n";
  const base = xdevBase()[XDEV]!.replace("\tdel_gendisk(xd->disk);\n", pad);
  if (base === xdevBase()[XDEV]) throw new Error("xdevLeak: anchor text not found");
  return { base: { [XDEV]: base }, head: { [XDEV]: base.replace("\tdestroy_workqueue(xd->io_wq);\n", "") } };
}

/** Line (1-based) of the first line containing `needle`. */
export function lineOf(text: string, needle: string, from = 0): number {
  const lines = text.split("\n");
  for (let i = from; i < lines.length; i++) if (lines[i]!.includes(needle)) return i + 1;
  throw new Error(`not found: ${needle}`);
}
