import { describe, expect, test } from "@jest/globals";
import { parseTailTrailers, parseTrailers, trailerValues } from "../../src/ingest/trailers.js";

describe("trailers", () => {
  test("reads every trailer in order, across a Fixes: paragraph above the sign-offs", () => {
    const msg = `nbd: fix a deadlock

Long explanation. Not: a trailer because this paragraph is prose
and has more words.

Fixes: c76f48eb5c08 ("nbd: call genl_unregister_family() first in nbd_cleanup()")

Reported-by: syzbot+0fe7752e52337864d29b@syzkaller.appspotmail.com
Closes: https://lore.example.org/r/0fe7752e@google.com
Link: https://lore.example.org/r/1@example.org
Cc: stable@vger.kernel.org # 5.15+
Suggested-by: Carol <carol@example.org>
Co-developed-by: Dave <dave@example.org>
Signed-off-by: Dave <dave@example.org>
[ alice: rebased on md-next ]
Signed-off-by: Alice <alice@example.org>
Reviewed-by: Bob <bob@example.org>
Acked-by: Erin <erin@example.org>
Tested-by: Frank <frank@example.org>`;
    const t = parseTrailers(msg);
    expect(t.map((x) => x.key)).toEqual([
      "Fixes", "Reported-by", "Closes", "Link", "Cc", "Suggested-by", "Co-developed-by",
      "Signed-off-by", "Signed-off-by", "Reviewed-by", "Acked-by", "Tested-by",
    ]);
    expect(t[0]!.value).toBe('c76f48eb5c08 ("nbd: call genl_unregister_family() first in nbd_cleanup()")');
    expect(trailerValues(t, "signed-off-by")).toEqual(["Dave <dave@example.org>", "Alice <alice@example.org>"]);
  });

  test("a prose last paragraph has no trailers", () => {
    expect(parseTrailers("title\n\nJust text: with a colon but prose around it\nand more.")).toEqual([]);
  });

  test("continuation lines join the previous trailer", () => {
    expect(parseTrailers("t\n\nFixes: 0123456789ab (\"a long\n  subject\")\nSigned-off-by: A <a@x>")[0]!.value).toBe(
      '0123456789ab ("a long subject")',
    );
  });

  test("base-commit and friends after the diff, up to the signature", () => {
    expect(parseTailTrailers("\nbase-commit: 0123abc\nprerequisite-patch-id: 4567def\nchange-id: 20250101-x-1\n-- \nbase-commit: nope")).toEqual([
      { key: "base-commit", value: "0123abc" },
      { key: "prerequisite-patch-id", value: "4567def" },
      { key: "change-id", value: "20250101-x-1" },
    ]);
  });
});
