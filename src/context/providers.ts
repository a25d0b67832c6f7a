// Source providers: a directory on disk (`--tree DIR`), and an overlay that
// holds the files a series has changed so far (each patch of a series is
// reviewed on the tree the previous patches left).
import { readdir, readFile, stat } from "node:fs/promises";
import { join, normalize, relative, resolve, sep } from "node:path";
import type { SourceProvider } from "./source.js";

/** Reject paths that leave the tree (`../`, absolute): patch paths are untrusted. */
export function safeRelative(path: string): string | null {
  const n = normalize(path).replace(/\\/g, "/");
  if (!n || n.startsWith("../") || n === ".." || n.startsWith("/") || /^[A-Za-z]:/.test(n)) return null;
  return n;
}

export class DirectoryProvider implements SourceProvider {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async read(path: string): Promise<string | null> {
    const rel = safeRelative(path);
    if (!rel) return null;
    const full = join(this.root, rel);
    if (relative(this.root, full).split(sep)[0] === "..") return null;
    try {
      return await readFile(full, "utf8");
    } catch {
      return null;
    }
  }

  async list(dir: string): Promise<string[]> {
    const rel = dir === "" || dir === "." ? "" : safeRelative(dir);
    if (rel === null) return [];
    try {
      const full = join(this.root, rel);
      const entries = await readdir(full, { withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => e.name).sort();
    } catch {
      return [];
    }
  }

  describe(): string {
    return `tree ${this.root}`;
  }

  static async open(root: string): Promise<DirectoryProvider> {
    const s = await stat(root).catch(() => null);
    if (!s?.isDirectory()) throw new Error(`${root}: not a directory`);
    return new DirectoryProvider(root);
  }
}

/** A provider with some files replaced (or deleted: null) on top of a base. */
export class OverlayProvider implements SourceProvider {
  readonly changed = new Map<string, string | null>();

  constructor(private readonly base: SourceProvider) {}

  async read(path: string): Promise<string | null> {
    if (this.changed.has(path)) return this.changed.get(path)!;
    return this.base.read(path);
  }

  async list(dir: string): Promise<string[]> {
    const names = new Set(await this.base.list(dir));
    const prefix = dir === "" || dir === "." ? "" : `${dir.replace(/\/$/, "")}/`;
    for (const [p, v] of this.changed) {
      if (!p.startsWith(prefix) || p.slice(prefix.length).includes("/")) continue;
      if (v === null) names.delete(p.slice(prefix.length));
      else names.add(p.slice(prefix.length));
    }
    return [...names].sort();
  }

  describe(): string {
    return this.base.describe();
  }
}

/** A provider over an in-memory map (tests, GitHub contents fetched up front). */
export class MapProvider implements SourceProvider {
  constructor(private readonly files: Map<string, string>, private readonly label = "memory") {}

  async read(path: string): Promise<string | null> {
    return this.files.get(path) ?? null;
  }

  async list(dir: string): Promise<string[]> {
    const prefix = dir === "" || dir === "." ? "" : `${dir.replace(/\/$/, "")}/`;
    return [...this.files.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes("/")).map((p) => p.slice(prefix.length)).sort();
  }

  describe(): string {
    return this.label;
  }
}
