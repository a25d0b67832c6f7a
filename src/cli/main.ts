// Command-line entry: `lockreview <command> [options]`. bin/lockreview.js
// calls run(process.argv.slice(2)) and exits with what it returns:
// 0 nothing at or above --fail-on, 1 findings, 2 usage or unreadable input.
//
// Subcommands live in COMMANDS (see commands.ts; `explain` will be added
// there). Output formats live in src/render/index.ts.
import { ConfigError } from "../config/load.js";
import { InputUnreadableError } from "../ingest/input.js";
import { VERSION } from "../version.js";
import type { Command } from "./commands.js";
import { EXIT_OK, EXIT_USAGE, UsageError } from "./errors.js";
import { mainHelp } from "./help.js";
import { type CliIO, defaultIO } from "./io.js";
import { checkCommand } from "./check.js";
import { explainCommand } from "./explain.js";
import { installHookCommand } from "./installHook.js";
import { reviewCommand } from "./review.js";
import { scanCommand } from "./scan.js";

export const COMMANDS: readonly Command[] = [reviewCommand, scanCommand, checkCommand, installHookCommand, explainCommand];

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

async function dispatch(argv: string[], io: CliIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help") {
    (first === undefined ? io.stderr : io.stdout).write(mainHelp(COMMANDS));
    return first === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (first === "--version" || first === "-V") {
    io.stdout.write(`lockreview ${VERSION}\n`);
    return EXIT_OK;
  }
  if (first === "help") {
    const target = rest[0];
    if (target === undefined) {
      io.stdout.write(mainHelp(COMMANDS));
      return EXIT_OK;
    }
    const cmd = findCommand(target);
    if (!cmd) throw new UsageError(`unknown command '${target}'`, "see 'lockreview --help'");
    io.stdout.write(cmd.help());
    return EXIT_OK;
  }
  if (first.startsWith("-")) throw new UsageError(`unknown option '${first}'`, "see 'lockreview --help'");
  const cmd = findCommand(first);
  if (!cmd) {
    const names = COMMANDS.map((c) => c.name).join(", ");
    throw new UsageError(`unknown command '${first}' (commands: ${names})`, "see 'lockreview --help'");
  }
  return cmd.run(rest, io);
}

/** Run the CLI; never throws. */
export async function run(argv: string[], partialIO: Partial<CliIO> = {}): Promise<number> {
  const io = defaultIO(partialIO);
  try {
    return await dispatch(argv, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`lockreview: ${e.message}\n${e.hint ? `(${e.hint})\n` : ""}`);
      return EXIT_USAGE;
    }
    if (e instanceof ConfigError) {
      // One line per problem, each naming the file and the key.
      for (const p of e.problems) io.stderr.write(`lockreview: ${p}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof InputUnreadableError) {
      io.stderr.write(`lockreview: ${e.message}\n`);
      return EXIT_USAGE;
    }
    // A bug of ours: one line, the stack only on request.
    const err = e as Error;
    if (io.env["LOCKREVIEW_DEBUG"]) io.stderr.write(`${err?.stack ?? String(e)}\n`);
    else {
      io.stderr.write(
        `lockreview: internal error: ${err?.message ?? String(e)} (run with LOCKREVIEW_DEBUG=1 for a stack trace)\n`,
      );
    }
    return EXIT_USAGE;
  }
}
