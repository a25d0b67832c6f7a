// The deployment files: the Dockerfile's runtime stage holds everything the
// app needs to start (checked by starting the launcher from exactly those
// files, without Docker), every file the build stage copies exists, and the
// systemd unit runs the same launcher in production mode.
import { describe, expect, test } from "@jest/globals";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { startGitHubStub } from "../../scripts/github-stub.mjs";
import { ROOT } from "../ingest/helpers.js";
import { startAppServer } from "./appServer.js";

const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const [buildStage, runtimeStage] = dockerfile.split(/^FROM /m).slice(1) as [string, string];
const copies = (stage: string) => [...stage.matchAll(/^COPY (--from=\w+ )?(.+)$/gm)].map((m) => ({ from: m[1], args: m[2]!.split(/\s+/) }));

describe("Dockerfile", () => {
  test("the build stage copies files that exist", () => {
    for (const c of copies(buildStage)) for (const src of c.args.slice(0, -1)) expect(existsSync(join(ROOT, src))).toBe(true);
  });

  test("the runtime stage runs the launcher in production; its files alone start the app", async () => {
    expect(runtimeStage).toMatch(/^ENV NODE_ENV=production /m);
    expect(runtimeStage).toMatch(/^CMD \["node", "bin\/lockreview-app\.js"\]$/m);
    const dir = mkdtempSync(join(tmpdir(), "lockreview-image-"));
    const stub = await startGitHubStub();
    try {
      for (const c of copies(runtimeStage)) {
        const [src, dest] = [c.args[0]!, c.args[1]!];
        const to = join(dir, dest === "./" ? basename(src) : dest);
        // node_modules: the installed one (the image's is the same minus dev dependencies).
        if (src.endsWith("node_modules")) symlinkSync(join(ROOT, "node_modules"), to);
        else cpSync(join(ROOT, src.replace(/^\/app\//, "")), to, { recursive: true });
      }
      const app = await startAppServer([join(dir, "bin", "lockreview-app.js")], stub.host, {}, dir);
      expect((await fetch(`http://127.0.0.1:${app.port}/ping`)).ok).toBe(true);
      expect(existsSync(join(dir, "package.json"))).toBe(true);
      await app.stop();
    } finally {
      await stub.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("deploy/lockreview-app.service", () => {
  const unit = readFileSync(join(ROOT, "deploy", "lockreview-app.service"), "utf8");
  test("runs bin/lockreview-app.js in production, with the variables from an environment file, and does not loop on a bad environment", () => {
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/node \/opt\/lockreview\/bin\/lockreview-app\.js$/m);
    expect(unit).toMatch(/^Environment=NODE_ENV=production /m);
    expect(unit).toMatch(/^EnvironmentFile=\/etc\/lockreview\/app\.env$/m);
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m);
  });
});
