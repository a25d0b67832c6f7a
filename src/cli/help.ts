// Hand-written help texts, checkpatch-terse: what a kernel developer needs to
// run the tool on a thread from lore or a series before `git send-email`.
import { FORMATTERS } from "../render/index.js";
import type { Command } from "./commands.js";

/** The exit status convention, the same for review, scan and check (src/cli/errors.ts). */
export function exitStatusHelp(what = "introduced"): string {
  return `Exit status (checkpatch's, plus one):
  0  nothing at or above --fail-on was ${what}
  1  a finding at or above --fail-on was ${what}
  2  something went unreviewed: an input that could not be read, a patch that
     could not be reviewed (a broken diff, C over the size caps, an internal
     error), or a usage error; this wins over 1
`;
}

/** --max-c-size, for review, scan and check. */
export const MAX_C_SIZE_HELP = `      --max-c-size SIZE
                       largest C text one model is built from (default 4M;
                       configuration: limits.c-model-bytes); a bigger file is
                       reviewed from its hunks, bigger hunks are not reviewed
`;

export function mainHelp(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.length), 4) + 2;
  return `Usage: lockreview <command> [options] [<input>...]

Review Linux-kernel-style C driver patches for deadlock patterns: a lock held
across del_gendisk(), a workqueue flushed under disk->open_mutex, a caller's
lock dropped, a workqueue left undrained on exit.

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join("\n")}
  ${"help".padEnd(width)}show the help of a command

Options:
  -h, --help     print this help
      --version  print the version

Run 'lockreview <command> --help' for the options of a command.
Example: lockreview review t.mbox.gz

${exitStatusHelp()}`;
}

export function reviewHelp(): string {
  const formats = Object.keys(FORMATTERS).join(", ");
  return `Usage: lockreview review [options] <input>...

Review every patch in the inputs. Cover letters, replies, pull requests, pings
and pointers to branches are read and counted but not reviewed; a broken
message is reported (and the exit status is 2) and the rest is still reviewed.

Inputs (recognised by content; gzip by its magic bytes, not its name):
  t.mbox.gz, *.mbox    a mailbox: mboxrd as lore/public-inbox serve it, or mboxo
  *.eml                one mail message
  *.patch              a git format-patch file
  DIR                  a directory of format-patch files, read in series order
  *.diff               a unified diff, or git show / git log -p output
  -                    standard input (any of the above)

Options:
  -f, --format FMT     output format: ${formats} (default: text)
      --terse          one line per finding, FILE:LINE: LEVEL: rule-id: message
                       (--format terse; for b4's per-patch check command)
      --fail-on LEVEL  exit 1 when a finding at or above LEVEL is introduced:
                       error, warning, note or none (default: the configuration's
                       fail-on, else error)
      --config FILE    configuration file (default: .lockreview.yml at the root of
                       the --tree checkout, else of the current checkout)
      --latest         review only the newest revision (vN) of each series
      --all            also report findings the patch neither introduces nor
                       fixes (already there), and inline-suppressed ones
      --show-notes     also show note-level findings (hidden by default)
      --tree DIR       your kernel tree (default: $LOCKREVIEW_TREE, else the
                       configuration's tree:). Patches need not apply exactly:
                       each file is applied (offsets), found by its blob id
                       (a git checkout), applied with fuzz, or rebuilt from
                       the diff inside the tree's file (hybrid); the report
                       says which per file. Series are reviewed in order
      --git-dir DIR    repository for blob-id and base-commit look-ups
                       (default: the --tree checkout's own)
${MAX_C_SIZE_HELP}  -q, --quiet          print only findings and errors
      --no-progress    never show the progress line (shown only on a terminal)
  -h, --help           print this help
      --version        print the version

Reply mail (--format email: one reply per patch with findings, as an mboxrd
mailbox on stdout; threaded to the patch, To its author, Cc its To and Cc):
      --from ADDR      sender (default: $LOCKREVIEW_FROM, $EMAIL, or
                       lockreview <lockreview@localhost>)
      --reply-dir DIR  write DIR/<nnnn>-<title>.eml files instead
      --send           send through --smtp URL (or $LOCKREVIEW_SMTP):
                       a dry run that lists each reply unless --yes is given
      --smtp URL       smtp://[user:pass@]host[:port] or smtps://...
      --yes            really send (with --send; needs --from or $LOCKREVIEW_FROM)
      --dry-run        never send, even with --yes
      --report-to URL  where false positives are reported (reply footer)
      --docs-url URL   base URL of lockreview's docs (SARIF helpUri, footer)

${exitStatusHelp()}
Examples:
  lockreview review t.mbox.gz
  lockreview review --latest --format json thread.mbox > review.json
  lockreview review --format email t.mbox.gz > replies.mbox; mutt -f replies.mbox
  lockreview review --format sarif outgoing/ > lockreview.sarif
  lockreview review outgoing/             # after git format-patch -o outgoing/
  b4 am -o - <msgid> | lockreview review -
  git show HEAD | lockreview review --tree ~/linux -
  lockreview review --terse - < 0001-fix.patch      # b4 prep --check
`;
}
