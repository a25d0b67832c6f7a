#!/usr/bin/env node
// GitHub App benchmark, against the local GitHub stub (scripts/github-stub.mjs;
// 127.0.0.1, no network):
//   1. latency: a signed `pull_request.opened` webhook for a 5-file driver PR
//      POSTed to Probot's webhook middleware, until the review reaches the
//      stub — median of 10 PRs (each with fresh contents, so no cache hits),
//      split into our own time and the stub's (target: ≤ 1 s of our own);
//   2. concurrency: 20 such PRs (20 repositories) delivered at once; every
//      one must get its review; memory per concurrent PR from the peak.
// Throttling is off here: plugin-throttling deliberately spaces writes by
// 1 s and review posts by 3 s in production (GitHub's guidance), which is
// waiting, not our time. Figures go to .bench/app.json.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join } from "node:path";
import { sign } from "@octokit/webhooks-methods";
import { createNodeMiddleware, Probot, ProbotOctokit } from "probot";
import { startGitHubStub } from "../github-stub.mjs";

const root = new URL("../../", import.meta.url).pathname;
const { createApp } = await import(new URL("lib/src/app/index.js", `file://${root}`).href);
const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples");
const opened = examples.find((e) => e.name === "pull_request").examples.find((e) => e.action === "opened");

// A made-up 5-file driver (written for this benchmark): xdev.c of the
// bundled example as the core, three more C files and a header, linked into
// one module by a kbuild Makefile, ~800 lines. The PR changes all five
// files; one change puts del_gendisk() under xdev_index_mutex.
const xdev = readFileSync(join(root, "fixtures/examples/xdev/tree/drivers/block/xdev.c"), "utf8");
function helperFile(name, n) {
  const out = [`// SPDX-License-Identifier: GPL-2.0\n/* ${name}: part of the benchmark driver. */\n#include "ydev.h"\n`];
  for (let i = 0; i < n; i++) {
    out.push(`static DEFINE_MUTEX(${name}_lock_${i});\n\nint ${name}_op_${i}(struct xdev *xd, int arg)\n{\n\tint ret = 0;\n\n\tmutex_lock(&${name}_lock_${i});\n\tif (arg > ${i})\n\t\tret = xd->openers + arg;\n\telse\n\t\tqueue_work(xd->io_wq, &xd->io_work);\n\tmutex_unlock(&${name}_lock_${i});\n\treturn ret;\n}\n`);
  }
  return out.join("\n");
}
function driver(variant) {
  const tag = `/* build ${variant} */\n`;
  return {
    "drivers/block/ydev/Makefile": "obj-$(CONFIG_YDEV) += ydev.o\nydev-y := ydev_main.o ydev_io.o ydev_ctl.o ydev_sysfs.o\n",
    "drivers/block/ydev/ydev.h": `${tag}#ifndef YDEV_H\n#define YDEV_H\n#include <linux/blkdev.h>\n#include <linux/workqueue.h>\nstruct xdev {\n\tint index;\n\tint openers;\n\tstruct gendisk *disk;\n\tstruct workqueue_struct *io_wq;\n\tstruct work_struct io_work;\n};\n#endif\n`,
    "drivers/block/ydev/ydev_main.c": tag + xdev.replace("struct xdev {\n\tint index;\n\tint openers;\n\tstruct gendisk *disk;\n\tstruct workqueue_struct *io_wq;\n\tstruct work_struct io_work;\n};\n", '#include "ydev.h"\n'),
    "drivers/block/ydev/ydev_io.c": tag + helperFile("ydev_io", 14),
    "drivers/block/ydev/ydev_ctl.c": tag + helperFile("ydev_ctl", 14),
    "drivers/block/ydev/ydev_sysfs.c": tag + helperFile("ydev_sysfs", 14),
  };
}
function change(tree) {
  const out = { ...tree };
  out["drivers/block/ydev/ydev_main.c"] = out["drivers/block/ydev/ydev_main.c"].replace(
    "\tidr_remove(&xdev_idr, index);\n\tmutex_unlock(&xdev_index_mutex);\n\n\txdev_remove(xd);\n",
    "\txdev_remove(xd);\n\tidr_remove(&xdev_idr, index);\n\tmutex_unlock(&xdev_index_mutex);\n",
  );
  for (const f of ["ydev_io.c", "ydev_ctl.c", "ydev_sysfs.c"]) out[`drivers/block/ydev/${f}`] = out[`drivers/block/ydev/${f}`].replace("ret = xd->openers + arg;", "ret = xd->openers + arg + 1;");
  out["drivers/block/ydev/ydev.h"] = out["drivers/block/ydev/ydev.h"].replace("\tint openers;\n", "\tint openers;\n\tint flags;\n");
  return out;
}

const SECRET = "bench-secret";
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const stub = await startGitHubStub();
const Octokit = ProbotOctokit.defaults((o) => ({ ...o, retry: { enabled: false }, throttle: { ...o.throttle, enabled: false } }));
const probot = new Probot({ appId: 1, privateKey, secret: SECRET, logLevel: "fatal", baseUrl: `${stub.url}/api/v3`, Octokit });
const middleware = await createNodeMiddleware(createApp(), { probot });
const server = createServer((req, res) => middleware(req, res, () => { res.writeHead(404); res.end(); }));
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const hook = `http://127.0.0.1:${server.address().port}/api/github/webhooks`;

