// Turning a Reply into a message: nodemailer renders it (offline, with its
// stream transport) and sends it (SMTP); this file also writes mboxrd and
// picks safe file names for --reply-dir.
import type { Transporter } from "nodemailer";

// nodemailer costs ~50 ms to import: only the email format and --send load it
// (the sendemail-validate hook starts lockreview once per patch).
type Nodemailer = (typeof import("nodemailer"))["default"];
let loaded: Promise<Nodemailer> | undefined;
const mailer = (): Promise<Nodemailer> => (loaded ??= import("nodemailer").then((m) => m.default));
import { MBOXRD_POSTMARK } from "../ingest/mbox.js";
import { parseAddress } from "./recipients.js";
import type { Reply } from "./reply.js";

export interface RenderedReply {
  reply: Reply;
  /** The whole message, LF line ends. */
  raw: Buffer;
  /** SMTP envelope: the sender's address and every recipient's. */
  envelope: { from: string; to: string[] };
}

/**
 * Render with nodemailer's stream transport (STACK.md: `streamTransport`,
 * `buffer`, `newline: "unix"`); nothing leaves the process. nodemailer
 * encodes any body with a line over 76 characters (a quoted diff line, a
 * hunk header) as quoted-printable, or base64, and offers no 8bit; lists
 * and their archives read plain 8bit text (git send-email sends that), and
 * QP soft breaks make the raw message, lore's /raw view and `git am` users
 * miserable. So the body is rendered quoted-printable and then decoded back
 * to 8bit (7bit when it is ASCII), which is safe while no line exceeds
 * RFC 5322's 998 octets; otherwise nodemailer's QP is kept.
 */
export async function renderReply(reply: Reply, toolVersion: string): Promise<RenderedReply> {
  const t = (await mailer()).createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const info = await t.sendMail({
    from: reply.from,
    to: reply.to,
    ...(reply.cc.length ? { cc: reply.cc } : {}),
    subject: reply.subject,
    ...(reply.inReplyTo ? { inReplyTo: reply.inReplyTo } : {}),
    ...(reply.references.length ? { references: reply.references } : {}),
    messageId: reply.messageId,
    date: reply.date,
    text: reply.text,
    textEncoding: "quoted-printable",
    headers: { "X-Mailer": `lockreview ${toolVersion}` },
  });
  const rendered = Buffer.isBuffer(info.message) ? info.message : Buffer.from(String(info.message));
  const raw = toEightBit(rendered);
  const addr = (s: string) => parseAddress(s).address;
  return { reply, raw, envelope: { from: addr(reply.from), to: [...reply.to, ...reply.cc].map(addr) } };
}

/** Decode a quoted-printable body (soft breaks, =XX) to bytes. */
export function decodeQP(body: string): Buffer {
  const s = body.replace(/=\r?\n/g, "");
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3d && /^[0-9A-Fa-f]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(c & 0xff);
  }
  return Buffer.from(out);
}

/** A single-part message whose body nodemailer wrote as quoted-printable, rewritten as 8bit (or 7bit). */
export function toEightBit(message: Buffer): Buffer {
  const text = message.toString("latin1");
  const split = text.indexOf("\n\n");
  if (split < 0) return message;
  const head = text.slice(0, split + 1);
  if (!/^Content-Transfer-Encoding: quoted-printable\n/im.test(head)) return message;
  const body = decodeQP(text.slice(split + 2));
  if (body.toString("latin1").split("\n").some((l) => l.length > 998)) return message;
  const cte = body.every((b) => b < 0x80) ? "7bit" : "8bit";
  return Buffer.concat([Buffer.from(head.replace(/^Content-Transfer-Encoding: quoted-printable$/im, `Content-Transfer-Encoding: ${cte}`), "latin1"), Buffer.from("\n"), body]);
}

/**
 * One mboxrd entry: the postmark lore, public-inbox and b4 write
 * (`From mboxrd@z Thu Jan  1 00:00:00 1970`, which tells readers, ours
 * included, that the mailbox is mboxrd), the message with every line that
 * matches /^>*From / quoted with one more `>` (readers strip exactly one),
 * and a blank line.
 */
export function mboxrdEntry(r: RenderedReply): string {
  const text = r.raw.toString("utf8").replace(/\r\n/g, "\n");
  const body = text.replace(/^(>*From )/gm, ">$1");
  return `${MBOXRD_POSTMARK}\n${body}${body.endsWith("\n") ? "" : "\n"}\n`;
}

/**
 * `<nnnn>-<slug>.eml`, like `git format-patch` names its files: only
 * [A-Za-z0-9._-] from the patch title (never header text as is: no path
 * separators, no control characters, no leading dot), at most 64
 * characters of slug.
 */
export function replyFileName(n: number, title: string): string {
  let slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "") // ü → u, not u-
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/[-.]*-[-.]*/g, "-")
    .replace(/\.{2,}/g, ".")
    .replace(/^[-.]+|[-.]+$/g, "");
  slug = slug.slice(0, 64).replace(/[-.]+$/g, "");
  return `${String(n).padStart(4, "0")}-${slug || "reply"}.eml`;
}

/** An SMTP URL with its password hidden, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.href;
  } catch {
    return "(invalid URL)";
  }
}

export interface Sender {
  send(r: RenderedReply): Promise<string>;
  close(): void;
}

/** Send rendered replies through an SMTP server (nodemailer's SMTP transport; `smtp://`, `smtps://`). */
export function smtpSender(url: string): Sender {
  let transport: Promise<Transporter> | undefined;
  const t = () => (transport ??= mailer().then((m) => m.createTransport(url)));
  return {
    async send(r) {
      // `raw`: what goes out is byte for byte what --reply-dir would have written.
      const info = await (await t()).sendMail({ envelope: r.envelope, raw: r.raw });
      return String(info.response ?? "");
    },
    close() {
      void transport?.then((x) => x.close());
    },
  };
}
