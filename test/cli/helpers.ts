// Run the CLI in-process with captured streams.
import { Readable } from "node:stream";
import { run } from "../../src/cli/main.js";
import type { CliIO } from "../../src/cli/io.js";
import type { Patch } from "../../src/model/patch.js";
import type { Finding, PatchReport } from "../../src/model/review.js";
import type { ReviewOptions, Reviewer } from "../../src/review/pipeline.js";

export class Capture {
  text = "";
  isTTY: boolean;
  columns = 100;
  constructor(tty = false) {
    this.isTTY = tty;
  }
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function cli(argv: string[], opts: Partial<CliIO> & { stdinData?: Buffer | string; ttyErr?: boolean } = {}): Promise<CliResult> {
  const stdout = new Capture();
  const stderr = new Capture(!!opts.ttyErr);
  const { stdinData, ttyErr: _t, ...rest } = opts;
  const code = await run(argv, {
    stdout,
    stderr,
    stdin: stdinData !== undefined ? Readable.from([Buffer.from(stdinData)]) : Readable.from([]),
    env: {},
    ...rest,
  });
  return { code, out: stdout.text, err: stderr.text };
}

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    ruleId: "lock-across-del-gendisk",
    severity: "error",
    status: "introduced",
    file: "drivers/block/demo_blk.c",
    line: 42,
    function: "demo_remove",
    context: "hunks",
    message: "demo_lock is held across del_gendisk()",
    trace: [],
    references: [],
    ...over,
  };
}

/** A reviewer that returns the findings `pick` chooses for each patch, and records what it saw. */
export function fakeReviewer(pick: (p: Patch) => Finding[] = () => []) {
  const seen: { opts?: ReviewOptions; patches: Patch[] } = { patches: [] };
  const create = async (opts: ReviewOptions): Promise<Reviewer> => {
    seen.opts = opts;
    return {
      async review(patch: Patch) {
        seen.patches.push(patch);
        const report: PatchReport = { source: patch.source, messageId: patch.messageId ?? "", subject: patch.subject, findings: pick(patch) };
        return { report, errors: [], details: [] };
      },
    };
  };
  return { create, seen };
}
