// A subcommand: its one-line summary (for `lockreview --help`), its help text,
// and how to run it. The table of commands is in main.ts; to add `scan`,
// `check`, `install-hook` or `explain`, write src/cli/<name>.ts exporting a
// Command and add it there.
import type { CliIO } from "./io.js";

export interface Command {
  name: string;
  summary: string;
  help(): string;
  /** Returns the exit status. Throws UsageError (or InputUnreadableError) for exit 2. */
  run(args: string[], io: CliIO): Promise<number>;
}
