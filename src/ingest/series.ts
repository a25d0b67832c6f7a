// Series identity, revisions and duplicates.
//
// How b4 finds a series: by thread (patches reply to the cover letter, or to
// patch 1 when there is no cover) and across revisions by the cover letter's
// (or first patch's) subject and author — v1, v2, v3 of a series share those.
// We do the same: the key of a series is "<author email>|<normalised title of
// its cover letter or patch 1>"; numbered patches find their head (cover or
// patch 1 of the same author and version) through In-Reply-To/References, or,
// for a directory of format-patch files without Message-IDs, as the most
// recent head with the same author, version and patch count.
//
// Keys are resolved in input order with what has been seen so far, so the
// streaming pass and the two-pass modes (`--latest`, `--tree`) compute the
// same keys. A series whose patches arrive before their cover letter gets a
// thread-based key instead: it is still reviewed, only not linked to other
// revisions.
import { RecentMap } from "./recentMap.js";
import { createHash } from "node:crypto";
import type { Patch, SubjectTags } from "../model/patch.js";
import { ownString } from "./ownString.js";
import { normalizeTitle } from "./subject.js";

export interface SeriesInfo {
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  email: string;
  title: string;
  tags: SubjectTags;
  isReply: boolean;
}

interface Head {
  key: string;
  email: string;
  version: number;
  number: number;
}

/** A series and the revision of it a message belongs to. */
export interface SeriesIdentity {
  key: string;
  /** The subject's vN, or when it gives none, that of the cover letter (or patch 1) it replies to. */
  version: number;
}

export class SeriesTracker {
  /** Series heads (covers, patch 1s, single patches) by Message-ID. */
  private heads = new RecentMap<string, Head>();
  /** Most recent head per "email|version|total", for threadless directories. */
  private lastHead = new RecentMap<string, Head>();
  /** Interned keys: many messages share one key string. */
  private interned = new RecentMap<string, string>();
  /**
   * Pairs of keys that are revisions of one series: a head that replies to
   * an earlier revision by the same author (git send-email --in-reply-to,
   * as b4 finds revisions inside one thread) under another title.
   */
  readonly links: Array<[string, string]> = [];

  private intern(k: string): string {
    const v = this.interned.get(k);
    if (v !== undefined) return v;
    const own = ownString(k);
    this.interned.set(own, own);
    return own;
  }

  /** Key of the series a message belongs to; call in input order. */
  keyFor(m: SeriesInfo): string {
    return this.identify(m).key;
  }

  /** Key and revision of the series a message belongs to; call in input order. */
  identify(m: SeriesInfo): SeriesIdentity {
    const email = m.email.toLowerCase();
    if (m.isReply) {
      const root = m.references[0] ?? m.inReplyTo ?? m.messageId ?? "";
      return { key: this.intern(`reply:${root}`), version: m.tags.version };
    }
    const { number, total } = m.tags;
    let version = m.tags.version;
    // Nearest ancestor first: In-Reply-To, then References from the end.
    const ids = [m.inReplyTo, ...[...m.references].reverse()].filter((x): x is string => !!x);
    const numbered = number !== undefined && total !== undefined && total > 1;
    if (numbered && number > 0 && !m.tags.versionGiven) {
      // "[PATCH 1/3]" under "[PATCH V12 0/3]": b4 takes the revision from the
      // cover letter (or patch 1) the patch replies to.
      const up = m.inReplyTo ? this.heads.get(m.inReplyTo) : undefined;
      if (up && up.email === email && up.number < number) version = up.version;
    }
    const own = this.intern(`${email}|${normalizeTitle(m.title)}`);
    let key = own;
    if (numbered && number > 0) {
      key = "";
      for (const id of ids) {
        const h = this.heads.get(id);
        if (h && h.email === email && h.version === version && h.number < number) {
          key = h.key;
          break;
        }
      }
      if (!key) {
        const h = this.lastHead.get(`${email}|${version}|${total}`);
        if (h && h.number < number && (number === 1 ? h.number === 0 : true)) key = h.key;
      }
      if (!key) key = number === 1 ? own : this.intern(`${email}|thread:${m.references[0] ?? m.inReplyTo ?? own}`);
    }
    if (!numbered || number === 0 || number === 1) {
      // A head replying to another revision of the author's: one series.
      for (const id of ids) {
        const h = this.heads.get(id);
        if (h && h.email === email && h.version !== version && h.key !== key) this.links.push([key, h.key]);
      }
      const head: Head = { key, email, version, number: number ?? 0 };
      if (m.messageId) this.heads.set(m.messageId, head);
      if (numbered) this.lastHead.set(`${email}|${version}|${total}`, head);
    }
    return { key, version };
  }
}

