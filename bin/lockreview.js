#!/usr/bin/env node
// Entry point of the installed `lockreview` command. The TypeScript sources
// are compiled to lib/ by `npm install` (the package's `prepare` script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const main = new URL("../lib/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(`lockreview: not built yet; run \`npm install\` (or \`npm run build\`) in ${root}\n`);
  process.exit(2);
}
let run;
try {
  ({ run } = await import(main.href));
} catch (e) {
  // A dependency that is gone (node_modules removed or half-installed): one
  // line, not Node's stack trace. This also runs as git's sendemail-validate
  // hook, where that line is all the user sees before the send stops.
  if (process.env.LOCKREVIEW_DEBUG) process.stderr.write(`${e?.stack ?? e}\n`);
  else if (e?.code === "ERR_MODULE_NOT_FOUND") {
    const what = /Cannot find (?:package|module) '([^']+)'/.exec(e.message)?.[1] ?? e.message;
    process.stderr.write(`lockreview: cannot start: ${what} is missing; run \`npm install\` in ${root}\n`);
  } else process.stderr.write(`lockreview: cannot start: ${e?.message ?? e} (run with LOCKREVIEW_DEBUG=1 for a stack trace)\n`);
  process.exit(2);
}
process.exitCode = await run(process.argv.slice(2));
