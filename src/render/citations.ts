// Which incidents a reply cites. A reviewer names the one or two earlier
// cases that look most like the patch — the same driver first, then the
// same locks — not the rule's whole list; and never the patch's own series
// (a reply to the nbd 2021 fix must not say "seen before: nbd 2021").
import type { Patch } from "../model/patch.js";
import type { Finding, Reference } from "../model/review.js";

export const MAX_CITATIONS = 2;

/** The driver a file belongs to: its base name, and its directory below drivers/<subsystem>/ (drbd/drbd_main.c → drbd). */
function driversOf(file: string): string[] {
  const parts = file.split("/");
  const stem = (parts[parts.length - 1] ?? "").replace(/\.[ch]$/, "");
  const dir = parts[0] === "drivers" && parts.length > 3 ? [parts[2]!] : [];
  return [stem, ...dir].map((s) => s.toLowerCase());
}

/** The driver an incident is about: the words before its year or colon ("nbd 2021:", "vfio/GVT:", "xen-blkfront 2021:"). */
function incidentDrivers(title: string): string[] {
  const head = /^([\w/-]+)(?: \d{4}(?:-\d\d)?)?:/.exec(title)?.[1] ?? "";
  return head.toLowerCase().split("/").filter(Boolean);
}

/**
 * Lock names in a text, by their last component (`disk->open_mutex` →
 * open_mutex): identifiers with an underscore that name a mutex, lock or
 * semaphore (plain "lock" or "deadlock" tell nothing apart).
 */
function locksIn(text: string): Set<string> {
  return new Set(text.toLowerCase().split(/[^\w]+/).filter((w) => w.includes("_") && /mutex|lock|sem/.test(w)));
}

/** Message-IDs of the thread the patch is in: it, its parent and its references. */
function threadIds(patch: Patch): Set<string> {
  const strip = (id: string) => id.replace(/^<|>$/g, "").toLowerCase();
  return new Set([patch.messageId, patch.inReplyTo, ...patch.references].filter((x): x is string => !!x).map(strip));
}

/** Is this reference the patch's own series (its thread on lore, or its own title quoted as the fix)? */
export function citesItself(r: Reference, patch: Patch): boolean {
  const lore = /^https:\/\/lore\.kernel\.org\/(?:[\w-]+\/)?(?:r\/)?([^/?#]+)/.exec(r.url)?.[1];
  if (lore && threadIds(patch).has(decodeURIComponent(lore).toLowerCase())) return true;
  const title = patch.title.trim().toLowerCase();
  return title.length > 10 && r.title.toLowerCase().includes(`"${title}"`);
}

/**
 * At most MAX_CITATIONS references for a finding, the most relevant first;
 * ties keep the rule's order (its authors list the canonical case first).
 * Locks the rule itself is about (`disk->open_mutex` for the del_gendisk
 * rule: in its description) are in every finding and tell nothing apart.
 */
export function citations(f: Finding, patch: Patch, ruleText = ""): Reference[] {
  const drivers = new Set(driversOf(f.file));
  const generic = locksIn(ruleText);
  const locks = new Set([...locksIn([f.message, ...f.trace.map((t) => t.note)].join(" "))].filter((l) => !generic.has(l)));
  return f.references
    .filter((r) => !citesItself(r, patch))
    .map((r, i) => {
      const sameDriver = incidentDrivers(r.title).some((d) => drivers.has(d)) ? 1 : 0;
      const sharedLocks = [...locksIn(r.title)].filter((l) => locks.has(l)).length;
      return { r, i, score: sameDriver * 100 + sharedLocks };
    })
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, MAX_CITATIONS)
    .map((x) => x.r);
}
