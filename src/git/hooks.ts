// The sendemail-validate hook: git send-email runs it once per outgoing
// patch, before anything is sent, and a non-zero exit stops the whole send
// ("fatal: <file>: rejected by sendemail-validate hook"). Git 2.39 passes the
// patch file; newer git also passes a file with the SMTP headers and sets
// GIT_SENDEMAIL_FILE_COUNTER/TOTAL. Hooks run with the working tree's top as
// cwd and GIT_DIR set.
//
// A hook someone else installed is never overwritten: it is either kept and
// run first (`--chain`: moved aside to sendemail-validate.pre-lockreview) or
// the install is refused.
import { chmod, lstat, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const HOOK_NAME = "sendemail-validate";
/** Where a foreign hook is kept when lockreview's hook chains to it. */
export const CHAINED_NAME = `${HOOK_NAME}.pre-lockreview`;
/** Marks a hook file as ours (and its format version). */
export const HOOK_MARKER = "lockreview-sendemail-validate-hook v1";

/** Quote for POSIX sh: single quotes, with ' written as '\''. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface HookCommand {
  /** Absolute path of the node binary (process.execPath). */
  node: string;
  /** Absolute path of this package's bin/lockreview.js. */
  bin: string;
  /** Absolute path of a configuration file given at install time. */
  config?: string;
}

export function hookScript(cmd: HookCommand, chained: string | null): string {
  const lines = [
    "#!/bin/sh",
    `# ${HOOK_MARKER}`,
    "# Installed by `lockreview install-hook`; remove it with `lockreview install-hook --uninstall`.",
    "# git send-email runs it once per patch with the patch file (newer git adds a",
    "# file of SMTP headers). It stops the send when lockreview finds a deadlock",
    "# pattern at or above the configured fail-on level; bypass once with",
    "# `git send-email --no-validate`.",
    `node=${shQuote(cmd.node)}`,
    `lockreview=${shQuote(cmd.bin)}`,
  ];
  if (chained) {
    lines.push(
      "# The hook that was here before lockreview's, run first: a failure stops the send.",
      `chained=${shQuote(chained)}`,
      'if [ -x "$chained" ]; then',
      '\t"$chained" "$@" || exit $?',
      "fi",
    );
  }
  lines.push(
    'if [ ! -x "$node" ] || [ ! -f "$lockreview" ]; then',
    '\techo "lockreview hook: $lockreview or $node is gone; run \'lockreview install-hook\' again, or remove $0" >&2',
    "\texit 1",
    "fi",
    `exec "$node" "$lockreview" check --hook${cmd.config ? ` --config ${shQuote(cmd.config)}` : ""} -- "$@"`,
    "",
  );
  return lines.join("\n");
}

export type HookState = "absent" | "ours" | "foreign";

async function exists(path: string): Promise<boolean> {
  return !!(await lstat(path).catch(() => null));
}

export async function hookState(path: string): Promise<HookState> {
  const st = await lstat(path).catch(() => null);
  if (!st) return "absent";
  if (!st.isFile()) return "foreign"; // a symlink or directory someone manages
  const text = await readFile(path, "utf8").catch(() => "");
  return text.includes(HOOK_MARKER) ? "ours" : "foreign";
}

export class HookRefusal extends Error {
  constructor(message: string, readonly hint: string) {
    super(message);
    this.name = "HookRefusal";
  }
}

export interface InstallResult {
  path: string;
  /** The foreign hook kept and chained to, if any. */
  chained: string | null;
  action: "installed" | "updated";
}

export async function installHook(hooksDir: string, cmd: HookCommand, opts: { chain: boolean }): Promise<InstallResult> {
  const path = join(hooksDir, HOOK_NAME);
  const chainedPath = join(hooksDir, CHAINED_NAME);
  const state = await hookState(path);
  let chained = (await exists(chainedPath)) ? chainedPath : null;
  if (state === "foreign") {
    if (!opts.chain) {
      throw new HookRefusal(
        `${path} already exists and is not lockreview's hook; it was left alone`,
        "rerun with --chain to keep it and run it before lockreview, or remove it first",
      );
    }
    if (chained) throw new HookRefusal(`${path} is not lockreview's, and ${chainedPath} already exists; nothing was changed`, "move one of them away first");
    await rename(path, chainedPath);
    chained = chainedPath;
  }
  await mkdir(hooksDir, { recursive: true });
  await writeFile(path, hookScript(cmd, chained), { mode: 0o755 });
  await chmod(path, 0o755);
  return { path, chained, action: state === "ours" ? "updated" : "installed" };
}

export interface UninstallResult {
  path: string;
  removed: boolean;
  /** The chained hook put back in place, if any. */
  restored: string | null;
}

export async function uninstallHook(hooksDir: string): Promise<UninstallResult> {
  const path = join(hooksDir, HOOK_NAME);
  const chainedPath = join(hooksDir, CHAINED_NAME);
  const state = await hookState(path);
  if (state === "foreign") throw new HookRefusal(`${path} is not lockreview's hook; it was left alone`, "remove it yourself if you want it gone");
  if (state === "absent") return { path, removed: false, restored: null };
  await rm(path);
  let restored: string | null = null;
  if (await exists(chainedPath)) {
    await rename(chainedPath, path);
    restored = path;
  }
  return { path, removed: true, restored };
}
