// Local servers for tests: a free port on 127.0.0.1, and waiting until a
// started server answers.
import { createServer } from "node:net";

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Poll `ok` every 100 ms until it is true; `why()` says what went wrong on a timeout. */
export async function waitFor(ok: () => Promise<boolean>, why: () => string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await ok().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out; ${why()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
