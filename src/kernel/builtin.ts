// The built-in kernel table, validated (defaults filled in). The bundled CLI
// replaces this module with the table validated at build time
// (scripts/bundle.mjs), so a run never loads zod for it.
import type { KernelModelData } from "./schema.js";
import { KERNEL_TABLE } from "./table.js";
import { parseKernelTable } from "./validate.js";

export const BUILTIN_KERNEL: KernelModelData = parseKernelTable(KERNEL_TABLE, "src/kernel/table.ts");
