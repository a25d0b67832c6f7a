// Output formats by name. To add one: write src/render/<name>.ts exporting a
// FormatterFactory and add a loader here; the CLI's --format choices and help
// text come from this table. Each format's module is imported only when it
// is used (SARIF reads the rule docs, JSON validates with zod, email brings
// nodemailer): start-up pays for one format, not five.
import type { Formatter, FormatterFactory, FormatterOptions } from "./formatter.js";

export const FORMATTERS: Readonly<Record<string, () => Promise<FormatterFactory>>> = {
  text: async () => (await import("./text.js")).textFormatter,
  json: async () => (await import("./json.js")).jsonFormatter,
  jsonl: async () => (await import("./jsonl.js")).jsonlFormatter,
  sarif: async () => (await import("./sarif.js")).sarifFormatter,
  email: async () => (await import("./email.js")).emailFormatter,
  terse: async () => (await import("./terse.js")).terseFormatter,
};

/** The formatter `name` (a key of FORMATTERS, checked by the CLI's argument parsing). */
export async function createFormatter(name: string, opts: FormatterOptions): Promise<Formatter> {
  const load = FORMATTERS[name];
  if (!load) throw new Error(`unknown format '${name}'`);
  return (await load())(opts);
}

export type { Formatter, FormatterFactory, FormatterOptions, RunSummary } from "./formatter.js";
