// Shared helpers of the ingest and CLI tests.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { ingest, newStats, resolveInputs, type IngestEvent, type IngestOptions, type IngestStats } from "../../src/ingest/index.js";
import type { InputError, Patch } from "../../src/model/patch.js";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIX = join(ROOT, "fixtures", "ingest");
export const fx = (name: string) => join(FIX, name);
export const CORPUS = join(ROOT, "..", "shared", "corpus", "linux-raid-2022.mbox.gz");
export const corpusPresent = existsSync(CORPUS);

export interface Collected {
  patches: Patch[];
  errors: InputError[];
  skipped: Array<Extract<IngestEvent, { type: "skipped" }>>;
  stats: IngestStats;
}

/** Resolve inputs and collect every ingest event. */
export async function collect(args: string[], opts: IngestOptions & { stdin?: Readable } = {}): Promise<Collected> {
  const inputs = await resolveInputs(args, { ...(opts.stdin ? { stdin: opts.stdin } : {}), spoolStdin: !!(opts.latest || opts.seriesOrder) });
  const stats = newStats();
  const out: Collected = { patches: [], errors: [], skipped: [], stats };
  try {
    for await (const ev of ingest(inputs, opts, stats)) {
      if (ev.type === "patch") out.patches.push(ev.patch);
      else if (ev.type === "error") out.errors.push(ev.error);
      else out.skipped.push(ev);
    }
  } finally {
    for (const i of inputs) await i.cleanup?.();
  }
  return out;
}

export function readFixture(name: string): Buffer {
  return readFileSync(fx(name));
}

export function streamOf(data: Buffer | string, chunk = 7): Readable {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) parts.push(buf.subarray(i, i + chunk));
  return Readable.from(parts);
}
