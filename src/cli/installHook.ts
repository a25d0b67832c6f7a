// `lockreview install-hook [--chain] [--config FILE] | --uninstall`: put the
// sendemail-validate hook in the repository's hooks directory (`git rev-parse
// --git-path hooks`: core.hooksPath, linked worktrees share the main one).
// The hook runs this very installation (node + bin/lockreview.js by absolute
// path), so it works from any directory and without lockreview on PATH.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfigFile } from "../config/load.js";
import { HookRefusal, installHook, uninstallHook } from "../git/hooks.js";
import { GitRepo, NotARepositoryError } from "../git/repo.js";
import type { Command } from "./commands.js";
import { EXIT_OK, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";
import { parseCommandArgs } from "./args.js";

const HINT = "see 'lockreview install-hook --help'";

export function installHookHelp(): string {
  return `Usage: lockreview install-hook [--chain] [--config FILE] [-C DIR]
       lockreview install-hook --uninstall [-C DIR]

Install git's sendemail-validate hook in this repository, so that
git send-email reviews every outgoing patch against the checkout and refuses
to send a series with a finding at or above the configured fail-on level
(checkpatch-style output). The hook runs this installation of lockreview by
absolute path. The hooks directory is git's: core.hooksPath when set; linked
worktrees share the main repository's hooks.

Options:
      --chain          a sendemail-validate hook that is not lockreview's is
                       already there: keep it (as sendemail-validate.pre-lockreview)
                       and run it first; without --chain the install is refused
      --config FILE    configuration the hook uses (default: .lockreview.yml at
                       the top of the checkout, read at each send)
      --uninstall      remove lockreview's hook (and put a chained hook back);
                       a hook that is not lockreview's is left alone
  -C DIR               run as if started in DIR
  -h, --help           print this help

Bypass the hook for one send with 'git send-email --no-validate'.
`;
}

/** This package's bin/lockreview.js: the nearest directory above this module that has one. */
export function packageBin(): string {
  let d = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const bin = join(d, "bin", "lockreview.js");
    if (existsSync(bin) && existsSync(join(d, "package.json"))) return bin;
    const up = dirname(d);
    if (up === d) throw new Error("cannot find bin/lockreview.js above the installed modules");
    d = up;
  }
}

export const installHookCommand: Command = {
  name: "install-hook",
  summary: "install git's sendemail-validate hook (check patches before git send-email)",
  help: installHookHelp,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs(
      args,
      {
        chain: { type: "boolean" },
        uninstall: { type: "boolean" },
        config: { type: "string" },
        C: { type: "string", short: "C" },
        help: { type: "boolean", short: "h" },
      },
      HINT,
      false,
    );
    const v = parsed.values;
    if (v.help) {
      io.stdout.write(installHookHelp());
      return EXIT_OK;
    }
    if (v.uninstall && (v.chain || v.config !== undefined)) throw new UsageError("--uninstall takes no other option", HINT);
    const cwd = v.C ?? process.cwd();
    let repo: GitRepo;
    try {
      repo = await GitRepo.open(cwd);
    } catch (e) {
      if (e instanceof NotARepositoryError) throw new UsageError(`${cwd}: ${e.message}`, "install-hook installs into a git repository's hooks directory");
      throw e;
    }
    try {
      const hooksDir = await repo.gitPath("hooks");
      if (v.uninstall) {
        const r = await uninstallHook(hooksDir);
        if (!r.removed) io.stdout.write(`lockreview: no lockreview hook in ${hooksDir}; nothing to remove\n`);
        else io.stdout.write(`lockreview: removed ${r.path}${r.restored ? ` and put the previous hook back` : ""}\n`);
        return EXIT_OK;
      }
      let config: string | undefined;
      if (v.config !== undefined) {
        config = resolve(cwd, v.config);
        await loadConfigFile(config, v.config); // refuse to install a hook that would fail on every send
      }
      const bin = packageBin();
      const r = await installHook(hooksDir, { node: process.execPath, bin, ...(config ? { config } : {}) }, { chain: !!v.chain });
      io.stdout.write(`lockreview: ${r.action} ${r.path}${r.chained ? ` (runs ${r.chained} first)` : ""}\n`);
      io.stdout.write(`lockreview: git send-email now runs: ${process.execPath} ${bin} check --hook <patch>\n`);
      if (/[\\/]_npx[\\/]/.test(bin)) {
        io.stderr.write("lockreview: warning: this lockreview runs from npx's cache, which npm may clear; install it (npm install -g, or a checkout) and run install-hook again\n");
      }
      const validate = await repo.run(["config", "--type=bool", "--get", "sendemail.validate"]).catch(() => "");
      if (validate.trim() === "false") io.stderr.write("lockreview: warning: sendemail.validate is false here, so git send-email will not run the hook\n");
      return EXIT_OK;
    } catch (e) {
      if (e instanceof HookRefusal) throw new UsageError(e.message, e.hint);
      throw e;
    } finally {
      repo.close();
    }
  },
};
