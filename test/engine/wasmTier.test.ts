// tree-sitter's wasm runs on V8's baseline compiler unless a command expects
// to parse more than a megabyte (then TurboFan tiering pays); the decision is
// made once, before the first parse. Each case runs in a fresh node (the
// V8 flags are per process), on the compiled module in lib/.
import { expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../ingest/helpers.js";

const mod = join(ROOT, "lib", "src", "cmodel", "wasmTier.js");
const maybe = existsSync(mod) ? test : test.skip;
if (!existsSync(mod)) console.log(`[skip] wasm tier: ${mod} not built (npm test builds it in pretest)`);

function decide(calls: string): { tier: string; changed: boolean } {
  const code = `const w = await import(${JSON.stringify(pathToFileURL(mod).href)}); ${calls}; const tier = w.applyWasmTier(); w.planWasmTier(1e12); process.stdout.write(JSON.stringify({ tier, again: w.applyWasmTier(), changed: w.wasmFlagsChanged() }));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  const out = JSON.parse(r.stdout);
  expect(out.again).toBe(out.tier); // decided once
  return { tier: out.tier, changed: out.changed };
}

maybe("no estimate or a small one: Liftoff only (a V8 flag); a big one anywhere: V8's default tiering, flags untouched", () => {
  expect(decide("")).toEqual({ tier: "baseline", changed: true });
  expect(decide("w.planWasmTier(4096)")).toEqual({ tier: "baseline", changed: true });
  expect(decide("w.planWasmTier(4096); w.planWasmTier(64 << 20); w.planWasmTier(10)")).toEqual({ tier: "optimizing", changed: false });
});
