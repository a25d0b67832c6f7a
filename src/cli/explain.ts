// `lockreview explain <report>`: read a lockdep report (dmesg, a syzbot mail
// or bisection log, a mailbox of them) and say what it is: the chain, the
// rule and known incident it matches, the bisected commit — and with
// `--patch` (and `--tree`) whether that patch breaks the cycle.
import { readFile } from "node:fs/promises";
import { DirectoryProvider } from "../context/providers.js";
import { ingest, newStats, resolveInputs } from "../ingest/index.js";
import { builtinKernelModel } from "../kernel/kernelModel.js";
import { explainSplat, patchVerdict, type Explanation } from "../lockdep/explain.js";
import { parseSplats } from "../lockdep/parse.js";
import type { Patch } from "../model/patch.js";
import { analysePatch } from "../review/analyze.js";
import { VERSION } from "../version.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./commands.js";
import { EXIT_FINDINGS, EXIT_OK, UsageError } from "./errors.js";
import type { CliIO } from "./io.js";

const HINT = "see 'lockreview explain --help'";

export function explainHelp(): string {
  return `Usage: lockreview explain [options] <report>

Read a lockdep report — "possible circular locking dependency detected",
"possible recursive locking detected", or a hung-task report with its held
locks — from dmesg, a syzbot mail or bisection log, or a mailbox of them
('-' for standard input), and say what it is: the lock chain, the lockreview
rule and the known incident it matches, and the commit a bisection blamed.

With --patch, also say whether that patch breaks the cycle: the report's
edges are looked up in the code before and after the patch (against --tree,
or from the patch's hunks alone).

Options:
      --patch FILE     a patch (format-patch, mail or diff) to check against the report
      --tree DIR       the source tree the patch applies to
  -f, --format FMT     text or json (default: text)
  -h, --help           print this help

Exit status:
  0  reports explained (and the patch breaks every cycle, with --patch)
  1  with --patch: a reported cycle is not broken by it
  2  usage error, unreadable input, or no lockdep report found

Example:
  lockreview explain --patch 0001-nbd-fix.patch --tree ~/linux report.txt
`;
}

async function firstPatch(path: string, io: CliIO): Promise<Patch> {
  const inputs = await resolveInputs([path], { stdin: io.stdin });
  try {
    for await (const ev of ingest(inputs, {}, newStats())) {
      if (ev.type === "patch" && (ev.patch.kind === "patch" || ev.patch.kind === "diff")) return ev.patch;
    }
  } finally {
    for (const i of inputs) await i.cleanup?.();
  }
  throw new UsageError(`${path}: no patch found`, HINT);
}

function render(ex: Explanation, source: string): string {
  const s = ex.splat;
  const out: string[] = [`${source}:${s.line}: ${s.title.replace(/^.*?(WARNING|INFO)/, "$1")}`];
  if (s.crash) out.push(`  report: ${s.crash}`);
  if (s.chainSummary) out.push(`  chain: ${s.chainSummary.join(" --> ")}`);
  else if (s.kind === "circular" && s.chain.length) out.push(`  chain: ${[...s.chain].sort((a, b) => a.index - b.index).map((b) => b.lock).join(" --> ")}`);
  else if (s.trying) out.push(`  lock: ${s.trying.lock}${s.holding ? ` (already holding ${s.holding.lock})` : ""}`);
  if (s.kind === "hung-task") for (const h of s.held) out.push(`  held: ${h.lock}${h.at ? ` (${h.at.fn})` : ""}`);
  for (const e of ex.edges) {
    if (e.internal) continue;
    const inside = e.to.inside ? ` [taken inside ${e.to.inside}()]` : "";
    const path = [...e.driver.map((f) => `${f}()`), ...(e.kernelCall ? [`${e.kernelCall}()`] : [])].join(" → ");
    out.push(`  edge: ${e.from.name} --> ${e.to.name}${inside}${path ? `: ${path}` : ""}`);
  }
  if (ex.rule) out.push(`  rule: ${ex.rule.id} (${ex.rule.title})`);
  if (ex.driver) out.push(`  driver: ${ex.driver}`);
  for (const i of ex.incidents) out.push(`  incident: ${i.title} <${i.url}>`);
  if (ex.regression) {
    out.push(`  bisected to: ${ex.regression.commit.slice(0, 12)}${ex.regression.title ? ` ("${ex.regression.title}")` : ""}`);
    if (ex.regression.known) out.push(`    known regression: ${ex.regression.known}`);
  }
  if (ex.verdict) out.push(...ex.verdict.text.split("\n").map((l, i) => (i === 0 ? `  patch: ${l}` : `  ${l}`)));
  return out.join("\n");
}

export const explainCommand: Command = {
  name: "explain",
  summary: "explain a lockdep report; with --patch, say whether a patch breaks its cycle",
  help: explainHelp,
  async run(args: string[], io: CliIO): Promise<number> {
    const parsed = parseCommandArgs(
      args,
      { patch: { type: "string" }, tree: { type: "string" }, format: { type: "string", short: "f" }, help: { type: "boolean", short: "h" } },
      HINT,
    );
    const v = parsed.values;
    if (v.help) {
      io.stdout.write(explainHelp());
      return EXIT_OK;
    }
    const format = v.format ?? "text";
    if (format !== "text" && format !== "json") throw new UsageError(`unknown format '${format}' (choose from text, json)`, HINT);
    if (parsed.positionals.length !== 1) throw new UsageError("give one report file (or - for standard input)", HINT);
    const source = parsed.positionals[0];
    let text: string;
    try {
      text = source === "-" ? await new Response(io.stdin as unknown as ReadableStream).text() : await readFile(source, "utf8");
    } catch (e) {
      throw new UsageError(`${source}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, HINT);
    }
    const splats = parseSplats(text);
    if (!splats.length) throw new UsageError(`${source}: no lockdep report found (looked for "possible circular locking dependency", "possible recursive locking", hung tasks)`, HINT);
    const kernel = builtinKernelModel();

    let analyses: Awaited<ReturnType<typeof analysePatch>> | undefined;
    if (v.patch) {
      const patch = await firstPatch(v.patch, io);
      const provider = v.tree ? await DirectoryProvider.open(v.tree).catch(() => {
        throw new UsageError(`--tree '${v.tree}' is not a directory`, HINT);
      }) : null;
      analyses = await analysePatch(patch, provider, kernel);
      for (const e of analyses.ctx.errors) io.stderr.write(`lockreview: ${v.patch}: ${e}\n`);
    }
    const isDriver = analyses ? (fn: string) => analyses!.pre.functions.has(fn) || analyses!.post.functions.has(fn) : undefined;
    const results = splats.map((s) => {
      const ex = explainSplat(s, kernel, isDriver);
      if (analyses) ex.verdict = patchVerdict(ex, analyses.pre, analyses.post);
      return ex;
    });
    if (format === "json") {
      io.stdout.write(JSON.stringify({ tool: { name: "lockreview", version: VERSION }, source, reports: results }, null, 2) + "\n");
    } else {
      io.stdout.write(results.map((r) => render(r, source)).join("\n\n") + "\n");
    }
    return analyses && results.some((r) => r.verdict && !r.verdict.breaks) ? EXIT_FINDINGS : EXIT_OK;
  },
};
