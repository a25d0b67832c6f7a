// The ingest stage: resolved inputs → a stream of events, one per message:
// a Patch (of any kind: patch, cover, reply, diff, other), an error naming the
// broken message, or a note that a message was skipped (a cross-posted
// duplicate, an older revision under --latest). Nothing thrown while handling
// one message escapes it: a bad message is an `error` event and the stream
// goes on.
//
// Memory: one message at a time plus a bounded window of messages being
// decoded by the worker pool (WINDOW messages / WINDOW_BYTES), plus — in the
// series-ordered modes — the patches of series not yet complete, plus one
// small record per message from the first pass. Never the mailbox.
import { RecentMap } from "./recentMap.js";
import type { InputError, Patch } from "../model/patch.js";
import { type BodyDecoder, inProcessDecoder } from "./bodyPool.js";
import { canDecodeFast, canDecodeRaw, decodeFastBody, decodeRawBody, type DecodedBody } from "./body.js";
import { DiffError } from "./diff.js";
import { MAIL_HEADER_FIELDS, type MailHeaders, readMailHeaders, splitHeaderBlock } from "./headers.js";
import { type ResolvedInput, describeFsError } from "./input.js";
import { formatPatchCommit, splitMbox } from "./mbox.js";
import { MessageDecodeError } from "./mime.js";
import { NoDiffError, buildMailPatch } from "./message.js";
import { buildPlainDiffPatch, splitPlainDiff, type PlainDiffUnit } from "./plainDiff.js";
import { subjectNotAPatch } from "./notPatches.js";
import { SeriesPlan, SeriesTracker, contentKey, seriesOrder } from "./series.js";
import { parseSubject } from "./subject.js";

export type SkipReason = "duplicate" | "superseded" | "oversize";

export type IngestEvent =
  | { type: "patch"; patch: Patch }
  | { type: "error"; error: InputError }
  | { type: "skipped"; source: string; subject: string; reason: SkipReason; detail: string };

export interface IngestStats {
  messages: number;
  patches: number;
  covers: number;
  replies: number;
  diffs: number;
  /** Pull requests, pings quoting a patch, pointers to a branch (see notPatches.ts). */
  pulls: number;
  pings: number;
  pointers: number;
  other: number;
  errors: number;
  duplicates: number;
  superseded: number;
  /** Bodies decoded by the fast path, the raw route, and mailparser (for the benchmark). */
  fastPath: number;
  rawPath: number;
  slowPath: number;
}

export interface IngestOptions {
  /** Keep only the newest revision of each series. */
  latest?: boolean;
  /**
   * Hand out the patches of a series together and in series order (needed
   * when a tree is given: each patch applies on top of the previous ones).
   * Implied by `latest`.
   */
  seriesOrder?: boolean;
  decoder?: BodyDecoder;
  /** Called after each message; the caller throttles. */
  onProgress?: (s: Readonly<IngestStats>) => void;
  maxMessageBytes?: number;
}

// Messages allowed in flight while a slow (mailparser) message is decoded.
// Everything behind it is held until it is done, and held objects get
// promoted to V8's old space: 2,048 cost 80 MB more peak RSS on a 31,000-
// message mailbox than 256, for no speed. Bounded in bytes as well.
const WINDOW = 256;
const WINDOW_BYTES = 16 * 1024 * 1024;
const MAX_SINGLE_FILE = 64 * 1024 * 1024;

interface MailUnit {
  kind: "mail";
  source: string;
  index: number;
  raw: Buffer;
  postmark?: string;
  oversize?: number;
}
interface DiffUnit {
  kind: "diff";
  source: string;
  name: string;
  unit: PlainDiffUnit;
}
interface FailedUnit {
  kind: "failed";
  source: string;
  message: string;
}
type Unit = MailUnit | DiffUnit | FailedUnit;

async function readAll(src: AsyncIterable<Buffer>, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of src) {
    n += c.length;
    if (n > MAX_SINGLE_FILE) throw new Error(`${name} is larger than ${MAX_SINGLE_FILE >> 20} MiB`);
    parts.push(c);
  }
  return Buffer.concat(parts, n);
}

