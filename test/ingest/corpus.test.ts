// The shared linux-raid 2022 archive (3,124 real messages) through ingest:
// no crash, every message accounted for, plausible counts.
import { describe, expect, test } from "@jest/globals";
import { simpleParser } from "mailparser";
import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { splitMbox } from "../../src/ingest/mbox.js";
import { MAIL_HEADER_FIELDS, readMailHeaders, splitHeaderBlock } from "../../src/ingest/headers.js";
import { CORPUS, collect, corpusPresent } from "./helpers.js";

const run = corpusPresent ? describe : describe.skip;
if (!corpusPresent) console.log(`[skip] corpus tests: ${CORPUS} is absent (it lives in ../shared)`);

const TAGGED = /^\s*\[[^\]]*PATCH/i;

run("linux-raid-2022 corpus", () => {
  test("every message is a Patch, an error or a noted duplicate; counts are plausible", async () => {
    const got = await collect([CORPUS]);
    const { stats } = got;
    expect(stats.messages).toBe(3124);
    expect(got.patches.length + got.errors.length + got.skipped.length).toBe(stats.messages);
    // Top-level [PATCH mails (not replies): reviewed patches, covers, duplicates, errors.
    const tagged =
      got.patches.filter((p) => TAGGED.test(p.subject)).length +
      got.skipped.filter((s) => TAGGED.test(s.subject)).length +
      got.errors.filter((e) => /^message <[^>]*> "\s*\[[^\]]*PATCH/i.test(e.message)).length;
    console.log(
      `[corpus] ${stats.messages} messages: ${stats.patches} patches, ${stats.covers} covers, ${stats.replies} replies, ` +
        `${stats.other} other, ${stats.duplicates} duplicates, ${stats.errors} errors; ${tagged} top-level [PATCH mails; ` +
        `fast path ${stats.fastPath}, raw ${stats.rawPath}, mailparser ${stats.slowPath}`,
    );
    expect(tagged).toBeGreaterThanOrEqual(890);
    expect(tagged).toBeLessThanOrEqual(905);
    expect(stats.patches).toBeGreaterThan(700);
    expect(stats.covers).toBeGreaterThan(70);
    expect(stats.replies).toBeGreaterThan(1800);
    // The two known bad ones: a line-wrapped RFC patch and a [PATCH] mail without a diff.
    expect(got.errors.length).toBeLessThanOrEqual(5);
    for (const e of got.errors) expect(e.message).toMatch(/^message <[^>]+> ".*": (malformed hunk|no diff found)/);
    // Every patch has files with line numbers; every reply was classified by its subject.
    for (const p of got.patches) {
      if (p.kind === "patch") expect(p.files.length).toBeGreaterThan(0);
      if (p.kind === "reply") expect(p.subject).toMatch(/^\s*(re|aw|fwd?|sv|antw|odp|wg)\s*(\[\d+\])?\s*:/i);
    }
    // The invalid charset "y" message is decoded with a warning, not lost.
    expect(got.patches.some((p) => p.warnings.some((w) => w.includes('unknown charset "y"')))).toBe(true);
  });

  test("--latest keeps fewer patches, and never a lower version than one it dropped", async () => {
    const got = await collect([CORPUS], { latest: true });
    expect(got.stats.superseded).toBeGreaterThan(50);
    const kept = new Map<string, number>();
    for (const p of got.patches) if (p.tags.isPatch && p.kind !== "reply") kept.set(p.seriesKey, Math.max(kept.get(p.seriesKey) ?? 0, p.tags.version));
    for (const p of got.patches) if (p.tags.isPatch && p.kind !== "reply") expect(p.tags.version).toBe(kept.get(p.seriesKey));
  });

  test("our header decoding agrees with mailparser on subject, Message-ID and author", async () => {
    const bad: string[] = [];
    for await (const m of splitMbox(createReadStream(CORPUS).pipe(createGunzip()))) {
      const h = readMailHeaders(splitHeaderBlock(m.raw, MAIL_HEADER_FIELDS).fields);
      const p = await simpleParser(m.raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true });
      if ((p.subject ?? "").replace(/\s+/g, " ").trim() !== h.subject) bad.push(`#${m.index} subject`);
      if ((p.messageId ?? "").replace(/^<|>$/g, "") !== (h.messageId ?? "")) bad.push(`#${m.index} message-id`);
      const a = p.from?.value[0];
      if ((a?.address ?? "") !== (h.from?.email ?? "")) bad.push(`#${m.index} from`);
    }
    expect(bad).toEqual([]);
  });
});
