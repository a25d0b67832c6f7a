// Synthetic lore archives for the benchmarks: the shared linux-raid 2022
// corpus k times over, each copy with its own Message-IDs (and the
// In-Reply-To/References that point at them), subjects and diff paths, so
// nothing is deduplicated, taken from the review cache or grouped with
// another copy's series. Written gzipped at bench time into a temp dir and
// deleted after the run: never committed.
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createGzip, gunzipSync } from "node:zlib";

export const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const CORPUS = join(ROOT, "..", "shared", "corpus", "linux-raid-2022.mbox.gz");

/** One copy of a message: ids, subject and paths made unique to copy `k`. */
function copyOf(msg, k) {
  const tag = `c${k}`;
  const cut = msg.search(/\n\n/);
  let head = cut < 0 ? msg : msg.slice(0, cut);
  let body = cut < 0 ? "" : msg.slice(cut);
  head = head
    .replace(/^(Message-ID|In-Reply-To|References):(.*(?:\n[ \t].*)*)/gim, (_, h, v) => `${h}:${v.replace(/<([^<>\s]+)>/g, `<${tag}.$1>`)}`)
    // After "Re:" and the [PATCH …] prefixes: a reply stays a reply, a series title gets the tag.
    .replace(/^Subject:((?:\s*(?:(?:Re|Fwd|Aw)\s*:|\[[^\]\n]*\]))*\s*)/im, (_, pre) => `Subject:${pre}${tag} `);
  // diff --git a/X b/X, --- a/X, +++ b/X: a per-copy top directory.
  body = body
    .replace(/^diff --git a\/(\S+) b\/(\S+)$/gm, `diff --git a/${tag}/$1 b/${tag}/$2`)
    .replace(/^(---|\+\+\+) ([ab])\/(\S+)/gm, `$1 $2/${tag}/$3`);
  return head + body;
}

/** Write the corpus `copies` times over to `file` (.mbox.gz): { messages, bytes }. */
export async function makeSyntheticArchive(file, copies) {
  const text = gunzipSync(readFileSync(CORPUS)).toString("latin1");
  const msgs = text.split(/^(?=From mboxrd@z )/m).filter((m) => m.startsWith("From mboxrd@z "));
  const gz = createGzip({ level: 1 });
  const out = createWriteStream(file);
  gz.pipe(out);
  let bytes = 0;
  const write = (s) => new Promise((res) => (gz.write(Buffer.from(s, "latin1")) ? res() : gz.once("drain", res)));
  for (let k = 0; k < copies; k++) {
    for (const m of msgs) {
      const c = copyOf(m, k);
      bytes += c.length;
      await write(c);
    }
  }
  await new Promise((res, rej) => {
    out.on("finish", res);
    out.on("error", rej);
    gz.end();
  });
  return { messages: msgs.length * copies, bytes };
}