/** Every message of every input, in order. Read failures become `failed` units. */
async function* unitsOf(inputs: ResolvedInput[], maxMessageBytes?: number): AsyncGenerator<Unit> {
  for (const input of inputs) {
    let count = 0;
    // One message of look-ahead: a mailbox holding a single message (a
    // format-patch file) is named by its path alone, otherwise path#n. The
    // splitter hands out a message only once it is complete, so the
    // look-ahead must go out even when the stream fails after it (a gzip cut
    // inside the next message).
    let prev: MailUnit | undefined;
    try {
      if (input.kind === "mbox") {
        for await (const m of splitMbox(input.open(), maxMessageBytes ? { maxMessageBytes } : {})) {
          count++;
          if (prev) yield { ...prev, source: `${input.name}#${prev.index}` };
          prev = {
            kind: "mail",
            source: input.name,
            index: m.index,
            raw: m.raw,
            postmark: m.postmark,
            ...(m.oversize ? { oversize: m.oversize } : {}),
          };
        }
        const last = prev;
        prev = undefined;
        if (last) yield count > 1 ? { ...last, source: `${input.name}#${last.index}` } : last;
      } else if (input.kind === "mail") {
        const raw = await readAll(input.open(), input.name);
        count = 1;
        yield { kind: "mail", source: input.name, index: 1, raw };
      } else {
        const text = (await readAll(input.open(), input.name)).toString("utf8");
        const units = splitPlainDiff(text);
        for (const u of units) {
          count++;
          yield { kind: "diff", name: input.name, source: units.length > 1 ? `${input.name}#${u.index}` : input.name, unit: u };
        }
      }
    } catch (e) {
      if (prev) yield { ...prev, source: `${input.name}#${prev.index}` };
      yield {
        kind: "failed",
        source: input.name,
        message: `read error after ${count} message${count === 1 ? "" : "s"}: ${describeFsError(e)}`,
      };
    }
  }
}

function newStats(): IngestStats {
  return { messages: 0, patches: 0, covers: 0, replies: 0, diffs: 0, pulls: 0, pings: 0, pointers: 0, other: 0, errors: 0, duplicates: 0, superseded: 0, fastPath: 0, rawPath: 0, slowPath: 0 };
}

/** "message <id> "subject"" — how errors name a message besides its source. */
function nameMessage(h: Pick<MailHeaders, "messageId" | "subject"> | undefined): string {
  if (!h) return "message";
  const id = h.messageId ? `<${h.messageId}>` : "without Message-ID";
  return `message ${id} "${h.subject}"`;
}

type Outcome =
  | { kind: "patch"; patch: Patch; seq: number; bytes: number }
  | { kind: "error"; error: InputError; seq: number; bytes: number }
  | { kind: "skipped"; event: IngestEvent & { type: "skipped" }; seq: number; bytes: number };

function errorOutcome(source: string, message: string, seq: number, bytes = 0): Outcome {
  return { kind: "error", error: { source, message }, seq, bytes };
}

function describeError(e: unknown): string {
  if (e instanceof MessageDecodeError || e instanceof DiffError || e instanceof NoDiffError) return e.message;
  const err = e as Error;
  if (process.env["LOCKREVIEW_DEBUG"]) process.stderr.write(`${err?.stack ?? err}\n`);
  return `internal error: ${err?.message ?? String(e)}`;
}

/**
 * Run ingest over resolved inputs. See the file comment for the event
 * contract; `stats` is updated as events are produced.
 */
