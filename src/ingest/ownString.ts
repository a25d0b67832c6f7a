// V8 represents a substring (regex match, slice) as a view into its parent
// string, which keeps the parent alive. A Message-ID kept in a dedupe set for
// the whole run would pin the message's entire header block (5–10 KB on a
// vger mail), and RSS grew by ~250 MB over a 31,000-message mailbox until
// long-lived strings were copied with this.
export function ownString(s: string): string {
  return s.length === 0 ? "" : Buffer.from(s, "utf8").toString("utf8");
}
