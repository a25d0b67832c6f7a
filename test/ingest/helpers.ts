// Shared helpers of the ingest and CLI tests.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { ingest, newStats, resolveInputs, type IngestEvent, type IngestOptions, type IngestStats } from "../../src/ingest/index.js";
import type { InputError, Patch } from "../../src/model/patch.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIX = join(ROOT, "fixtures", "ingest");
export const fx = (name: string) => join(FIX, name);
export const CORPUS = join(ROOT, "..", "shared", "corpus", "linux-raid-2022.mbox.gz");
export const corpusPresent = existsSync(CORPUS);

export interface Collected {
  patches: Patch[];
  errors: InputError[];
  skipped: Array<Extract<IngestEvent, { type: "skipped" }>>;
  stats: IngestStats;
}

/** Resolve inputs and collect every ingest event. */
export async function collect(args: string[], opts: IngestOptions & { stdin?: Readable } = {}): Promise<Collected> {
  const inputs = await resolveInputs(args, { ...(opts.stdin ? { stdin: opts.stdin } : {}), spoolStdin: !!(opts.latest || opts.seriesOrder) });
  const stats = newStats();
  const out: Collected = { patches: [], errors: [], skipped: [], stats };
  try {
    for await (const ev of ingest(inputs, opts, stats)) {
      if (ev.type === "patch") out.patches.push(ev.patch);
      else if (ev.type === "error") out.errors.push(ev.error);
      else out.skipped.push(ev);
    }
  } finally {
    for (const i of inputs) await i.cleanup?.();
  }
  return out;
}

export function readFixture(name: string): Buffer {
  return readFileSync(fx(name));
}

export function streamOf(data: Buffer | string, chunk = 7): Readable {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}

export interface MailSpec {
  from?: string;
  subject: string;
  id?: string;
  inReplyTo?: string;
  references?: string[];
  date?: string;
  body: string;
}

/** One message as an mbox entry ("From " line, headers, body), for mailboxes written by a test. */
export function mboxEntry(m: MailSpec): string {
  const refs = m.references ?? (m.inReplyTo ? [m.inReplyTo] : []);
  const head = [
    "From mboxrd@z Thu Jan  1 00:00:00 1970",
    `From: ${m.from ?? "Alice Example <alice@example.org>"}`,
    `Date: ${m.date ?? "Mon, 13 Jan 2025 10:00:00 +0100"}`,
    `Subject: ${m.subject}`,
    "To: linux-block@vger.kernel.org",
    ...(m.id ? [`Message-ID: <${m.id}>`] : []),
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(refs.length ? [`References: ${refs.map((r) => `<${r}>`).join(" ")}`] : []),
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  return `${head.join("\n")}\n\n${m.body.replace(/^(>*From )/gm, ">$1")}\n`;
}

/** A small demo_blk diff: `n` tells the versions apart; the line it adds is the same deadlock. */
export function demoDiff(n = 0): string {
  return `diff --git a/drivers/block/demo_blk.c b/drivers/block/demo_blk.c
index 3c1d2e4..8f9a0b1 100644
--- a/drivers/block/demo_blk.c
+++ b/drivers/block/demo_blk.c
@@ -${32 + n},7 +${32 + n},8 @@ static void demo_release(struct gendisk *disk)
 	struct demo_dev *d = disk->private_data;
 
 	mutex_lock(&demo_lock);
-	d->users--;
+	if (--d->users == 0)
+		flush_work(&d->reset_work);
 	mutex_unlock(&demo_lock);
 }
 
`;
}

/** A format-patch style body: message, sign-off, "---", diffstat, the diff, signature. */
export function patchBody(message: string, diff = demoDiff()): string {
  return `${message}\n\nSigned-off-by: Alice Example <alice@example.org>\n---\n drivers/block/demo_blk.c | 3 ++-\n 1 file changed\n\n${diff}-- \n2.43.0\n`;
}
