// The two programs of a patch (pre-image and post-image: the changed files'
// views plus the driver's unchanged files) and their analyses. Shared by the
// reviewer and by `explain --patch`.
import { createHash } from "node:crypto";
import { analyse, type Analysis, type ProgramFile } from "../analysis/program.js";
import { buildModel } from "../cmodel/build.js";
import type { CFileModel } from "../cmodel/ir.js";
import { hunksContext, treeContext, type PatchContext } from "../context/images.js";
import type { SourceProvider, SourceView } from "../context/source.js";
import type { KernelModel } from "../kernel/model.js";
import type { Patch } from "../model/patch.js";

/** The C model of a view, cached by path and content (neighbours repeat across a series). */
export class ModelCache {
  private readonly map = new Map<string, CFileModel>();

  async get(view: SourceView): Promise<CFileModel> {
    if (view.context === "hunks") return buildModel(view); // synthetic text, never reused
    const key = `${view.path}\0${createHash("sha1").update(view.text).digest("hex")}`;
    let m = this.map.get(key);
    if (!m) {
      m = await buildModel(view);
      if (this.map.size > 256) this.map.clear();
      this.map.set(key, m);
    }
    return m;
  }
}

export async function imageProgram(ctx: PatchContext, side: "pre" | "post", cache: ModelCache): Promise<{ files: ProgramFile[]; views: SourceView[] }> {
  const views = [...ctx.changed.map((c) => c[side]).filter((v): v is SourceView => !!v), ...ctx.neighbours];
  const files: ProgramFile[] = [];
  for (const v of views) files.push({ model: await cache.get(v), context: v.context });
  return { files, views };
}

/** Context and both analyses of one patch (against a tree, or from hunks). */
export async function analysePatch(
  patch: Patch,
  provider: SourceProvider | null,
  kernel: KernelModel,
  cache = new ModelCache(),
): Promise<{ ctx: PatchContext; pre: Analysis; post: Analysis }> {
  const ctx = provider ? await treeContext(patch, provider) : hunksContext(patch);
  const pre = analyse((await imageProgram(ctx, "pre", cache)).files, kernel);
  const post = analyse((await imageProgram(ctx, "post", cache)).files, kernel);
  return { ctx, pre, post };
}
