// `lockreview review --format email --send`: hand the rendered replies to an
// SMTP server. Default-safe: without --yes (or with --dry-run) nothing is
// sent; each reply is listed with its recipients and threading, so what
// would go to a mailing list can be checked first. A reply that cannot be
// threaded (the patch had no Message-ID, e.g. a format-patch file before
// git send-email gave it one) is never sent.
import type { EmailOptions } from "../render/email.js";
import { redactUrl, smtpSender, type RenderedReply, type Sender } from "../render/mail.js";
import { UsageError } from "./errors.js";

export interface SendArgs {
  smtp?: string;
  yes: boolean;
  dryRun: boolean;
}

type ReplySender = NonNullable<EmailOptions["sender"]>;

function describe(r: RenderedReply): string {
  const x = r.reply;
  return [
    `  subject: ${x.subject}`,
    `  to: ${x.to.join(", ") || "(nobody)"}`,
    ...(x.cc.length ? [`  cc: ${x.cc.join(", ")}`] : []),
    `  in-reply-to: ${x.inReplyTo ?? "(none)"}`,
  ].join("\n");
}

export function cliSender(a: SendArgs, make: (url: string) => Sender = smtpSender): ReplySender {
  const dry = a.dryRun || !a.yes;
  const where = a.smtp ? redactUrl(a.smtp) : "";
  let sent = 0;
  let listed = 0;
  let skipped = 0;
  let smtp: Sender | undefined;
  return {
    async send(r) {
      if (!r.reply.inReplyTo) {
        skipped++;
        return `not sent: ${r.reply.messageId} (the patch has no Message-ID, so the reply could not be threaded)\n${describe(r)}\n`;
      }
      if (dry) {
        listed++;
        return `would send ${r.reply.messageId}\n${describe(r)}\n`;
      }
      smtp ??= make(a.smtp!);
      try {
        const response = await smtp.send(r);
        sent++;
        return `sent ${r.reply.messageId}${response ? ` (${response})` : ""}\n${describe(r)}\n`;
      } catch (e) {
        smtp.close();
        const done = sent ? ` (${sent} sent before it)` : "";
        throw new UsageError(`sending ${r.reply.messageId} through ${where} failed: ${(e as Error).message}${done}`);
      }
    },
    async end() {
      smtp?.close();
      const skip = skipped ? `, ${skipped} not threadable` : "";
      if (dry) {
        return `dry run: nothing sent (${listed} ${listed === 1 ? "reply" : "replies"}${skip}${where ? `; would go through ${where}` : ""}); add --yes to send\n`;
      }
      return `${sent} sent through ${where}${skip}\n`;
    },
  };
}
