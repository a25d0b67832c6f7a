// The kernel model for a configuration: the built-in one, or — only when the
// configuration adds `kernel:` rows — the merged and validated one, whose
// module (and zod) is then imported.
import type { LockreviewConfig } from "../config/schema.js";
import { builtinKernelModel, type KernelModel } from "./kernelModel.js";

export async function configKernelModel(config: LockreviewConfig, source = "configuration"): Promise<KernelModel> {
  if (!config.kernel) return builtinKernelModel();
  const { loadKernelModel } = await import("./model.js");
  return loadKernelModel({ rows: config.kernel, source });
}
