// The configuration as every subcommand uses it: `--config FILE`, else the
// `.lockreview.yml` found for the command's inputs; and the exit threshold,
// where `--fail-on` beats the file's `fail-on:`.
import { type LoadedConfig, resolveConfig } from "../config/load.js";
import { parseSize } from "../cmodel/limits.js";
import type { Severity } from "../model/review.js";
import { SEVERITY_RANK } from "../model/severity.js";
import { UsageError } from "./errors.js";

export const FAIL_ON = ["error", "warning", "note", "none"] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface CliOverrides {
  /** `--max-c-size SIZE`: replaces the configuration's `limits.c-model-bytes`. */
  maxCSize?: string | undefined;
  hint: string;
}

/** The configuration, with what command-line options override in it. */
export async function loadCliConfig(explicit: string | undefined, startDirs: string[], over?: CliOverrides): Promise<LoadedConfig> {
  let size: number | undefined;
  if (over?.maxCSize !== undefined) {
    const n = parseSize(over.maxCSize);
    if (n === null) throw new UsageError(`--max-c-size '${over.maxCSize}' is not a size (bytes, or with k/M/G: 4M, 512k)`, over.hint);
    size = n;
  }
  const loaded = await resolveConfig({ ...(explicit !== undefined ? { explicit } : {}), startDirs });
  if (size === undefined) return loaded;
  return { ...loaded, config: { ...loaded.config, limits: { ...loaded.config.limits, "c-model-bytes": size } } };
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
