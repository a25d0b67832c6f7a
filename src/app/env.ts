// The app's environment, checked before Probot starts. In production
// (NODE_ENV=production) Probot ends a missing APP_ID in a stack trace and
// runs with no webhook secret at all; an operator should read one line per
// problem, naming the variable. Outside production a missing id or key is
// Probot's first-run setup flow (registering the app from app.yml), so only
// a given-but-broken value is a problem there.
import { readFileSync } from "node:fs";

export function appEnvProblems(env: NodeJS.ProcessEnv): string[] {
  const production = env["NODE_ENV"] === "production";
  const out: string[] = [];
  const appId = env["APP_ID"];
  if (appId === undefined || appId === "") {
    if (production) out.push("APP_ID is not set: the GitHub App's id (its settings page, \"App ID\")");
  } else if (!/^\d+$/.test(appId)) out.push(`APP_ID '${appId}' is not a number (the GitHub App's id)`);
  const keyPath = env["PRIVATE_KEY_PATH"];
  if (!env["PRIVATE_KEY"] && keyPath) {
    try {
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(keyPath, "utf8"))) out.push(`PRIVATE_KEY_PATH '${keyPath}' is not a PEM private key`);
    } catch (e) {
      out.push(`PRIVATE_KEY_PATH '${keyPath}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  } else if (!env["PRIVATE_KEY"] && production) {
    out.push("PRIVATE_KEY (or PRIVATE_KEY_PATH) is not set: the GitHub App's private key, PEM");
  }
  // Without a secret anyone who can reach the server could post fake events.
  if (production && !env["WEBHOOK_SECRET"]) out.push("WEBHOOK_SECRET is not set: the webhook secret given when the GitHub App was registered");
  return out;
}
