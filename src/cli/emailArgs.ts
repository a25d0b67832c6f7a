// Options of `review` for the reply-mail and SARIF formats, kept out of
// review.ts so that the option table there stays small:
//
//   --from ADDR        sender (LOCKREVIEW_FROM, then EMAIL, else lockreview <lockreview@localhost>)
//   --reply-dir DIR    one .eml per reply instead of an mbox on stdout
//   --send             send through --smtp URL (LOCKREVIEW_SMTP); a dry run unless --yes
//   --yes, --dry-run   really send / never send
//   --report-to WHERE  where false positives are reported (LOCKREVIEW_REPORT_TO), in the footer
//   --docs-url URL     base URL of lockreview's docs (LOCKREVIEW_DOCS_URL): SARIF helpUri, reply footer
import { mkdirSync } from "node:fs";
import { DEFAULT_FROM, type EmailOptions } from "../render/email.js";
import type { FormatterOptions } from "../render/formatter.js";
import { parseAddress } from "../render/recipients.js";
import { UsageError } from "./errors.js";
import { cliSender } from "./send.js";

export const EMAIL_OPTIONS = {
  from: { type: "string" },
  "reply-dir": { type: "string" },
  send: { type: "boolean" },
  smtp: { type: "string" },
  yes: { type: "boolean" },
  "dry-run": { type: "boolean" },
  "report-to": { type: "string" },
  "docs-url": { type: "string" },
} as const;

export interface EmailArgs {
  /** --all (an output option of every command): the reply also covers findings already there and fixed ones. */
  all?: boolean;
  from?: string;
  replyDir?: string;
  send: boolean;
  smtp?: string;
  yes: boolean;
  dryRun: boolean;
  reportTo?: string;
  docsUrl?: string;
}

interface Values {
  all?: boolean | undefined;
  from?: string | undefined;
  "reply-dir"?: string | undefined;
  send?: boolean | undefined;
  smtp?: string | undefined;
  yes?: boolean | undefined;
  "dry-run"?: boolean | undefined;
  "report-to"?: string | undefined;
  "docs-url"?: string | undefined;
}

const EMAIL_ONLY = ["from", "reply-dir", "send", "smtp", "yes", "dry-run", "report-to"] as const;

export function emailArgs(v: Values, format: string, hint: string): EmailArgs {
  if (format !== "email") {
    const used = EMAIL_ONLY.find((k) => v[k] !== undefined);
    if (used) throw new UsageError(`--${used} only applies to --format email`, hint);
  }
  if (v["docs-url"] !== undefined && format !== "email" && format !== "sarif") throw new UsageError("--docs-url only applies to --format sarif or email", hint);
  if ((v.yes || v["dry-run"] || v.smtp !== undefined) && !v.send) throw new UsageError(`--${v.yes ? "yes" : v["dry-run"] ? "dry-run" : "smtp"} only applies with --send`, hint);
  if (v["reply-dir"] === "") throw new UsageError("--reply-dir needs a directory", hint);
  return {
    ...(v.all ? { all: true } : {}),
    ...(v.from !== undefined ? { from: v.from } : {}),
    ...(v["reply-dir"] !== undefined ? { replyDir: v["reply-dir"] } : {}),
    send: !!v.send,
    ...(v.smtp !== undefined ? { smtp: v.smtp } : {}),
    yes: !!v.yes,
    dryRun: !!v["dry-run"],
    ...(v["report-to"] !== undefined ? { reportTo: v["report-to"] } : {}),
    ...(v["docs-url"] !== undefined ? { docsUrl: v["docs-url"] } : {}),
  };
}

const HINT = "see 'lockreview review --help'";

function checkFrom(from: string): string {
  const a = parseAddress(from).address;
  if (!/^[^@\s<>]+@[^@\s<>]+$/.test(a) || /[\r\n]/.test(from)) throw new UsageError(`--from '${from}' is not a mail address ("Name <user@example.org>")`, HINT);
  return from.trim();
}

function checkUrl(url: string, what: string, schemes: string[]): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`${what} '${url}' is not a URL`, HINT);
  }
  if (!schemes.includes(u.protocol)) throw new UsageError(`${what} must be a ${schemes.map((s) => `${s}//`).join(" or ")} URL`, HINT);
  return url;
}

/** FormatterOptions for the email and SARIF formats, from the arguments and the environment. */
export function emailOptions(a: EmailArgs, env: NodeJS.ProcessEnv, format: string): Pick<FormatterOptions, "docsUrl" | "email"> {
  if (format !== "email" && format !== "sarif") return {};
  const docsUrl = a.docsUrl ?? env["LOCKREVIEW_DOCS_URL"];
  const docs = docsUrl ? { docsUrl: checkUrl(docsUrl, "--docs-url", ["https:", "http:", "file:"]) } : {};
  if (format !== "email") return docs;
  const given = a.from ?? env["LOCKREVIEW_FROM"] ?? env["EMAIL"];
  const from = checkFrom(given ?? DEFAULT_FROM);
  const epoch = Number(env["SOURCE_DATE_EPOCH"]);
  const date = env["SOURCE_DATE_EPOCH"] && Number.isFinite(epoch) ? new Date(epoch * 1000) : new Date();
  const reportTo = a.reportTo ?? env["LOCKREVIEW_REPORT_TO"];
  if (a.replyDir) {
    try {
      mkdirSync(a.replyDir, { recursive: true });
    } catch (e) {
      throw new UsageError(`--reply-dir '${a.replyDir}' cannot be created: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, HINT);
    }
  }
  let sender: EmailOptions["sender"];
  if (a.send) {
    const smtp = a.smtp ?? env["LOCKREVIEW_SMTP"];
    if (smtp !== undefined) checkUrl(smtp, "--smtp", ["smtp:", "smtps:"]);
    if (a.yes && !a.dryRun && !smtp) throw new UsageError("--send --yes needs --smtp URL (or LOCKREVIEW_SMTP)", HINT);
    // Mail from lockreview@localhost is refused or lost; a real sender is one a human answers.
    if (a.yes && !a.dryRun && given === undefined) throw new UsageError("--send --yes needs --from ADDR (or LOCKREVIEW_FROM or EMAIL): replies would come from lockreview@localhost", HINT);
    sender = cliSender({ ...(smtp ? { smtp } : {}), yes: a.yes, dryRun: a.dryRun });
  }
  return {
    ...docs,
    email: {
      from,
      date,
      ...(a.replyDir ? { replyDir: a.replyDir } : {}),
      ...(sender ? { sender } : {}),
      ...(reportTo ? { reportTo } : {}),
      ...(a.all ? { all: true } : {}),
    },
  };
}
