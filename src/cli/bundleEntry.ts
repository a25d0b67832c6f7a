// What the bundled CLI (lib/bundle/lockreview.cjs, scripts/bundle.mjs)
// exports to bin/lockreview.js: the CLI itself, and what bin needs to write
// a code cache that V8 will accept (the wasm tier changes V8's flags).
export { run } from "./main.js";
export { planWasmTier, wasmFlagsChanged } from "../cmodel/wasmTier.js";
