// The two programs of a patch (pre-image and post-image: the changed files'
// views plus the driver's unchanged files) and their analyses. Shared by the
// reviewer and by `explain --patch`.
import { createHash } from "node:crypto";
import { analyse, type Analysis, type ProgramFile } from "../analysis/program.js";
import { buildModel, buildModelFrom } from "../cmodel/build.js";
import { type PriorBuild, reusableView } from "../cmodel/incremental.js";
import type { CFileModel } from "../cmodel/ir.js";
import { type CModelLimits, DEFAULT_C_MODEL_LIMITS, overCModelLimits } from "../cmodel/limits.js";
import type { LockreviewConfig } from "../config/schema.js";
import { hunkViews } from "../context/hunks.js";
import { hunksContext, treeContext, type PatchContext } from "../context/images.js";
import type { SourceProvider, SourceView } from "../context/source.js";
import type { KernelModel } from "../kernel/model.js";
import type { InputError, Patch } from "../model/patch.js";
import type { PatchReport } from "../model/review.js";

/** The caps of the configuration's `limits:`, the defaults for what it leaves out. */
export function cModelLimits(config: Pick<LockreviewConfig, "limits">): CModelLimits {
  return {
    maxBytes: config.limits?.["c-model-bytes"] ?? DEFAULT_C_MODEL_LIMITS.maxBytes,
    maxLineBytes: config.limits?.["c-line-bytes"] ?? DEFAULT_C_MODEL_LIMITS.maxLineBytes,
  };
}

/** Paths whose last whole-file build (its syntax tree: wasm memory) is kept for the next version. */
const PRIOR_BUILDS = 4;

/**
 * The C model of a view, cached by path and content (neighbours repeat
 * across a series). A changed whole file is built from the last build of its
 * path (cmodel/incremental.ts): the pre- and post-image of a patch, one
 * file across the commits of a series.
 */
export class ModelCache {
  private readonly map = new Map<string, CFileModel>();
  private readonly priors = new Map<string, PriorBuild>();

  constructor(readonly limits: CModelLimits = DEFAULT_C_MODEL_LIMITS) {}

  async get(view: SourceView): Promise<CFileModel> {
    if (view.context === "hunks") return buildModel(view); // synthetic text, never reused
    const key = `${view.path}\0${createHash("sha1").update(view.text).digest("hex")}`;
    let m = this.map.get(key);
    if (!m) {
      m = reusableView(view) ? await this.buildFromPrior(view) : await buildModel(view);
      if (this.map.size > 256) this.map.clear();
      this.map.set(key, m);
    }
    return m;
  }

  private async buildFromPrior(view: SourceView): Promise<CFileModel> {
    const prior = this.priors.get(view.path);
    this.priors.delete(view.path); // used up by the build, whatever happens
    const { model, next } = await buildModelFrom(view, prior);
    this.priors.set(view.path, next);
    if (this.priors.size > PRIOR_BUILDS) {
      const [oldest, p] = this.priors.entries().next().value!;
      this.priors.delete(oldest);
      p.tree.delete();
    }
    return model;
  }

  /** Free the kept syntax trees. */
  close(): void {
    for (const p of this.priors.values()) p.tree.delete();
    this.priors.clear();
  }
}

export interface ImageProgram {
  files: ProgramFile[];
  views: SourceView[];
  /** What was modelled in part (a view over the size cap read from hunks, a function nested too deeply). */
  notes: string[];
  /** Code that was not modelled at all: it went unreviewed. */
  failures: string[];
}

/** Where the caps are set, for the messages. */
const LIMITS_HINT = "limits: in .lockreview.yml, or --max-c-size";

/**
 * The C models of one image. Every view passes the size caps first (see
 * cmodel/limits.ts): a whole file over them is modelled from the patch's
 * hunks instead; a driver file over them is left out; hunks over them are
 * not modelled, and that is a failure the review must report.
 */
export async function imageProgram(ctx: PatchContext, side: "pre" | "post", cache: ModelCache): Promise<ImageProgram> {
  const out: ImageProgram = { files: [], views: [], notes: [], failures: [] };
  const add = async (v: SourceView) => {
    const m = await cache.get(v);
    out.files.push({ model: m, context: v.context });
    out.views.push(v);
    out.notes.push(...(m.notes ?? []));
    out.failures.push(...(m.failures ?? []));
  };
  for (const c of ctx.changed) {
    let v = c[side];
    if (!v) continue;
    let over = overCModelLimits(v.text, cache.limits, v.lineMap);
    if (over && v.context !== "hunks") {
      const fallback = hunkViews(c.diff)[side];
      const fallbackOver = fallback ? overCModelLimits(fallback.text, cache.limits, fallback.lineMap) : null;
      if (fallback && !fallbackOver) {
        out.notes.push(`${v.path}: the whole file is ${over.cap} (${LIMITS_HINT}); reviewed from the patch's hunks only`);
        v = fallback;
        over = null;
      } else if (fallbackOver) over = fallbackOver;
    }
    if (over) {
      out.failures.push(`${v.path}: ${over.message} (${LIMITS_HINT}); not reviewed`);
      continue;
    }
    await add(v);
  }
  for (const v of ctx.neighbours) {
    const over = overCModelLimits(v.text, cache.limits, v.lineMap);
    if (over) {
      out.notes.push(`${v.path}: ${over.message} (${LIMITS_HINT}); not read as driver context`);
      continue;
    }
    await add(v);
  }
  return out;
}

/**
 * Say on the report what the models left out: notes become warnings, code
 * that was not modelled at all becomes an error (the run's exit status then
 * says that something went unreviewed). The pre- and post-image repeat the
 * same notes for unchanged code: each is said once.
 */
export function reportModelNotes(report: PatchReport, errors: InputError[], programs: ImageProgram[]): void {
  const warnings = new Set(report.warnings ?? []);
  const failures = new Set(errors.filter((e) => e.source === report.source).map((e) => e.message));
  for (const p of programs) {
    for (const n of p.notes) warnings.add(n);
    for (const f of p.failures) {
      if (failures.has(f)) continue;
      failures.add(f);
      errors.push({ source: report.source, message: f });
    }
  }
  if (warnings.size) report.warnings = [...warnings];
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
