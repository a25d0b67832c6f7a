// A real redis-server (Debian's) for the tests that share state between app
// replicas: started on 127.0.0.1 with a free port and a temporary directory,
// no persistence; null (with the reason) when redis-server is not installed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitFor } from "./net.js";

export interface RedisServer {
  url: string;
  close(): Promise<void>;
}

export function redisMissing(): string | null {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0 ? null : "redis-server is not installed (apt-get install redis-server)";
}

/** PING over a plain socket: the server is up when it answers +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.setTimeout(500, () => (s.destroy(), resolve(false)));
    s.on("error", () => resolve(false));
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", (d) => (s.end(), resolve(d.toString().startsWith("+PONG"))));
  });
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "lockreview-redis-"));
  let logs = "";
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no", "--protected-mode", "yes"], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (logs += d));
  child.stderr!.on("data", (d) => (logs += d));
  await waitFor(() => ping(port), () => `redis-server did not answer:\n${logs}`, 10_000);
  return {
    url: `redis://127.0.0.1:${port}`,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
