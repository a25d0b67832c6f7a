// Output formats by name. To add one (sarif, email, terse …): write
// src/render/<name>.ts exporting a FormatterFactory and add it here; the
// CLI's --format choices and help text come from this table.
import type { FormatterFactory } from "./formatter.js";
import { emailFormatter } from "./email.js";
import { jsonFormatter } from "./json.js";
import { sarifFormatter } from "./sarif.js";
import { terseFormatter } from "./terse.js";
import { textFormatter } from "./text.js";

export const FORMATTERS: Readonly<Record<string, FormatterFactory>> = {
  text: textFormatter,
  json: jsonFormatter,
  sarif: sarifFormatter,
  email: emailFormatter,
  terse: terseFormatter,
};

export type { Formatter, FormatterFactory, FormatterOptions, RunSummary } from "./formatter.js";
