#!/usr/bin/env node
// Entry point of the installed `lockreview` command: runs the bundled CLI
// (lib/bundle/lockreview.cjs, built by `npm install` through the package's
// `prepare` script; scripts/bundle.mjs) with V8's code cache, so start-up
// does not re-compile it on every run (the sendemail-validate hook runs once
// per patch sent).
//
// The cache is V8's own format, checked by V8 against the source, the V8
// version and its flags; a cache V8 rejects (another node) is only slower,
// and is replaced at exit when the directory is writable.
// LOCKREVIEW_CODE_CACHE=write (scripts/bundle.mjs) always writes it.
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import vm from "node:vm";

const root = fileURLToPath(new URL("..", import.meta.url));
const bundle = fileURLToPath(new URL("../lib/bundle/lockreview.cjs", import.meta.url));
if (!existsSync(bundle)) {
  process.stderr.write(`lockreview: not built yet; run \`npm install\` (or \`npm run build\`) in ${root}\n`);
  process.exit(2);
}

/**
 * A dependency that is gone (node_modules removed or half-installed): one
 * line, not Node's stack trace. This also runs as git's sendemail-validate
 * hook, where that line is all the user sees before the send stops.
 */
function cannotStart(e) {
  if (process.env.LOCKREVIEW_DEBUG) process.stderr.write(`${e?.stack ?? e}\n`);
  else if (e?.code === "ERR_MODULE_NOT_FOUND" || e?.code === "MODULE_NOT_FOUND") {
    const what = /Cannot find (?:package|module) '([^']+)'/.exec(e.message)?.[1] ?? e.message;
    process.stderr.write(`lockreview: cannot start: ${what} is missing; run \`npm install\` in ${root}\n`);
  } else process.stderr.write(`lockreview: cannot start: ${e?.message ?? e} (run with LOCKREVIEW_DEBUG=1 for a stack trace)\n`);
  process.exit(2);
}
const cacheFile = `${bundle}.cache`;
let cachedData;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${readFileSync(bundle, "utf8")}\n})`, {
  filename: bundle,
  ...(cachedData ? { cachedData } : {}),
});
const mod = { exports: {} };
try {
  script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
} catch (e) {
  cannotStart(e);
}
const { run, planWasmTier, v8FlagsChanged } = mod.exports;
const writing = process.env.LOCKREVIEW_CODE_CACHE === "write";
// The cache carries V8's flags: the run that makes it must not change them
// (a short run puts tree-sitter's wasm on Liftoff, a V8 flag).
if (writing) planWasmTier(Infinity);
process.exitCode = await run(process.argv.slice(2));

if ((writing || !cachedData || script.cachedDataRejected) && !v8FlagsChanged()) {
  try {
    const tmp = `${cacheFile}.${process.pid}`;
    writeFileSync(tmp, script.createCachedData());
    renameSync(tmp, cacheFile);
  } catch {
    /* a read-only installation: runs are only slower */
  }
}
