// The bundled CLI that bin/lockreview.js runs (lib/bundle/, built by
// `pretest` through scripts/bundle.mjs): its start-up loads nothing it does
// not need, and V8 accepts its code cache.
import { describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, fx } from "../ingest/helpers.js";

const BIN = join(ROOT, "bin", "lockreview.js");
const BUNDLE = join(ROOT, "lib", "bundle", "lockreview.cjs");

/** Run the executable in a node that reports, at exit, which packages of node_modules were loaded. */
function packagesLoaded(args: string[]): { status: number | null; stdout: string; loaded: string[] } {
  const probe = `
    import { createRequire } from "node:module";
    const cache = createRequire(import.meta.url).cache;
    process.on("exit", () => {
      const names = Object.keys(cache).filter((k) => k.includes("/node_modules/")).map((k) => k.split("/node_modules/").pop().split("/")[0]);
      process.stderr.write("LOADED " + JSON.stringify([...new Set(names)].sort()) + "\\n");
    });
    process.argv.splice(1, 0, ${JSON.stringify(BIN)});
    await import(${JSON.stringify(pathToFileURL(BIN).href)});
  `;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", probe, ...args], { encoding: "utf8" });
  const line = r.stderr.split("\n").find((l) => l.startsWith("LOADED "));
  if (!line) throw new Error(`no report from the probe: ${r.stderr}`);
  return { status: r.status, stdout: r.stdout, loaded: JSON.parse(line.slice(7)) };
}

describe("the bundled CLI", () => {
  test("a one-patch review loads neither zod, yaml, mailparser nor nodemailer", () => {
    const r = packagesLoaded(["review", "--fail-on", "none", fx("0001-demo_blk-flush-reset-work.patch")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("[PATCH] demo_blk: flush reset work on last close");
    for (const p of ["zod", "yaml", "mailparser", "nodemailer"]) expect(r.loaded).not.toContain(p);
  });

  test("they are loaded when needed: JSON output validates with zod, a multipart mail needs mailparser", () => {
    const r = packagesLoaded(["review", "--format", "json", "--fail-on", "none", fx("attachment.eml")]);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).patches.length).toBe(1);
    expect(r.loaded).toEqual(expect.arrayContaining(["zod", "mailparser"]));
  });

  test("V8 accepts the code cache made at build time", () => {
    const check = `
      const { readFileSync } = require("node:fs");
      const vm = require("node:vm");
      const f = ${JSON.stringify(BUNDLE)};
      const s = new vm.Script("(function (exports, require, module, __filename, __dirname) {" + readFileSync(f, "utf8") + "\\n})", { filename: f, cachedData: readFileSync(f + ".cache") });
      process.stdout.write(String(s.cachedDataRejected));
    `;
    const r = spawnSync(process.execPath, ["-e", check], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("false");
  });
});
