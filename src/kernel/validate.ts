// Validation of kernel-table rows (the built-in table and `kernel:` rows
// from configuration) with zod.
import type { z } from "zod";
import { KernelModelSchema, type KernelModelData } from "./schema.js";

/** Format zod issues as `path: message` lines naming the source. */
export function describeIssues(source: string, error: z.ZodError): string {
  return error.issues.map((i) => `${source}: ${i.path.join(".") || "(root)"}: ${i.message}`).join("\n");
}

/** Validate table rows; throws with every problem named. */
export function parseKernelTable(input: unknown, source: string): KernelModelData {
  const r = KernelModelSchema.safeParse(input);
  if (!r.success) throw new Error(describeIssues(source, r.error));
  return r.data;
}