export async function* ingest(
  inputs: ResolvedInput[],
  opts: IngestOptions = {},
  stats: IngestStats = newStats(),
): AsyncGenerator<IngestEvent> {
  const decoder = opts.decoder ?? inProcessDecoder();
  const ordered = !!(opts.seriesOrder || opts.latest);
  const plan = ordered ? await firstPass(inputs, opts) : undefined;
  const tracker = new SeriesTracker();
  // Recent ones: a duplicate comes soon after what it repeats (recentMap.ts).
  const seenIds = new RecentMap<string, string>();
  const seenContent = new RecentMap<string, string>();

  // --- per message, in input order, synchronous part ---------------------
  const handle = (u: Unit, seq: number): Outcome | Promise<Outcome> => {
    if (u.kind === "failed") return errorOutcome(u.source, u.message, seq);
    if (u.kind === "diff") {
      try {
        const p = buildPlainDiffPatch(u.unit, u.name, u.source);
        p.seriesKey = plan?.record(seq)?.key ?? `diff:${u.source}`;
        return { kind: "patch", patch: p, seq, bytes: 0 };
      } catch (e) {
        return errorOutcome(u.source, describeError(e), seq);
      }
    }
    if (u.oversize) {
      return errorOutcome(u.source, `message of ${u.oversize} bytes is larger than the ${((opts.maxMessageBytes ?? 64 << 20) >> 20)} MiB limit; skipped`, seq);
    }
    let h: MailHeaders | undefined;
    try {
      const hb = splitHeaderBlock(u.raw, MAIL_HEADER_FIELDS);
      h = readMailHeaders(hb.fields);
      const parsed = parseSubject(h.subject);
      const id =
        plan?.record(seq) ??
        tracker.identify({ ...h, email: h.from?.email ?? "", title: parsed.title, tags: parsed.tags, isReply: parsed.isReply });
      const key = id.key;
      if (h.messageId) {
        const first = seenIds.get(h.messageId);
        if (first !== undefined) {
          return {
            kind: "skipped",
            seq,
            bytes: 0,
            event: { type: "skipped", source: u.source, subject: h.subject, reason: "duplicate", detail: `same Message-ID as ${first}` },
          };
        }
        seenIds.set(h.messageId, u.source);
      }
      if (plan && opts.latest && plan.superseded(seq)) {
        return {
          kind: "skipped",
          seq,
          bytes: 0,
          event: {
            type: "skipped",
            source: u.source,
            subject: h.subject,
            reason: "superseded",
            detail: `v${id.version} superseded by v${plan.newestVersion(key)}`,
          },
        };
      }
      const ctx = {
        source: u.source,
        index: u.index,
        headerLines: hb.lineCount,
        ...(u.postmark && formatPatchCommit(u.postmark) ? { commit: formatPatchCommit(u.postmark)! } : {}),
      };
      const hh = h;
      const finish = (body: DecodedBody): Outcome => {
        try {
          const p = buildMailPatch(hh, body, ctx);
          p.seriesKey = key;
          // A version the subject did not give, taken from the cover letter.
          p.tags.version = id.version;
          return { kind: "patch", patch: p, seq, bytes: u.raw.length };
        } catch (e) {
          return errorOutcome(u.source, `${nameMessage(hh)}: ${describeError(e)}`, seq, u.raw.length);
        }
      };
      if (canDecodeFast(h)) {
        stats.fastPath++;
        return finish(decodeFastBody(u.raw, hb.bodyOffset, h.transferEncoding));
      }
      if (canDecodeRaw(h)) {
        stats.rawPath++;
        return finish(decodeRawBody(u.raw, hb.bodyOffset, h));
      }
      stats.slowPath++;
      return decoder.decode(u.raw).then(finish, (e) =>
        errorOutcome(u.source, `${nameMessage(hh)}: ${describeError(e)}`, seq, u.raw.length),
      );
    } catch (e) {
      return errorOutcome(u.source, `${nameMessage(h)}: ${describeError(e)}`, seq);
    }
  };

  // --- in order, after decoding: dedupe by content, series buffering -----
  const buffers = new Map<string, Array<{ patch: Patch; seq: number }>>();
  const count = (p: Patch) => {
    if (p.kind === "patch") stats.patches++;
    else if (p.kind === "cover") stats.covers++;
    else if (p.kind === "reply") stats.replies++;
    else if (p.kind === "diff") stats.diffs++;
    else if (p.kind === "pull") stats.pulls++;
    else if (p.kind === "ping") stats.pings++;
    else if (p.kind === "pointer") stats.pointers++;
    else stats.other++;
  };
  function* flushUpTo(seq: number, force = false): Generator<IngestEvent> {
    for (const [key, list] of buffers) {
      const last = plan!.lastOf(key);
      if (force || last === undefined || last <= seq) {
        buffers.delete(key);
        list.sort(seriesOrder);
        for (const x of list) yield { type: "patch", patch: x.patch };
      }
    }
  }
  function* settle(o: Outcome): Generator<IngestEvent> {
    if (o.kind === "error") {
      stats.errors++;
      yield { type: "error", error: o.error };
    } else if (o.kind === "skipped") {
      if (o.event.reason === "duplicate") stats.duplicates++;
      else if (o.event.reason === "superseded") stats.superseded++;
      yield o.event;
    } else {
      const p = o.patch;
      const reviewable = p.kind === "patch" || p.kind === "diff";
      if (reviewable && p.kind === "patch") {
        const ck = contentKey(p);
        const first = seenContent.get(ck);
        if (first !== undefined) {
          stats.duplicates++;
          yield { type: "skipped", source: p.source, subject: p.subject, reason: "duplicate", detail: `same author, subject and diff as ${first}` };
          if (plan) yield* flushUpTo(o.seq);
          return;
        }
        seenContent.set(ck, p.source);
      }
      count(p);
      if (plan && reviewable) {
        const list = buffers.get(p.seriesKey) ?? [];
        list.push({ patch: p, seq: o.seq });
        buffers.set(p.seriesKey, list);
      } else yield { type: "patch", patch: p };
    }
    if (plan) yield* flushUpTo(o.seq);
  }

  const queue: Array<Outcome | Promise<Outcome>> = [];
  let inflightBytes = 0;
  let seq = 0;
  const drain = async function* (): AsyncGenerator<IngestEvent> {
    const o = await queue.shift()!;
    inflightBytes -= o.bytes;
    yield* settle(o);
    opts.onProgress?.(stats);
  };
  try {
    for await (const u of unitsOf(inputs, opts.maxMessageBytes)) {
      stats.messages++;
      const r = handle(u, seq++);
      if (r instanceof Promise) inflightBytes += u.kind === "mail" ? u.raw.length : 0;
      queue.push(r);
      // Synchronous outcomes at the head go out at once; a pending one holds
      // the line until the window is full.
      while (queue.length && (!(queue[0] instanceof Promise) || queue.length > WINDOW || inflightBytes > WINDOW_BYTES)) {
        yield* drain();
      }
    }
    while (queue.length) yield* drain();
    if (plan) yield* flushUpTo(Number.MAX_SAFE_INTEGER, true);
  } finally {
    if (!opts.decoder) await decoder.close();
  }
}

