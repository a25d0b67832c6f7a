// `--format jsonl` (JSON Lines / NDJSON), for pipelines: one object per line,
// written as it happens —
//   {"type":"tool","name":"lockreview","version":"…"}        first
//   {"type":"patch", …PatchReport}                           each reviewed patch
//   {"type":"error","source":"…","message":"…"}              each input error
// The patch objects are the `patches` entries of `--format json`, validated
// the same way; `jq -c 'select(.type == "patch")'` gives them back.
import { PatchReportSchema } from "../model/review.js";
import type { Formatter, FormatterOptions } from "./formatter.js";

export function jsonlFormatter(opts: FormatterOptions): Formatter {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    opts.write(JSON.stringify({ type: "tool", name: "lockreview", version: opts.toolVersion }) + "\n");
  };
  const line = (v: object) => {
    start();
    opts.write(JSON.stringify(v) + "\n");
  };
  return {
    patch(report) {
      line({ type: "patch", ...PatchReportSchema.parse(report) });
    },
    error(err) {
      line({ type: "error", source: err.source, message: err.message });
    },
    end: start,
  };
}
