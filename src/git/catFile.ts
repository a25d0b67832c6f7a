// One long-lived `git cat-file --batch` per repository: every blob and tree
// lockreview reads goes through it, so a ten-commit check costs one process
// instead of one `git show` per file (each ~5 ms to start).
//
// Protocol: write "<object name>\n"; git answers "<oid> <type> <size>\n"
// followed by <size> bytes and "\n", or "<object name> missing\n".
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { STABLE_CONFIG } from "./run.js";

export interface GitObject {
  oid: string;
  type: "blob" | "tree" | "commit" | "tag";
  content: Buffer;
}

interface Pending {
  name: string;
  resolve: (o: GitObject | null) => void;
  reject: (e: Error) => void;
}

export class CatFileBatch {
  private child: ChildProcessWithoutNullStreams | null = null;
  private readonly queue: Pending[] = [];
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Header of the object whose content is being read. */
  private header: { oid: string; type: GitObject["type"]; size: number } | null = null;
  private failure: Error | null = null;

  constructor(private readonly cwd: string) {}

  /** Read an object by name (`<rev>:<path>`, an oid …); null when it does not exist. */
  get(name: string): Promise<GitObject | null> {
    // The batch protocol is line-based: such a name cannot be asked for.
    if (name.includes("\n")) return Promise.resolve(null);
    if (this.failure) return Promise.reject(this.failure);
    const child = this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ name, resolve, reject });
      child.stdin.write(`${name}\n`);
    });
  }

  /** End the process (its stdin closes; git exits). Safe to call twice. */
  close(): void {
    if (!this.child) return;
    this.child.stdin.end();
    this.child = null;
  }

  private start(): ChildProcessWithoutNullStreams {
    if (this.child) return this.child;
    const child = spawn("git", [...STABLE_CONFIG, "cat-file", "--batch"], { cwd: this.cwd, env: process.env, stdio: ["pipe", "pipe", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => this.onData(d));
    const fail = (e: Error) => {
      this.failure = e;
      for (const p of this.queue.splice(0)) p.reject(e);
    };
    child.on("error", (e: NodeJS.ErrnoException) => fail(new Error(e.code === "ENOENT" ? "git is not installed (no 'git' on PATH)" : `git cat-file: ${e.message}`)));
    child.on("close", (code) => {
      if (this.queue.length) fail(new Error(`git cat-file --batch exited (${code ?? "signal"}): ${stderr.trim().split("\n")[0] ?? ""}`));
    });
    // EPIPE when git died first: reported through "close" above.
    child.stdin.on("error", () => undefined);
    this.child = child;
    return child;
  }

  private onData(d: Buffer): void {
    this.chunks.push(d);
    this.buffered += d.length;
    for (;;) {
      if (!this.header) {
        const buf = this.flatten();
        const nl = buf.indexOf(0x0a);
        if (nl < 0) return;
        const line = buf.subarray(0, nl).toString("utf8");
        this.consume(nl + 1);
        const p = this.queue[0];
        if (!p) continue;
        const m = /^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)$/.exec(line);
        if (!m) {
          // "<name> missing", "<name> ambiguous", "dangling …": no object.
          this.queue.shift()!.resolve(null);
          continue;
        }
        this.header = { oid: m[1]!, type: m[2] as GitObject["type"], size: Number(m[3]) };
      }
      if (this.buffered < this.header.size + 1) return;
      const buf = this.flatten();
      const content = Buffer.from(buf.subarray(0, this.header.size));
      this.consume(this.header.size + 1);
      const { oid, type } = this.header;
      this.header = null;
      this.queue.shift()?.resolve({ oid, type, content });
    }
  }

  private flatten(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  private consume(n: number): void {
    const buf = this.flatten();
    const rest = buf.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.buffered = rest.length;
  }
}

/**
 * Entries of a git tree object: `<mode> <name>\0<raw oid>` repeated. The oid
 * is 20 bytes (SHA-1) or 32 (SHA-256), known from the tree's own oid length.
 */
export function parseTree(content: Buffer, oidHexLength: number): { mode: string; name: string }[] {
  const oidBytes = oidHexLength / 2;
  const out: { mode: string; name: string }[] = [];
  let i = 0;
  while (i < content.length) {
    const sp = content.indexOf(0x20, i);
    const nul = content.indexOf(0x00, sp);
    if (sp < 0 || nul < 0) break;
    out.push({ mode: content.subarray(i, sp).toString("latin1"), name: content.subarray(sp + 1, nul).toString("utf8") });
    i = nul + 1 + oidBytes;
  }
  return out;
}
