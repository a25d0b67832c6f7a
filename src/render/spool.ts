// Values kept for the end of a streamed document (the `errors` array of the
// JSON output, SARIF's notifications), one JSON line each: in memory up to a
// limit, then in a temporary file, so a mailbox in which every message is
// broken still runs in bounded memory.
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";

/** Characters kept in memory before the spool moves to a file (a few thousand error entries). */
export const SPOOL_MEMORY_LIMIT = 1 << 20;

export class Spool {
  private lines: string[] = [];
  private chars = 0;
  private fd: number | undefined;
  private dir: string | undefined;
  count = 0;

  constructor(private readonly limit = SPOOL_MEMORY_LIMIT) {}

  /** Is it in a file (for tests)? */
  get spilled(): boolean {
    return this.fd !== undefined;
  }

  add(value: unknown): void {
    this.count++;
    // JSON.stringify escapes newlines inside strings: one value, one line.
    const line = JSON.stringify(value) + "\n";
    if (this.fd !== undefined) {
      writeSync(this.fd, line);
      return;
    }
    this.lines.push(line);
    this.chars += line.length;
    if (this.chars > this.limit) {
      this.dir = mkdtempSync(join(tmpdir(), "lockreview-spool-"));
      this.fd = openSync(join(this.dir, "spool"), "w+");
      writeSync(this.fd, this.lines.join(""));
      this.lines = [];
    }
  }

  /** Every value added, in order; then the spool is empty and its file gone. */
  *values(): Generator<unknown> {
    try {
      if (this.fd === undefined) {
        for (const l of this.lines) yield JSON.parse(l);
        return;
      }
      const buf = Buffer.alloc(1 << 16);
      const decoder = new StringDecoder("utf8");
      let pos = 0;
      let rest = "";
      for (;;) {
        const n = readSync(this.fd, buf, 0, buf.length, pos);
        if (n === 0) break;
        pos += n;
        const lines = (rest + decoder.write(buf.subarray(0, n))).split("\n");
        rest = lines.pop()!;
        for (const l of lines) yield JSON.parse(l);
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.lines = [];
    if (this.fd !== undefined) closeSync(this.fd);
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.fd = undefined;
    this.dir = undefined;
  }
}
