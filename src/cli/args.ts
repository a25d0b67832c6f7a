// Argument parsing shared by the subcommands, so that every command words
// its usage errors the same way and accepts the same output options.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { FORMATTERS } from "../render/index.js";
import { FAIL_ON, type FailOn } from "./config.js";
import { UsageError } from "./errors.js";

/** parseArgs errors say "Unknown option '--x'. To specify a positional …": keep the first sentence. */
export function firstSentence(msg: string): string {
  const m = /^(.*?[.])(\s|$)/.exec(msg);
  return (m ? m[1]! : msg).replace(/\.$/, "");
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/** The output and policy options review, scan and check all take. */
export const OUTPUT_OPTIONS = {
  format: { type: "string", short: "f" },
  terse: { type: "boolean" },
  "fail-on": { type: "string" },
  config: { type: "string" },
  all: { type: "boolean" },
  "show-notes": { type: "boolean" },
  quiet: { type: "boolean", short: "q" },
  "no-progress": { type: "boolean" },
  "max-c-size": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

/** node:util parseArgs (strict), its errors as one-line usage errors. */
export function parseCommandArgs<O extends Options>(args: string[], options: O, hint: string, allowPositionals = true) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError(firstSentence((e as Error).message).toLowerCase(), hint);
  }
}

/** The formatter name from --format / --terse, checked against the formatter table. */
export function outputFormat(v: { format?: string | undefined; terse?: boolean | undefined }, hint: string): string {
  if (v.terse && v.format !== undefined && v.format !== "terse") throw new UsageError(`--terse and --format ${v.format} do not go together`, hint);
  const format = v.terse ? "terse" : (v.format ?? "text");
  if (!Object.hasOwn(FORMATTERS, format)) throw new UsageError(`unknown format '${format}' (choose from ${Object.keys(FORMATTERS).join(", ")})`, hint);
  return format;
}

/** --fail-on when given, validated; the configuration's value applies otherwise (see failOnOf). */
export function failOnArg(value: string | undefined, hint: string): FailOn | undefined {
  if (value !== undefined && !(FAIL_ON as readonly string[]).includes(value)) {
    throw new UsageError(`unknown --fail-on level '${value}' (choose from ${FAIL_ON.join(", ")})`, hint);
  }
  return value as FailOn | undefined;
}
