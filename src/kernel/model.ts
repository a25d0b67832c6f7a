// Loads the kernel table (plus rows from configuration), validates it and
// indexes it by function name for the analysis. The zod-free part (the
// index, the built-in table) is kernel/kernelModel.ts; this module adds
// validated configuration rows.
import { BUILTIN_KERNEL } from "./builtin.js";
import { builtinKernelModel, KernelModel } from "./kernelModel.js";
import type { KernelModelData, KernelModelInput } from "./schema.js";
import { parseKernelTable } from "./validate.js";

export { builtinKernelModel, KernelModel } from "./kernelModel.js";
export { describeIssues, parseKernelTable } from "./validate.js";

/** The built-in table merged with extra rows (from configuration), validated. */
export function loadKernelModel(extra?: { rows: KernelModelInput; source: string }): KernelModel {
  if (!extra) return builtinKernelModel();
  const add = parseKernelTable(extra.rows, extra.source);
  const builtin = BUILTIN_KERNEL as unknown as Record<string, unknown[]>;
  const merged = { ...builtin };
  for (const [k, v] of Object.entries(add)) {
    // Extra rows come first so a project can override a built-in entry.
    merged[k] = [...(v as unknown[]), ...(builtin[k] ?? [])];
  }
  return new KernelModel(merged as unknown as KernelModelData);
}
