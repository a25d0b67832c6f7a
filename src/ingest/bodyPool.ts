// Off-thread decoding of the messages the fast path cannot take (multipart,
// base64, other charsets, format=flowed): a small pool of worker threads that
// run decodeComplexBody (mailparser) while the main thread splits, parses
// headers, decodes fast-path bodies and parses diffs.
//
// Why: on the 2-core reference machine mailparser does ~1,600 msg/s with its
// HTML work switched off, and importing it costs ~170 ms; moving both to a
// worker lets them overlap with the main thread's work. Workers start lazily
// (on the first message that needs one), so a single plain-text patch never
// pays for them. When the compiled worker script is not there (tests running
// the TypeScript sources under ts-jest), decoding runs in-process instead —
// same function, same results.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { type DecodedBody, decodeComplexBody } from "./body.js";
import { MessageDecodeError } from "./mime.js";

export interface BodyDecoder {
  decode(raw: Buffer): Promise<DecodedBody>;
  close(): Promise<void>;
  /** "workers:N" or "in-process", for diagnostics and the benchmark. */
  readonly mode: string;
}

export function inProcessDecoder(): BodyDecoder {
  return { decode: decodeComplexBody, close: async () => {}, mode: "in-process" };
}

interface Job {
  resolve: (b: DecodedBody) => void;
  reject: (e: Error) => void;
}

type Reply =
  | { id: number; ok: true; body: DecodedBody }
  | { id: number; ok: false; decodeError: boolean; message: string };

/** The compiled worker script next to this module, if it exists (lib/src/ingest/bodyWorker.js). */
export function workerScript(): URL | undefined {
  const url = new URL("./bodyWorker.js", import.meta.url);
  try {
    return existsSync(fileURLToPath(url)) && /\.c?js$/.test(import.meta.url) ? url : undefined; // compiled (lib/) or bundled (lib/bundle/), not ts-jest
  } catch {
    return undefined;
  }
}

export interface PoolOptions {
  /** Number of worker threads; 0 decodes in-process. Default: min(2, cores). */
  workers?: number;
  script?: URL;
}

export function createBodyDecoder(opts: PoolOptions = {}): BodyDecoder {
  const n = opts.workers ?? Math.min(2, availableParallelism());
  const script = opts.script ?? workerScript();
  if (n <= 0 || !script) return inProcessDecoder();

  const workers: Worker[] = [];
  const busy: number[] = [];
  const jobs = new Map<number, Job & { worker: number }>();
  let nextId = 1;
  let failed: Error | undefined;

  const start = () => {
    for (let i = 0; i < n; i++) {
      const w = new Worker(script);
      const wi = i;
      w.on("message", (r: Reply) => {
        const job = jobs.get(r.id);
        if (!job) return;
        jobs.delete(r.id);
        busy[wi]!--;
        if (busy[wi] === 0) w.unref();
        if (r.ok) job.resolve(r.body);
        else job.reject(r.decodeError ? new MessageDecodeError(r.message) : new Error(r.message));
      });
      w.on("error", (e) => {
        failed = e;
        for (const [id, job] of jobs) if (job.worker === wi) {
          jobs.delete(id);
          job.reject(new Error(`decoder worker failed: ${e.message}`));
        }
      });
      w.unref();
      workers.push(w);
      busy.push(0);
    }
  };

  return {
    mode: `workers:${n}`,
    decode(raw: Buffer): Promise<DecodedBody> {
      if (failed) return decodeComplexBody(raw);
      if (!workers.length) start();
      // Least busy worker.
      let wi = 0;
      for (let i = 1; i < workers.length; i++) if (busy[i]! < busy[wi]!) wi = i;
      const id = nextId++;
      // Copy into a buffer of its own: `raw` may be a slice of a 1 MiB read
      // chunk, and posting a view would clone the whole chunk.
      const copy = new Uint8Array(raw.length);
      copy.set(raw);
      return new Promise<DecodedBody>((resolve, reject) => {
        jobs.set(id, { resolve, reject, worker: wi });
        if (busy[wi]! === 0) workers[wi]!.ref();
        busy[wi]!++;
        workers[wi]!.postMessage({ id, raw: copy }, [copy.buffer]);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
      workers.length = 0;
    },
  };
}
