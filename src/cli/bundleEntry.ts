// What the bundled CLI (lib/bundle/lockreview.cjs, scripts/bundle.mjs)
// exports to bin/lockreview.js: the CLI itself, and the reset of the wasm
// flags it needs before it writes a code cache.
export { run } from "./main.js";
export { resetWasmFlags } from "../cmodel/wasmTier.js";
