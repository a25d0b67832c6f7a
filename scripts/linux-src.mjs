// Unpacks parts of Debian's linux-source-6.1 (the real Linux 6.1 tree) into a
// cache directory at test/bench time. Nothing of it is ever committed.
//   ensureLinuxSource(["drivers/block"]) → "/tmp/lockreview-linux-6.1/linux-source-6.1" or null
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const LINUX_TARBALL = process.env.LOCKREVIEW_LINUX_TARBALL ?? "/usr/src/linux-source-6.1.tar.xz";
export const LINUX_CACHE = process.env.LOCKREVIEW_LINUX_CACHE ?? join(tmpdir(), "lockreview-linux-6.1");

/** Why the tree is unavailable, or null when it is. */
export function linuxSourceMissing() {
  if (!existsSync(LINUX_TARBALL)) return `${LINUX_TARBALL} not found (apt-get install linux-source-6.1)`;
  return null;
}

/**
 * Make sure the given paths (relative to the kernel root) are unpacked.
 * Returns the kernel root, or null when the tarball is not installed.
 */
export function ensureLinuxSource(paths) {
  if (linuxSourceMissing()) return null;
  const root = join(LINUX_CACHE, "linux-source-6.1");
  const missing = paths.filter((p) => !existsSync(join(LINUX_CACHE, `.done-${p.replace(/\//g, "_")}`)));
  if (missing.length) {
    mkdirSync(LINUX_CACHE, { recursive: true });
    execFileSync("tar", ["-xJf", LINUX_TARBALL, "-C", LINUX_CACHE, ...missing.map((p) => `linux-source-6.1/${p}`)], { stdio: "ignore" });
    for (const p of missing) writeFileSync(join(LINUX_CACHE, `.done-${p.replace(/\//g, "_")}`), "");
  }
  return root;
}

/**
 * The whole tree, unpacked once (~1.4 GB, a minute or two) into its own
 * directory of the cache, apart from the subsets above: benchmarks that need
 * a kernel-sized checkout (`lockreview check`) may modify it, tests never
 * read it. Returns the kernel root, or null when the tarball is not installed.
 */
export function ensureWholeLinuxSource() {
  if (linuxSourceMissing()) return null;
  const dir = join(LINUX_CACHE, "full");
  const root = join(dir, "linux-source-6.1");
  const done = join(dir, ".done");
  if (!existsSync(done)) {
    mkdirSync(dir, { recursive: true });
    execFileSync("tar", ["-xJf", LINUX_TARBALL, "-C", dir], { stdio: "ignore" });
    writeFileSync(done, "");
  }
  return root;
}
