#!/usr/bin/env node
// `npm run bench`: run every scripts/bench/*.mjs in name order, each as its
// own process (so one benchmark's heap does not skew the next), and stop
// with a non-zero status if any of them failed. Each script prints its own
// table and writes its figures to .bench/<name>.json.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = new URL("./bench/", import.meta.url);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".mjs")).sort();
let failed = 0;
for (const s of scripts) {
  process.stdout.write(`\n== bench/${s}\n`);
  const r = spawnSync(process.execPath, [join(dir.pathname, s), ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`bench/${s} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exitCode = failed ? 1 : 0;