/**
 * Identity of a patch's content for cross-post dedupe: the same author, title,
 * revision/number and the same diff (a list may add its own "[list]" tag to
 * the subject, so the title after the tags is compared, not the subject).
 */
export function contentKey(p: Patch): string {
  const h = createHash("sha1");
  h.update(`${p.author?.email.toLowerCase() ?? ""}\0${p.title}\0${p.tags.version}\0${p.tags.number ?? ""}\0`);
  for (const f of p.files) {
    h.update(`${f.oldPath}\0${f.newPath}\0${f.status}\0${f.binary}\0`);
    for (const hk of f.hunks) {
      h.update(hk.header + "\n");
      for (const c of hk.changes) h.update(c.kind[0]! + c.content + "\n");
    }
  }
  return h.digest("base64");
}

/** Ordering of buffered patches within a series: by revision, then number, then input order. */
export function seriesOrder(a: { patch: Patch; seq: number }, b: { patch: Patch; seq: number }): number {
  return (
    a.patch.tags.version - b.patch.tags.version ||
    (a.patch.tags.number ?? 0) - (b.patch.tags.number ?? 0) ||
    a.seq - b.seq
  );
}

/** Per-message facts from the first pass of `--latest`/`--tree`. */
export interface FirstPassRecord {
  key: string;
  version: number;
  /** Could become a reviewed patch (not a reply, not a cover). */
  reviewable: boolean;
  isPatchTagged: boolean;
}

/** What the first pass concludes: the newest revision of each series, and where each series ends. */
export class SeriesPlan {
  private maxVersion = new Map<string, number>();
  private lastSeq = new Map<string, number>();
  private records: FirstPassRecord[] = [];

  add(rec: FirstPassRecord): void {
    this.records.push(rec);
  }

  /**
   * Call after the first pass, with the tracker's revision links: keys of
   * linked series become one (the first seen), then the newest revision of
   * each series and where its last kept member is are known.
   */
  finish(latest: boolean, links: ReadonlyArray<readonly [string, string]> = []): void {
    const parent = new Map<string, string>();
    const find = (k: string): string => {
      let r = k;
      while (parent.has(r)) r = parent.get(r)!;
      // Path compression keeps long chains of revisions cheap.
      for (let x = k; x !== r; ) {
        const next = parent.get(x)!;
        parent.set(x, r);
        x = next;
      }
      return r;
    };
    for (const [a, b] of links) {
      const ra = find(a);
      const rb = find(b);
      if (ra !== rb) parent.set(ra, rb); // b is the earlier revision: its key stays
    }
    for (const r of this.records) {
      if (parent.size) r.key = find(r.key);
      if (r.isPatchTagged) this.maxVersion.set(r.key, Math.max(this.maxVersion.get(r.key) ?? 0, r.version));
    }
    this.records.forEach((r, seq) => {
      if (!r.reviewable) return;
      if (latest && this.superseded(seq)) return;
      this.lastSeq.set(r.key, seq);
    });
  }

  get size(): number {
    return this.records.length;
  }

  record(seq: number): FirstPassRecord | undefined {
    return this.records[seq];
  }

  /** An older revision of a series that has a newer one in the input. */
  superseded(seq: number): boolean {
    const r = this.records[seq];
    if (!r || !r.isPatchTagged) return false;
    return r.version < (this.maxVersion.get(r.key) ?? r.version);
  }

  newestVersion(key: string): number | undefined {
    return this.maxVersion.get(key);
  }

  /** Sequence number of the last kept member of a series. */
  lastOf(key: string): number | undefined {
    return this.lastSeq.get(key);
  }
}
