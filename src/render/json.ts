// `--format json`: exactly the DESIGN.md output contract, one object, written
// as it goes: each patch report is validated against PatchReportSchema and
// printed when its review completes; input errors are kept (spooled) and
// printed after the patches. The bytes are what JSON.stringify(review, null,
// 2) of the whole document gives, but memory does not grow with the input.
// A report that breaks the contract is refused before anything of it is
// printed (the run then fails: a renderer bug must not ship a document that
// breaks consumers).
import type { InputError } from "../model/patch.js";
import { type PatchReport, PatchReportSchema, type Review, ReviewSchema } from "../model/review.js";
import type { Formatter, FormatterOptions } from "./formatter.js";
import { layout, mark, StreamedDocument } from "./jsonDocument.js";

export function buildReview(version: string, patches: PatchReport[], errors: InputError[]): Review {
  return ReviewSchema.parse({ tool: { name: "lockreview", version }, patches, errors });
}

const PATCHES = mark("patches");
const ERRORS = mark("errors");

export function jsonFormatter(opts: FormatterOptions): Formatter {
  const shape = layout({ tool: { name: "lockreview", version: opts.toolVersion }, patches: [PATCHES], errors: [ERRORS] }, [PATCHES, ERRORS]);
  const doc = new StreamedDocument(opts.write, shape.pieces[0]!, shape.indents[0]!, 1);
  return {
    patch(report) {
      doc.push(PatchReportSchema.parse(report));
    },
    error(err) {
      doc.keep(0, { source: err.source, message: err.message });
    },
    end() {
      doc.end(shape);
    },
  };
}
