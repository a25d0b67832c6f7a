// `lockreview scan <files or directories>`: the rules over existing code, no
// patch — a maintainer's audit of a driver. Same output formats as review;
// every finding is `existing`. Exit 1 when a finding at or above --fail-on
// is found.
import { statSync } from "node:fs";
import { createFormatter, FORMATTERS } from "../render/index.js";
import { scanPaths } from "../review/scan.js";
import { VERSION } from "../version.js";
import { OUTPUT_OPTIONS, outputFormat, parseCommandArgs } from "./args.js";
import type { Command } from "./commands.js";
import { failOnOf, loadCliConfig, threshold as thresholdOf } from "./config.js";
import { EXIT_OK, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";
import { MAX_C_SIZE_HELP, exitStatusHelp } from "./help.js";
import { Progress } from "./progress.js";
import { Tally } from "./tally.js";

const HINT = "see 'lockreview scan --help'";

/** Every output format but email: a reply needs a patch to reply to, and scan has none. */
const SCAN_FORMATS = Object.keys(FORMATTERS).filter((f) => f !== "email");

export function scanHelp(): string {
  return `Usage: lockreview scan [options] <file or directory>...

Run the rules over existing code, with no patch: an audit of a driver.
Directories are searched for .c and .h files; files of one driver (a kbuild
composite module, headers it includes) are analysed together so callbacks and
helpers in other files are seen. Every finding is reported as existing.

Options:
  -f, --format FMT     output format: ${SCAN_FORMATS.join(", ")} (default: text)
      --terse          one line per finding (--format terse)
      --fail-on LEVEL  exit 1 when a finding at or above LEVEL exists:
                       error, warning, note or none (default: the configuration's
                       fail-on, else error)
      --config FILE    configuration file (default: .lockreview.yml at the root of
                       the checkout of the first path, else of the current one)
      --show-notes     also show note-level findings
      --all            also show findings silenced by an inline comment
  -q, --quiet          print only findings
      --no-progress    never show the progress line
${MAX_C_SIZE_HELP}  -h, --help           print this help

${exitStatusHelp("found")}
Example:
  lockreview scan drivers/block/nbd.c
  lockreview scan --format json drivers/block > block.json
`;
}

export const scanCommand: Command = {
  name: "scan",
  summary: "run the rules over existing files or directories (no patch)",
  help: scanHelp,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs(args, OUTPUT_OPTIONS, HINT);
    const v = parsed.values;
    if (v.help) {
      io.stdout.write(scanHelp());
      return EXIT_OK;
    }
    const format = outputFormat(v, HINT);
    if (!SCAN_FORMATS.includes(format)) throw new UsageError("--format email replies to patches; `scan` has none (use `lockreview review`)", HINT);
    if (!parsed.positionals.length) throw new UsageError("no file or directory given", HINT);
    for (const p of parsed.positionals) {
      try {
        statSync(p);
      } catch {
        throw new UsageError(`${p}: no such file or directory`, HINT);
      }
    }
    const loaded = await loadCliConfig(v.config, [parsed.positionals[0]!, process.cwd()], { maxCSize: v["max-c-size"], hint: HINT });
    const failOn = failOnOf(v["fail-on"], loaded, HINT);
    const quiet = !!v.quiet || format === "terse";
    const progress = new Progress(io.stderr, !v["no-progress"] && !quiet && !!io.stderr.isTTY, io.now);
    const fmt = await createFormatter(format, { write: (s) => io.stdout.write(s), warn: (s) => io.stderr.write(s), quiet, toolVersion: VERSION, mode: "scan" });
    const seenFiles = new Set<string>();
    const result = await scanPaths(parsed.positionals, {
      config: loaded.config,
      ...(loaded.source !== undefined ? { configSource: loaded.source } : {}),
      ...(loaded.root !== undefined ? { pathRoot: loaded.root } : {}),
      ...(v["show-notes"] ? { showNotes: true } : {}),
      all: !!v.all,
      onDriver: (group, done, total) => {
        for (const f of group) seenFiles.add(f); // a header may belong to several drivers
        progress.text(`scanned ${done} of ${total} drivers (${seenFiles.size} files)`);
      },
    });
    progress.clear();
    const tally = new Tally(fmt, { rank: thresholdOf(failOn), countExisting: true }, io);
    for (const r of result.reports) {
      await tally.record(undefined, { report: r, errors: [], details: result.details.filter((d) => r.findings.includes(d.finding)) });
    }
    for (const e of result.errors) tally.error(e);
    await fmt.end({ ...tally.summary, scannedFiles: seenFiles.size });
    return tally.exitStatus();
  },
};
