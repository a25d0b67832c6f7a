// Rebuild lib/ when any TypeScript source is newer than the last build, so
// tests that run the real binary never see stale code: tsc's output in lib/
// (the GitHub App, the benchmarks) and the bundled CLI in lib/bundle/ that
// bin/lockreview.js runs (scripts/bundle.mjs). tsc takes ~12 s, the bundle
// ~2 s; a fresh build is skipped when nothing changed.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const stamp = "lib/.build-stamp";
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (/\.(ts|json)$/.test(e.name)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const inputs = ["tsconfig.json", "package.json", "scripts/bundle.mjs", "bin/lockreview.js"];
const src = Math.max(newest("src"), newest("rules"), ...inputs.map((f) => statSync(f).mtimeMs));
const stale = process.argv.includes("--force") || !existsSync(stamp) || statSync(stamp).mtimeMs < src || !existsSync("lib/bundle/lockreview.cjs");
if (stale) {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
  const { bundle } = await import("./bundle.mjs");
  await bundle();
  writeFileSync(stamp, new Date().toISOString() + "\n");
}
