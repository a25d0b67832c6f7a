// The progress line on stderr for long inputs: one line, rewritten in place
// ("\r" + erase to end of line), at most every 200 ms, and only after the run
// has taken 500 ms (short inputs never flash it). Only on a terminal: never
// when stderr is a pipe or file, with --no-progress or --quiet.
import type { OutStream } from "./io.js";

export interface ProgressCounts {
  messages: number;
  patches: number;
  errors: number;
}

const CLEAR = "\r\x1b[K";

export class Progress {
  private shown = false;
  private last = -Infinity;
  private readonly started: number;

  constructor(
    private readonly stream: OutStream,
    private readonly enabled: boolean,
    private readonly now: () => number,
    private readonly intervalMs = 200,
    private readonly delayMs = 500,
  ) {
    this.started = now();
  }

  update(c: ProgressCounts): void {
    if (!this.due()) return;
    const secs = (this.now() - this.started) / 1000;
    const rate = secs > 0 ? Math.round(c.messages / secs) : 0;
    let line = `lockreview: ${c.messages} messages read, ${c.patches} patches, ${rate} msg/s`;
    if (c.errors) line += `, ${c.errors} errors`;
    this.show(line);
  }

  /** A free-form progress line (scan, check), with the same throttling. */
  text(line: string): void {
    if (this.due()) this.show(`lockreview: ${line}`);
  }

  private due(): boolean {
    if (!this.enabled) return false;
    const t = this.now();
    if (t - this.started < this.delayMs || t - this.last < this.intervalMs) return false;
    this.last = t;
    return true;
  }

  private show(text: string): void {
    let line = text;
    const cols = this.stream.columns;
    if (cols && line.length > cols - 1) line = line.slice(0, cols - 1);
    this.stream.write(CLEAR + line);
    this.shown = true;
  }

  /** Erase the line (before other output goes to the same terminal, and at the end). */
  clear(): void {
    if (this.shown) {
      this.stream.write(CLEAR);
      this.shown = false;
      // Redraw no sooner than one interval later.
      this.last = this.now();
    }
  }
}
