// Who a reply goes to, the way kernel reviewers reply ("reply to all",
// trimmed): To the patch's author and, when someone else sent it (an
// in-body From: names the author), the mail's sender too — the sender is
// the one carrying the patch (a maintainer picking it up, a colleague
// posting it); Cc the lists and the people the patch went to, each address
// once, never our own address.
//
// Bounded: a patch mail with 100,000 To: addresses must neither stop the
// reply (nodemailer refuses more than its maxRecipients) nor turn --send
// into a mail bomb. Lists come first, then people in the order the mail
// names them, up to MAX_CC; the caller says how many were left out.
import type { Patch, Person } from "../model/patch.js";

/**
 * Cc addresses a reply keeps. Not a list convention (reply-all keeps
 * everyone): a bound against hostile headers, well above what
 * get_maintainer.pl gives a driver patch (a handful of lists and people).
 */
export const MAX_CC = 24;

export interface Address {
  name: string;
  address: string;
}

/** Split "Name <a@b>" / "a@b" into its parts (the Patch model keeps formatted strings). */
export function parseAddress(s: string): Address {
  // By index, not one regular expression: linear however much white space a hostile header has.
  const t = s.trim();
  const open = t.endsWith(">") ? t.lastIndexOf("<") : -1;
  const address = open >= 0 ? t.slice(open + 1, -1) : "";
  if (open < 0 || !address || /[<>\s]/.test(address)) return { name: "", address: t };
  return { name: t.slice(0, open).trim().replace(/^"(.*)"$/s, "$1"), address };
}

export function formatAddress(a: Address): string {
  if (!a.name) return a.address;
  const name = /[(),.:;<>@[\\\]"]/.test(a.name) ? `"${a.name.replace(/(["\\])/g, "\\$1")}"` : a.name;
  return `${name} <${a.address}>`;
}

export const formatPerson = (p: Person) => formatAddress({ name: p.name, address: p.email });

const key = (a: string) => parseAddress(a).address.toLowerCase();

/**
 * A mailing list rather than a person, from the address alone (mail has no
 * List-Id for the recipients): vger.kernel.org and lists.* hosts, Google
 * and groups.io groups, and the `linux-*` / `*-devel` names lists use.
 */
export function isListAddress(a: string): boolean {
  const [local = "", domain = ""] = parseAddress(a).address.toLowerCase().split("@");
  return /(^|\.)(vger|lists?)\./.test(domain) || /(^|\.)(googlegroups\.com|groups\.io)$/.test(domain) || /^linux-|-(devel|dev|discuss)$/.test(local);
}

export interface Recipients {
  to: string[];
  cc: string[];
  /** Addresses of the patch left out by the MAX_CC bound. */
  dropped: number;
}

export function recipients(patch: Patch, from: string): Recipients {
  const seen = new Set<string>([key(from)]);
  const take = (list: string[]) => {
    const out: string[] = [];
    for (const a of list) {
      const k = key(a);
      if (!k || !k.includes("@") || seen.has(k)) continue;
      seen.add(k);
      out.push(a);
    }
    return out;
  };
  const to = take([...(patch.author ? [formatPerson(patch.author)] : []), ...(patch.sender ? [formatPerson(patch.sender)] : [])]);
  const everyone = take([...patch.to, ...patch.cc]);
  const lists = everyone.filter(isListAddress);
  const people = everyone.filter((a) => !isListAddress(a));
  let cc = [...lists, ...people];
  const dropped = Math.max(0, cc.length - MAX_CC);
  cc = cc.slice(0, MAX_CC);
  // No author (a bare diff), or we wrote the patch ourselves: to the lists.
  if (!to.length) return { to: cc.slice(0, 1), cc: cc.slice(1), dropped };
  return { to, cc, dropped };
}
