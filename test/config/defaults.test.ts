// The defaults are written out (config/defaults.ts) so that a run without a
// configuration file never loads zod; they must stay what the schema gives.
import { expect, test } from "@jest/globals";
import { DEFAULT_CONFIG } from "../../src/config/defaults.js";
import { ConfigSchema } from "../../src/config/schema.js";

test("DEFAULT_CONFIG is what the schema makes of an empty file", () => {
  expect(DEFAULT_CONFIG).toEqual(ConfigSchema.parse({}));
});
