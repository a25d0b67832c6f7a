#!/usr/bin/env node
// The CLI as one file, for start-up: lib/bundle/lockreview.cjs, which
// bin/lockreview.js runs with a V8 code cache (lib/bundle/lockreview.cjs.cache).
// Built by `npm install` (prepare) and before the tests (pretest), through
// scripts/build-if-stale.mjs.
//
// Why: loading ~120 ES modules of ours plus their dependencies through
// node's module loader cost ~0.2 s of CPU before the first patch was read
// (`lockreview --version`: 0.16 s against 0.045 s for `node -e 0`); one
// script with a code cache costs ~0.02 s. Details in docs/benchmarks.md.
//
//  - CommonJS, not ESM: node 20 can give a code cache only to a vm.Script.
//    Dynamic imports (formatters, the configuration schema, nodemailer,
//    mailparser) stay lazy: esbuild turns them into functions that run the
//    module's code on first use.
//  - web-tree-sitter's CommonJS build: its ESM build declares a `require` of
//    its own that shadows the bundle's.
//  - The built-in kernel table is validated here, with zod, and embedded
//    validated (src/kernel/builtin.ts is replaced), so a run without a
//    configuration file never loads zod.
//  - The worker-thread entries (`check` on many commits, LOCKREVIEW_WORKERS
//    body decoding) and the review pool's child process (a big mailbox) are
//    bundled beside it under the names the pools look for.
//  - The code cache is made by running the bundle once on the bundled
//    example series (bin/lockreview.js with LOCKREVIEW_CODE_CACHE=write), so
//    it holds the functions a review compiles, not only the top level.
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const BUNDLE_DIR = join(ROOT, "lib", "bundle");
export const BUNDLE = join(BUNDLE_DIR, "lockreview.cjs");

/** Dependencies left out of the start-up bundle (see bundle()). */
export const LAZY_PACKAGES = ["mailparser", "nodemailer", "yaml", "zod"];

const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  logLevel: "warning",
  absWorkingDir: ROOT,
  legalComments: "none",
};

/** The built-in kernel table, validated by src/kernel/builtin.ts (zod), as JSON. */
export async function validatedKernelTable() {
  const tmp = join(BUNDLE_DIR, `.kernel-table-${process.pid}.mjs`);
  mkdirSync(BUNDLE_DIR, { recursive: true });
  try {
    await build({ ...common, entryPoints: ["src/kernel/builtin.ts"], format: "esm", outfile: tmp });
    const { BUILTIN_KERNEL } = await import(pathToFileURL(tmp).href);
    const json = JSON.stringify(BUILTIN_KERNEL);
    // Nothing may be lost on the way (a RegExp, an undefined, a function).
    if (!isDeepStrictEqual(JSON.parse(json), BUILTIN_KERNEL)) throw new Error("the validated kernel table does not survive JSON");
    return json;
  } finally {
    rmSync(tmp, { force: true });
  }
}

const prevalidatedKernel = (json) => ({
  name: "prevalidated-kernel-table",
  setup(b) {
    b.onLoad({ filter: /[\\/]src[\\/]kernel[\\/]builtin\.ts$/ }, () => ({
      contents: `// Validated at build time by scripts/bundle.mjs.\nexport const BUILTIN_KERNEL = ${json};\n`,
      loader: "ts",
    }));
  },
});

// The packages themselves only: a file of theirs that start-up needs
// (nodemailer's address parser, for mail headers) is bundled.
const lazyPackages = {
  name: "lazy-packages",
  setup(b) {
    b.onResolve({ filter: new RegExp(`^(${LAZY_PACKAGES.join("|")})$`) }, (args) => ({ path: args.path, external: true }));
  },
};

export async function bundle() {
  rmSync(BUNDLE_DIR, { recursive: true, force: true });
  const kernel = prevalidatedKernel(await validatedKernelTable());
  const urlShim = 'const __lockreview_url = require("node:url").pathToFileURL(__filename).href;';
  await build({
    ...common,
    entryPoints: { lockreview: "src/cli/bundleEntry.ts" },
    outdir: BUNDLE_DIR,
    outExtension: { ".js": ".cjs" },
    format: "cjs",
    // Lowered to a lazy require: node 20's vm.Script has no loader for import().
    supported: { "dynamic-import": false },
    define: { "import.meta.url": "__lockreview_url" },
    banner: { js: urlShim },
    alias: { "web-tree-sitter": "./node_modules/web-tree-sitter/web-tree-sitter.cjs" },
    // Loaded from node_modules when first used, not read on every start:
    // mailparser (a few messages need it), nodemailer (--format email), yaml
    // and zod (a configuration file; JSON output's validation).
    plugins: [kernel, lazyPackages],
  });
  // Workers are ES modules (this package is "type": "module"); CommonJS
  // dependencies inside them need a require.
  await build({
    ...common,
    entryPoints: { checkWorker: "src/git/checkWorker.ts", bodyWorker: "src/ingest/bodyWorker.ts", reviewChild: "src/review/reviewChild.ts" },
    outdir: BUNDLE_DIR,
    format: "esm",
    banner: { js: 'import { createRequire as __lockreviewRequire } from "node:module"; const require = __lockreviewRequire(import.meta.url);' },
    plugins: [kernel],
  });
  makeCodeCache();
}

/** Run the bundle on the example series, then let bin/lockreview.js write the code cache. */
export function makeCodeCache() {
  const ex = join(ROOT, "fixtures", "examples", "xdev");
  execFileSync(
    process.execPath,
    [join(ROOT, "bin", "lockreview.js"), "review", "--no-progress", "--fail-on", "none", "--tree", join(ex, "tree"), join(ex, "series")],
    { env: { ...process.env, LOCKREVIEW_CODE_CACHE: "write" }, stdio: ["ignore", "ignore", "inherit"] },
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await bundle();
