// The app's start in production: a missing or broken variable is one line
// naming it (exit 2), never Probot's stack trace; outside production a
// missing id or key is Probot's setup flow, so only broken values count.
import { describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { appEnvProblems } from "../../src/app/env.js";
import { ROOT } from "../ingest/helpers.js";
import { privateKey } from "./helpers.js";

const BIN = join(ROOT, "bin", "lockreview-app.js");

describe("the app's environment", () => {
  test("NODE_ENV=production without APP_ID: one line naming APP_ID, exit 2, no stack trace (the real launcher)", () => {
    const r = spawnSync(process.execPath, [BIN], { env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", PRIVATE_KEY: privateKey(), WEBHOOK_SECRET: "s" }, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe("lockreview-app: APP_ID is not set: the GitHub App's id (its settings page, \"App ID\")\n");
    expect(r.stdout).toBe("");
  });

  test("each production problem is its own line; a good environment has none", () => {
    const dir = mkdtempSync(join(tmpdir(), "lockreview-env-"));
    try {
      writeFileSync(join(dir, "key.pem"), privateKey());
      writeFileSync(join(dir, "notakey.pem"), "hello\n");
      const prod = { NODE_ENV: "production" };
      expect(appEnvProblems({ ...prod, APP_ID: "123", PRIVATE_KEY_PATH: join(dir, "key.pem"), WEBHOOK_SECRET: "s" })).toEqual([]);
      expect(appEnvProblems(prod)).toEqual([
        expect.stringMatching(/^APP_ID is not set/),
        expect.stringMatching(/^PRIVATE_KEY \(or PRIVATE_KEY_PATH\) is not set/),
        expect.stringMatching(/^WEBHOOK_SECRET is not set/),
      ]);
      expect(appEnvProblems({ ...prod, APP_ID: "12x", PRIVATE_KEY_PATH: join(dir, "missing.pem"), WEBHOOK_SECRET: "s" })).toEqual([
        "APP_ID '12x' is not a number (the GitHub App's id)",
        `PRIVATE_KEY_PATH '${join(dir, "missing.pem")}' cannot be read: ENOENT`,
      ]);
      expect(appEnvProblems({ ...prod, APP_ID: "1", PRIVATE_KEY_PATH: join(dir, "notakey.pem"), WEBHOOK_SECRET: "s" })).toEqual([`PRIVATE_KEY_PATH '${join(dir, "notakey.pem")}' is not a PEM private key`]);
      // Development: nothing set is the setup flow, not an error.
      expect(appEnvProblems({})).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
