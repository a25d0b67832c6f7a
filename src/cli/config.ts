// The configuration as every subcommand uses it: `--config FILE`, else the
// `.lockreview.yml` found for the command's inputs; and the exit threshold,
// where `--fail-on` beats the file's `fail-on:`.
import { type LoadedConfig, resolveConfig } from "../config/load.js";
import type { Severity } from "../model/review.js";
import { SEVERITY_RANK } from "../model/severity.js";
import { UsageError } from "./errors.js";

export const FAIL_ON = ["error", "warning", "note", "none"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export function loadCliConfig(explicit: string | undefined, startDirs: string[]): Promise<LoadedConfig> {
  return resolveConfig({ ...(explicit !== undefined ? { explicit } : {}), startDirs });
}

/** `--fail-on` (validated), else the configuration's `fail-on`, else error. */
export function failOnOf(flag: string | undefined, loaded: LoadedConfig, hint: string): FailOn {
  const value = flag ?? loaded.config["fail-on"] ?? "error";
  if (!(FAIL_ON as readonly string[]).includes(value)) {
    throw new UsageError(`unknown --fail-on level '${value}' (choose from ${FAIL_ON.join(", ")})`, hint);
  }
  return value as FailOn;
}

/** Findings at or above this rank fail the run. */
export function threshold(failOn: FailOn): number {
  return failOn === "none" ? Infinity : SEVERITY_RANK[failOn as Severity];
}
