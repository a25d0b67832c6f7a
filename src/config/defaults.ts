// The configuration when there is no `.lockreview.yml`: what
// `ConfigSchema.parse({})` gives (test/config/defaults.test.ts checks that),
// written out so that a run without a file never loads zod.
import type { LockreviewConfig } from "./schema.js";

export const DEFAULT_CONFIG: LockreviewConfig = { rules: {}, paths: { include: [], exclude: [] } };
