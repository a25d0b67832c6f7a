// One timed run of a command, as the ratio benchmarks compare them: wall
// seconds, CPU seconds (user + system of the whole process tree, from
// /usr/bin/time, which counts every child the command waited for), and the
// peak RSS of the tree (the sum of VmRSS over the command and its
// descendants, sampled from /proc every 50 ms: the review pool's children
// count too).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : null;

export function median(xs) {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** pid → ppid for every process, read from /proc/<pid>/stat. */
function parents() {
  const out = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "latin1");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      out.set(Number(d), ppid);
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function rssKB(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, "latin1"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function treeRssKB(root) {
  const pp = parents();
  const kids = new Map();
  for (const [pid, ppid] of pp) kids.set(ppid, [...(kids.get(ppid) ?? []), pid]);
  let sum = 0;
  const stack = [root];
  while (stack.length) {
    const p = stack.pop();
    sum += rssKB(p);
    stack.push(...(kids.get(p) ?? []));
  }
  return sum;
}

/**
 * Run `cmd args` to completion: { status, seconds, cpu, peakRssMB, stdout, stderr }.
 * opts.stdout "ignore" discards the output (archives to JSON).
 */
export function measure(cmd, args, opts = {}) {
  const timeFile = join(tmpdir(), `lockreview-time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  const argv = TIME ? [TIME, ["-f", "%U %S", "-o", timeFile, cmd, ...args]] : [cmd, args];
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(argv[0], argv[1], { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", opts.stdout === "ignore" ? "ignore" : "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (b) => (stdout += b));
    child.stderr.on("data", (b) => (stderr += b));
    let peak = 0;
    const sample = () => (peak = Math.max(peak, treeRssKB(child.pid)));
    const timer = setInterval(sample, 50);
    child.on("error", (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on("close", (status) => {
      clearInterval(timer);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let cpu = NaN;
      if (TIME && existsSync(timeFile)) {
        const last = readFileSync(timeFile, "utf8").trim().split("\n").pop() ?? "";
        const [u, s] = last.split(/\s+/).map(Number);
        if (Number.isFinite(u) && Number.isFinite(s)) cpu = u + s;
        rmSync(timeFile, { force: true });
      }
      // /usr/bin/time reports the command's status as its own.
      if (TIME && stderr.startsWith("Command exited with non-zero status")) stderr = stderr.replace(/^Command exited with non-zero status \d+\n/, "");
      resolve({ status, seconds, cpu, peakRssMB: peak / 1024, stdout, stderr });
    });
  });
}
