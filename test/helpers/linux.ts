// Real Linux 6.1 sources for tests, unpacked at run time from Debian's
// linux-source-6.1 package (never committed). Tests skip, saying why, when
// the package is not installed.
import { ensureLinuxSource, linuxSourceMissing } from "../../scripts/linux-src.mjs";

export const linuxMissing: string | null = linuxSourceMissing();

export function linuxRoot(paths: string[]): string {
  const root = ensureLinuxSource(paths);
  if (!root) throw new Error(`linux-source-6.1 unavailable: ${linuxMissing}`);
  return root;
}

/** Log once why a real-kernel suite is skipped. */
export function noteSkip(suite: string): void {
  if (linuxMissing) console.warn(`[skip] ${suite}: ${linuxMissing}`);
}
