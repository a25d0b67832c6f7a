#!/usr/bin/env node
// Entry point of the installed `lockreview` command. The TypeScript sources
// are compiled to lib/ by `npm install` (the package's `prepare` script).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../lib/src/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write("lockreview: not built yet; run `npm install` (or `npm run build`) in " +
    fileURLToPath(new URL("..", import.meta.url)) + "\n");
  process.exit(2);
}
const { run } = await import(main.href);
process.exitCode = await run(process.argv.slice(2));
