// Output never piles up in memory: when stdout is a pipe whose reader is
// slower than the review, the CLI waits for the stream to drain between
// patches instead of buffering the whole document (node's process.stdout
// buffers without limit).
import { expect, test } from "@jest/globals";
import { Readable, Writable } from "node:stream";
import { run } from "../../src/cli/main.js";
import { fakeReviewer, finding } from "./helpers.js";

function mailbox(n: number): string {
  const msgs: string[] = [];
  for (let i = 1; i <= n; i++) {
    msgs.push(`From mboxrd@z Thu Jan  1 00:00:00 1970
From: Ada Example <ada@example.org>
Subject: [PATCH] zdev: change ${i}
Message-ID: <${i}@example.org>
Date: Mon, 2 Mar 2026 10:00:00 +0000

Change ${i}.

Signed-off-by: Ada Example <ada@example.org>
---
diff --git a/drivers/block/zdev${i}.c b/drivers/block/zdev${i}.c
--- a/drivers/block/zdev${i}.c
+++ b/drivers/block/zdev${i}.c
@@ -1,2 +1,3 @@
 int a;
+int b${i};
 int c;
`);
  }
  return msgs.join("\n");
}

test("a slow reader: at most about one patch's output is waiting, not the whole document", async () => {
  let buffered = 0;
  let total = 0;
  const slow = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, done) {
      total += chunk.length;
      setTimeout(done, 1);
    },
  });
  const stdout = Object.assign(slow, {
    isTTY: false,
    write(s: string) {
      const ok = (Writable.prototype.write as (this: Writable, chunk: string) => boolean).call(slow, s);
      buffered = Math.max(buffered, slow.writableLength);
      return ok;
    },
  });
  const long = "x".repeat(2000);
  const { create } = fakeReviewer((p) => [finding({ file: p.files[0]!.newPath!, line: 2, message: `${long} ${p.subject}` })]);
  const code = await run(["review", "--format", "jsonl", "--no-progress", "--fail-on", "none", "-"], {
    stdout,
    stderr: { write: () => true },
    stdin: Readable.from([Buffer.from(mailbox(150))]),
    env: {},
    createReviewer: create,
  });
  await new Promise<void>((resolve) => slow.end(resolve));
  expect(code).toBe(0);
  expect(total).toBeGreaterThan(150 * 2000);
  // One patch's line is ~2.5 kB; without waiting, all ~350 kB would be buffered.
  expect(buffered).toBeLessThan(16 * 1024);
});
