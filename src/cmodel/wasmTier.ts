// Which V8 compiler runs tree-sitter's wasm. By default V8 starts wasm in
// Liftoff (its baseline compiler) and re-compiles hot functions with
// TurboFan. For tree-sitter-c that re-compile costs more than a short run
// ever gets back (its lexer is one huge function). Measured on the 2-core
// reference machine, Node 20, drivers/block/loop.c (2,100 lines): first
// parse 160–230 ms with tiering, 22–45 ms with Liftoff only; a one-patch
// review 0.27 s of CPU against 0.13 s. A long run gets it back: `scan` of
// all of drivers/block took 4.9–5.1 s with tiering and 6.2–6.6 s with
// Liftoff only. The break-even is near a megabyte of C parsed, so a command
// that knows it will read more than that says so (planWasmTier), and every
// other run — the hook, one mailed patch, the tests — stays on Liftoff.
//
// The flag must be set before the wasm is compiled, i.e. before the first
// parse; a plan made after that changes nothing.
import { setV8Flags } from "../runtime/v8Flags.js";

/** The V8 flag of a baseline-only run. */
export const BASELINE_WASM_FLAG = "--liftoff-only";
/** Expected input (bytes of C, or of mail) above which TurboFan tiering pays for itself. */
export const OPTIMIZE_ABOVE_BYTES = 1 << 20;

let tier: "baseline" | "optimizing" | undefined;
let applied = false;

/** A command's estimate of how much it will parse, before the first parse (the largest estimate wins). */
export function planWasmTier(expectedBytes: number): void {
  if (applied || tier === "optimizing") return;
  tier = expectedBytes > OPTIMIZE_ABOVE_BYTES ? "optimizing" : "baseline";
}

/** Called once before the wasm is compiled (cmodel/parser.ts). */
export function applyWasmTier(): "baseline" | "optimizing" {
  if (!applied) {
    applied = true;
    tier ??= "baseline";
    if (tier === "baseline") setV8Flags(BASELINE_WASM_FLAG);
  }
  return tier!;
}

/** Did the tier change V8's flags (a baseline run)? */
export function wasmFlagsChanged(): boolean {
  return applied && tier === "baseline";
}
