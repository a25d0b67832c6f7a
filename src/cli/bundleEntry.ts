// What the bundled CLI (lib/bundle/lockreview.cjs, scripts/bundle.mjs)
// exports to bin/lockreview.js: the CLI itself, and what bin needs to write
// a code cache that V8 will accept (a run may change V8's flags).
export { run } from "./main.js";
export { planWasmTier } from "../cmodel/wasmTier.js";
export { v8FlagsChanged } from "../runtime/v8Flags.js";
