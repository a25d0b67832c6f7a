// Worker-thread entry of the body decoder pool (bodyPool.ts): decodes one
// message at a time with decodeComplexBody and posts plain data back.
import { parentPort } from "node:worker_threads";
import { decodeComplexBody } from "./body.js";
import { MessageDecodeError } from "./mime.js";

parentPort?.on("message", async (m: { id: number; raw: Uint8Array }) => {
  const raw = Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength);
  try {
    const body = await decodeComplexBody(raw);
    parentPort!.postMessage({ id: m.id, ok: true, body });
  } catch (e) {
    parentPort!.postMessage({
      id: m.id,
      ok: false,
      decodeError: e instanceof MessageDecodeError,
      message: e instanceof Error ? e.message : String(e),
    });
  }
});
