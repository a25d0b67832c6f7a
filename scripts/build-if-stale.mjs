// Rebuild lib/ when any TypeScript source is newer than the last build, so
// tests that run the real binary never see stale code (tsc takes ~12 s; a
// fresh build is skipped when nothing changed).
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
const src = Math.max(newest("src"), newest("rules"), statSync("tsconfig.json").mtimeMs);
if (process.argv.includes("--force") || !existsSync(stamp) || statSync(stamp).mtimeMs < src) {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
  writeFileSync(stamp, new Date().toISOString() + "\n");
}