let seq = 0;
/** Create a PR in the stub and deliver its `opened` webhook; resolves with timings once the review is posted. */
async function deliverPr(repo, number) {
  const v = seq++;
  const base = driver(v);
  const head = change(base);
  const full = `bench/${repo}`;
  const { baseSha, headSha } = stub.setPullRequest(full, number, { base, head, label: `h${v}` });
  const payload = structuredClone(opened);
  payload.installation = { id: 7 };
  payload.repository = { ...payload.repository, name: repo, full_name: full, owner: { ...payload.repository.owner, login: "bench" }, id: 1000 + v };
  payload.number = number;
  payload.pull_request = { ...payload.pull_request, number, head: { ...payload.pull_request.head, sha: headSha }, base: { ...payload.pull_request.base, sha: baseSha } };
  const body = JSON.stringify(payload);
  const signature = await sign(SECRET, body);
  const busy0 = stub.busyMs();
  const t0 = Date.now();
  const res = await fetch(hook, { method: "POST", headers: { "content-type": "application/json", "x-github-event": "pull_request", "x-github-delivery": `bench-${v}`, "x-hub-signature-256": signature }, body });
  await res.text();
  const r = stub.repo(full);
  const review = r.reviews.find((x) => x.commit_id === headSha);
  const posted = stub.requests.find((q) => q.method === "POST" && q.path === `/api/v3/repos/${full}/pulls/${number}/reviews` && q.at >= t0);
  return {
    ok: res.status === 200 && !!review && review.body.includes("1 error"),
    inline: r.comments.filter((c) => c.pull === number && c.line !== undefined).length,
    toReviewMs: posted ? posted.at - t0 : NaN,
    totalMs: Date.now() - t0,
    stubMs: stub.busyMs() - busy0,
    requests: stub.requests.filter((q) => q.path.includes(`/repos/${full}/`) && q.at >= t0).length,
  };
}

// Warm-up (wasm, JIT, installation token).
for (let i = 0; i < 3; i++) await deliverPr(`warm${i}`, 1);

// 1. Latency, one PR at a time.
const runs = [];
for (let i = 0; i < 10; i++) runs.push(await deliverPr(`seq${i}`, 2));
if (runs.some((r) => !r.ok || r.inline !== 1)) throw new Error(`a sequential run did not post its review: ${JSON.stringify(runs)}`);
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const latency = {
  runs: runs.length,
  files: 5,
  lines: Object.values(change(driver(0))).reduce((n, t) => n + t.split("\n").length, 0),
  medianToReviewMs: med(runs.map((r) => r.toReviewMs)),
  medianTotalMs: med(runs.map((r) => r.totalMs)),
  medianStubMs: med(runs.map((r) => r.stubMs)),
  medianOwnMs: med(runs.map((r) => r.totalMs - r.stubMs)),
  requestsPerPr: med(runs.map((r) => r.requests)),
};

// 2. Twenty PRs at once.
global.gc?.();
await new Promise((r) => setTimeout(r, 50));
const before = process.memoryUsage();
let peakHeap = before.heapUsed;
let peakRss = before.rss;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
}, 5);
const t0 = Date.now();
const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => deliverPr(`burst${i}`, 3)));
const burstMs = Date.now() - t0;
clearInterval(sampler);
const reviews = burst.filter((r) => r.ok).length;
const concurrency = {
  deliveries: 20,
  reviews,
  wallMs: burstMs,
  heapBeforeMB: before.heapUsed / 2 ** 20,
  peakHeapMB: peakHeap / 2 ** 20,
  peakRssMB: peakRss / 2 ** 20,
  heapPerPrMB: (peakHeap - before.heapUsed) / 20 / 2 ** 20,
  rssPerPrMB: (peakRss - before.rss) / 20 / 2 ** 20,
};

console.log(`5-file driver PR (${latency.lines} lines), webhook → review posted, median of ${latency.runs}:`);
console.log(`  to review posted ${latency.medianToReviewMs} ms; whole delivery ${latency.medianTotalMs} ms = ours ${latency.medianOwnMs.toFixed(0)} ms + stub ${latency.medianStubMs.toFixed(0)} ms (target: ours ≤ 1000 ms); ${latency.requestsPerPr} API requests`);
console.log(`20 simultaneous deliveries: ${reviews}/20 reviews posted in ${burstMs} ms; heap ${concurrency.heapBeforeMB.toFixed(0)} → ${concurrency.peakHeapMB.toFixed(0)} MB (${concurrency.heapPerPrMB.toFixed(1)} MB per concurrent PR), peak RSS ${concurrency.peakRssMB.toFixed(0)} MB (+${concurrency.rssPerPrMB.toFixed(1)} MB per PR)`);

mkdirSync(join(root, ".bench"), { recursive: true });
writeFileSync(join(root, ".bench/app.json"), JSON.stringify({ date: new Date().toISOString(), node: process.version, latency, concurrency }, null, 2) + "\n");
server.close();
server.closeAllConnections?.();
await stub.close();
if (reviews !== 20) {
  console.error(`lost reviews: ${20 - reviews}`);
  process.exitCode = 1;
}
