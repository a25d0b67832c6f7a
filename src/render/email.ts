// `--format email`: one reply per patch that has findings, as a reviewer
// would send it (src/render/reply.ts), rendered by nodemailer
// (src/render/mail.ts). Where it goes:
//
//   default          an mboxrd mailbox on stdout (`| git am`-free: open it
//                    with `mutt -f`, import it with public-inbox-mda …)
//   --reply-dir DIR  DIR/<nnnn>-<slug>.eml, one file per reply
//   --send           the CLI's sender: SMTP, or a dry run (src/cli/send.ts);
//                    with --reply-dir too, the files are written as well
//
// Streaming like the other formats: each reply is written as soon as its
// patch is reviewed. Input errors go to stderr, so stdout stays a mailbox.
import { lstatSync, mkdirSync, unlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { RULES } from "../../rules/index.js";
import type { Formatter, FormatterOptions } from "./formatter.js";
import { mboxrdEntry, renderReply, replyFileName, type RenderedReply } from "./mail.js";
import { MAX_CC } from "./recipients.js";
import { composeReply } from "./reply.js";

/** Sender when neither --from nor LOCKREVIEW_FROM/EMAIL says otherwise. */
export const DEFAULT_FROM = "lockreview <lockreview@localhost>";

export interface EmailOptions {
  /** "Name <address>" of the sender. */
  from: string;
  /** Date of the replies (SOURCE_DATE_EPOCH makes runs reproducible). */
  date: Date;
  /** Write DIR/<nnnn>-<slug>.eml instead of a mailbox on stdout. */
  replyDir?: string;
  /** --send: hand each rendered reply over; returns a line for stdout. */
  sender?: { send(r: RenderedReply): Promise<string>; end(): Promise<string> };
  /** Where false positives are reported, for the footer. */
  reportTo?: string;
  /** --all: findings already there, and thanks for what a patch fixes. */
  all?: boolean;
}

const RULE_META = new Map(RULES.map((r) => [r.meta.id, r.meta]));

/**
 * Write one reply file without following a link: the names are predictable
 * (0001-<title>.eml), so a symlink planted there would have its target
 * overwritten. Created exclusively ("wx" is O_CREAT|O_EXCL, which never
 * follows a symlink); a regular file left by an earlier run is replaced, a
 * symlink or anything else is refused.
 */
export function writeReplyFile(path: string, data: string | Buffer): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st) {
    if (!st.isFile()) throw new Error(`${path} exists and is ${st.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; not written`);
    unlinkSync(path);
  }
  try {
    writeFileSync(path, data, { flag: "wx", mode: 0o644 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") throw new Error(`${path} appeared while it was written (a symbolic link?); not written`);
    throw e;
  }
}

export function emailFormatter(opts: FormatterOptions): Formatter {
  const e: EmailOptions = opts.email ?? { from: DEFAULT_FROM, date: new Date() };
  const warn = opts.warn ?? ((s: string) => void process.stderr.write(s));
  let n = 0;
  let dirMade = false;
  return {
    async patch(report, patch, details) {
      if (!patch) return; // nothing to reply to (scan refuses this format)
      const reply = composeReply(report, patch, details, {
        from: e.from,
        date: e.date,
        toolVersion: opts.toolVersion,
        rules: RULE_META,
        ...(e.reportTo ? { reportTo: e.reportTo } : {}),
        ...(opts.docsUrl ? { docsUrl: opts.docsUrl } : {}),
        ...(e.all ? { all: true } : {}),
      });
      if (!reply) return;
      n++;
      if (reply.dropped) warn(`${report.source}: warning: "${patch.subject}": ${reply.dropped} Cc addresses left out of its reply (at most ${MAX_CC}; lists first)\n`);
      if (!reply.inReplyTo) warn(`${report.source}: warning: "${patch.subject}" has no Message-ID: its reply cannot be threaded (In-Reply-To/References)\n`);
      const r = await renderReply(reply, opts.toolVersion);
      if (e.replyDir) {
        const dir = resolve(e.replyDir);
        if (!dirMade) mkdirSync(dir, { recursive: true });
        dirMade = true;
        const name = replyFileName(n, reply.title);
        writeReplyFile(join(dir, name), r.raw);
        opts.write(`${join(e.replyDir, name)}\n`);
      }
      if (e.sender) opts.write(await e.sender.send(r));
      if (!e.replyDir && !e.sender) opts.write(mboxrdEntry(r));
    },
    error(err) {
      warn(`${err.source}: error: ${err.message}\n`);
    },
    async end(s) {
      if (e.sender) opts.write(await e.sender.end());
      if (!opts.quiet) warn(`${n} ${n === 1 ? "reply" : "replies"} for ${s.reviewed} reviewed patch${s.reviewed === 1 ? "" : "es"}\n`);
    },
  };
}
