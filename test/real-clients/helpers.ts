// A temporary public-inbox (Debian's package): create a v2 inbox, deliver
// messages with public-inbox-mda as an MTA would, serve it with
// public-inbox-httpd on 127.0.0.1. Shared by the real-client tests; each
// test skips with a message when the tools are missing (.ci/run
// apt-installs public-inbox).
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../helpers/net.js";

export const PI_TOOLS = ["public-inbox-init", "public-inbox-mda", "public-inbox-httpd", "git"];

/** The tools of `tools` that are not on PATH. */
export function missingTools(tools: string[] = PI_TOOLS): string[] {
  return tools.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status !== 0);
}

export async function waitFor(url: string, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      const r = await fetch(url);
      if (r.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  return false;
}

export interface Inbox {
  /** Temporary directory holding the inbox and its config (HOME of the tools). */
  dir: string;
  /** http://127.0.0.1:<port> once served. */
  base: string;
  name: string;
  address: string;
  httpd?: ChildProcess;
}

function env(ib: Inbox): NodeJS.ProcessEnv {
  return { ...process.env, HOME: ib.dir, PI_CONFIG: join(ib.dir, "config") };
}

function run(ib: Inbox, cmd: string, args: string[], input?: Buffer): void {
  const r = spawnSync(cmd, args, { env: { ...env(ib), ORIGINAL_RECIPIENT: ib.address }, input, encoding: "buffer" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr?.toString() || r.error?.message}`);
}

/** Create an empty v2 inbox in `dir`. Throws with the reason. */
export function createInbox(dir: string, name = "test", address = "test@example.org"): Inbox {
  const ib: Inbox = { dir, base: "", name, address };
  run(ib, "public-inbox-init", ["-V2", "-L", "basic", name, join(dir, "inbox"), `http://127.0.0.1/${name}`, address]);
  // No spamc here: deliver without a spam check.
  run(ib, "git", ["config", "-f", join(dir, "config"), "publicinboxmda.spamcheck", "none"]);
  return ib;
}

/** Deliver one raw message as an MTA would (public-inbox-mda indexes it at once). */
export function deliver(ib: Inbox, raw: Buffer): void {
  run(ib, "public-inbox-mda", ["--no-precheck"], raw);
}

/** Serve the inbox on a free port of 127.0.0.1. */
export async function serve(ib: Inbox): Promise<void> {
  const port = await freePort();
  ib.base = `http://127.0.0.1:${port}`;
  // -W0: one process, no workers, so killing it by pid stops everything.
  ib.httpd = spawn("public-inbox-httpd", ["-W0", "-l", ib.base], { env: env(ib), stdio: "ignore" });
  if (!(await waitFor(`${ib.base}/${ib.name}/`, 15000))) throw new Error("public-inbox-httpd did not answer within 15 s");
}

/** Stop httpd (by its pid) and remove the directory. */
export function stopInbox(ib: Inbox): void {
  if (ib.httpd?.pid) ib.httpd.kill("SIGTERM");
  if (ib.dir) rmSync(ib.dir, { recursive: true, force: true });
}
