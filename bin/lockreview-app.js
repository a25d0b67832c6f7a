#!/usr/bin/env node
// The GitHub App server (`npm run app`, the Dockerfile and the systemd unit):
// the environment is checked first, one line per problem naming the
// variable (exit 2), then Probot runs the app from lib/ (built by `npm
// install`). Configuration is environment only: APP_ID, PRIVATE_KEY or
// PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, REDIS_URL … (docs/github-app.md).
// CommonJS like everything in bin/ (bin/package.json); the app's modules are
// ES modules, loaded with import().
"use strict";
const { existsSync } = require("node:fs");
const { join, sep } = require("node:path");
const { pathToFileURL } = require("node:url");

const lib = (p) => join(__dirname, "..", "lib", "src", "app", p);
if (!existsSync(lib("index.js"))) {
  process.stderr.write(`lockreview-app: not built yet; run \`npm install\` (or \`npm run build\`) in ${join(__dirname, "..")}${sep}\n`);
  process.exit(2);
}
(async () => {
  const { appEnvProblems } = await import(pathToFileURL(lib("env.js")).href);
  const problems = appEnvProblems(process.env);
  if (problems.length) {
    for (const p of problems) process.stderr.write(`lockreview-app: ${p}\n`);
    process.exit(2);
  }
  const [{ run }, { default: app }] = await Promise.all([import("probot"), import(pathToFileURL(lib("index.js")).href)]);
  await run(app);
})();
