// The optional worker pool (LOCKREVIEW_WORKERS=N) runs the compiled worker
// from lib/ (built by `pretest`) and must give what in-process decoding gives.
import { afterAll, describe, expect, test } from "@jest/globals";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createBodyDecoder, inProcessDecoder } from "../../src/ingest/bodyPool.js";
import { MessageDecodeError } from "../../src/ingest/mime.js";
import { ROOT, fx } from "./helpers.js";

const script = join(ROOT, "lib", "src", "ingest", "bodyWorker.js");
const present = existsSync(script);
if (!present) console.log(`[skip] worker pool: ${script} not built (npm test builds it in pretest)`);
const run = present ? describe : describe.skip;

run("body decoder worker pool", () => {
  const pool = createBodyDecoder({ workers: 2, script: pathToFileURL(script) });
  afterAll(() => pool.close());

  test("decodes like the in-process decoder, results in request order", async () => {
    expect(pool.mode).toBe("workers:2");
    const names = ["attachment.eml", "gbk.eml", "iso-2022-jp.eml", "windows-1251.eml", "flowed.eml"];
    const raws = names.map((n) => readFileSync(fx(n)));
    const viaPool = await Promise.all(raws.map((r) => pool.decode(r)));
    const local = await Promise.all(raws.map((r) => inProcessDecoder().decode(r)));
    expect(viaPool).toEqual(local);
    expect(viaPool[0]!.attachments[0]!.filename).toBe("0001-demo_blk-destroy.patch");
  });

  test("a broken message comes back as a MessageDecodeError", async () => {
    const raw = Buffer.from('Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain\n\nno end\n');
    await expect(pool.decode(raw)).rejects.toThrow(MessageDecodeError);
    await expect(pool.decode(raw)).rejects.toThrow(/no closing boundary "--B--"/);
  });
});

test("without a worker script, decoding runs in-process", () => {
  // Under ts-jest this module is a .ts file: no compiled worker beside it.
  expect(createBodyDecoder({ workers: 2 }).mode).toBe("in-process");
  expect(createBodyDecoder({ workers: 0 }).mode).toBe("in-process");
});
