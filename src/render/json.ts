// `--format json`: exactly the DESIGN.md output contract, validated against
// ReviewSchema before it is printed (a renderer bug must not ship a document
// that breaks consumers).
import type { InputError } from "../model/patch.js";
import { type PatchReport, type Review, ReviewSchema } from "../model/review.js";
import type { Formatter, FormatterOptions } from "./formatter.js";

export function buildReview(version: string, patches: PatchReport[], errors: InputError[]): Review {
  return ReviewSchema.parse({ tool: { name: "lockreview", version }, patches, errors });
}

export function jsonFormatter(opts: FormatterOptions): Formatter {
  const patches: PatchReport[] = [];
  const errors: InputError[] = [];
  return {
    patch(report) {
      patches.push(report);
    },
    error(err) {
      errors.push({ source: err.source, message: err.message });
    },
    end() {
      opts.write(JSON.stringify(buildReview(opts.toolVersion, patches, errors), null, 2) + "\n");
    },
  };
}
