#!/usr/bin/env node
// The GitHub App server (`npm run app`, the Dockerfile and the systemd unit):
// the environment is checked first, one line per problem naming the
// variable (exit 2), then Probot runs the app from lib/ (built by `npm
// install`). Configuration is environment only: APP_ID, PRIVATE_KEY or
// PRIVATE_KEY_PATH, WEBHOOK_SECRET, PORT, HOST, REDIS_URL … (docs/github-app.md).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const lib = (p) => new URL(`../lib/src/app/${p}`, import.meta.url);
if (!existsSync(fileURLToPath(lib("index.js")))) {
  process.stderr.write(`lockreview-app: not built yet; run \`npm install\` (or \`npm run build\`) in ${fileURLToPath(new URL("..", import.meta.url))}\n`);
  process.exit(2);
}
const { appEnvProblems } = await import(lib("env.js").href);
const problems = appEnvProblems(process.env);
if (problems.length) {
  for (const p of problems) process.stderr.write(`lockreview-app: ${p}\n`);
  process.exit(2);
}
const [{ run }, { default: app }] = await Promise.all([import("probot"), import(lib("index.js").href)]);
await run(app);
