// The streams a command talks to. Injected so tests run commands in-process
// with captured output; the defaults are the process's own.
import type { Readable } from "node:stream";
import { createReviewer, type ReviewOptions, type Reviewer } from "../review/pipeline.js";

export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
  /** Node streams: the buffer is full (a slow reader); wait for "drain". */
  writableNeedDrain?: boolean;
  once?(event: "drain", listener: () => void): unknown;
}

/**
 * Wait until a stream has room again. process.stdout on a pipe buffers
 * whatever is written without limit: a run that writes faster than its
 * reader reads (`lockreview review --format jsonl lore.mbox | slow-consumer`)
 * would otherwise keep its output in memory.
 */
export async function drained(s: OutStream): Promise<void> {
  if (s.writableNeedDrain && s.once) await new Promise<void>((resolve) => s.once!("drain", resolve));
}

export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Clock for progress throttling (tests pass a fake one). */
  now: () => number;
  /** The review stage (tests substitute one that returns canned findings). */
  createReviewer: (opts: ReviewOptions) => Promise<Reviewer>;
}

let epipeHandled = false;

/**
 * `lockreview review big.mbox | head`: when the reader goes away, stop
 * quietly like a C tool killed by SIGPIPE, instead of an "Unhandled 'error'
 * event" stack trace.
 */
function exitOnEpipe(): void {
  if (epipeHandled) return;
  epipeHandled = true;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code === "EPIPE") process.exit(0);
    throw e;
  });
}

export function defaultIO(partial: Partial<CliIO> = {}): CliIO {
  if (!partial.stdout) exitOnEpipe();
  return {
    stdout: partial.stdout ?? process.stdout,
    stderr: partial.stderr ?? process.stderr,
    stdin: partial.stdin ?? process.stdin,
    env: partial.env ?? process.env,
    now: partial.now ?? (() => performance.now()),
    createReviewer: partial.createReviewer ?? createReviewer,
  };
}