/**
 * First pass for --latest/--tree: headers only, one small record per
 * message (series key, revision, whether it could be a reviewed patch).
 */
async function firstPass(inputs: ResolvedInput[], opts: IngestOptions): Promise<SeriesPlan> {
  const plan = new SeriesPlan();
  const tracker = new SeriesTracker();
  for await (const u of unitsOf(inputs, opts.maxMessageBytes)) {
    if (u.kind !== "mail" || u.oversize) {
      plan.add({ key: `diff:${u.source}`, version: 1, reviewable: u.kind === "diff", isPatchTagged: false });
      continue;
    }
    try {
      const h = readMailHeaders(splitHeaderBlock(u.raw, MAIL_HEADER_FIELDS).fields);
      const s = parseSubject(h.subject);
      const { key, version } = tracker.identify({ ...h, email: h.from?.email ?? "", title: s.title, tags: s.tags, isReply: s.isReply });
      plan.add({
        key,
        version,
        reviewable: !s.isReply && !(s.tags.isPatch && s.tags.number === 0) && !subjectNotAPatch(s.tags, s.title),
        isPatchTagged: s.tags.isPatch && !s.isReply,
      });
    } catch {
      plan.add({ key: `broken:${u.source}`, version: 1, reviewable: false, isPatchTagged: false });
    }
  }
  plan.finish(!!opts.latest, tracker.links);
  return plan;
}

export { newStats };
