// The app as a real server for end-to-end tests: a child process pointed at
// the local GitHub stub (GHE_HOST/GHE_PROTOCOL), webhooks signed the way
// GitHub signs them.
import { spawn, type ChildProcess } from "node:child_process";
import { sign } from "@octokit/webhooks-methods";
import { freePort, waitFor } from "../helpers/net.js";
import { privateKey } from "./helpers.js";

export const SECRET = "e2e-webhook-secret";

export interface AppServer {
  port: number;
  logs(): string;
  deliver(id: string, payload: unknown, opts?: { event?: string; signature?: string }): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
}

/** Start `args` (a script and its arguments, run with node) as the app, in production mode, against `githubHost`. */
export async function startAppServer(args: string[], githubHost: string, extraEnv: Record<string, string> = {}, cwd = process.cwd()): Promise<AppServer> {
  const port = await freePort();
  let logs = "";
  const child: ChildProcess = spawn(process.execPath, args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      APP_ID: "123",
      PRIVATE_KEY: privateKey(),
      WEBHOOK_SECRET: SECRET,
      // The port goes through the environment (`probot run -p` ignores it).
      PORT: String(port),
      HOST: "127.0.0.1",
      GHE_HOST: githubHost,
      GHE_PROTOCOL: "http",
      LOG_FORMAT: "json",
      LOG_LEVEL: "debug",
      // Missing credentials are an error, never the setup flow.
      NODE_ENV: "production",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (logs += d));
  child.stderr!.on("data", (d) => (logs += d));
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/ping`)).ok, () => `server output:\n${logs}`);
  return {
    port,
    logs: () => logs,
    async deliver(id, payload, opts = {}) {
      const body = JSON.stringify(payload);
      const res = await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": opts.event ?? "pull_request",
          "x-github-delivery": id,
          "x-hub-signature-256": opts.signature ?? (await sign(SECRET, body)),
        },
        body,
      });
      return { status: res.status, text: await res.text() };
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
