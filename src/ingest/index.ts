// The ingest stage's public face: resolve inputs, then stream events.
export { resolveInputs, InputUnreadableError, type ResolvedInput, type InputKind } from "./input.js";
export { ingest, newStats, type IngestEvent, type IngestOptions, type IngestStats, type SkipReason } from "./ingest.js";
export { createBodyDecoder, inProcessDecoder, type BodyDecoder } from "./bodyPool.js";
