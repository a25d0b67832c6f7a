// Pure helpers shared by scripts/triage/scan-areas.mjs and precision.mjs:
// the line-independent key of a finding, the scan TSV and the verdict TSV.
//
// Verdicts are keyed by (file, function, ruleId, key), never by line: a
// model change moves lines (a trace gets longer, an anchor moves to another
// call) but keeps the lock classes and what is waited for, so a verdict
// written once survives re-runs. The key is read from the message because
// the JSON contract does not carry the rule's internal key (only its hash,
// `fingerprint`, which says nothing to a human reading the verdict file).

/** Remove every "(…)" group that starts with "via " (call paths change with the model). */
function dropVia(text) {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text.startsWith("(via ", i)) {
      let depth = 0;
      for (; i < text.length; i++) {
        if (text[i] === "(") depth++;
        else if (text[i] === ")" && --depth === 0) break;
      }
      continue;
    }
    out += text[i];
  }
  return out.replace(/\s+/g, " ").replace(/ ([,.;:])/g, "$1");
}

// One pattern list per rule, tried in order; each returns the key parts.
// The shapes are the message templates in rules/<id>.ts.
const SHAPES = {
  "lock-across-del-gendisk": [
    [/\bholds (.+?) across del_gendisk\(\)/, (m) => [m[1]]],
    [/\bruns with (.+?) held .* reaches del_gendisk\(\)/, (m) => [m[1], "AA"]],
  ],
  "wq-flush-under-open-mutex": [
    [/\(\) (?:holds (.+?)|runs with (.+?) held(?: \(.*?\))?) and (\w+\([^()]*\))/, (m) => [m[1] ?? m[2], m[3]]],
  ],
  "lock-order-inversion": [
    [/^Lock-order inversion between (.+?): /, (m) => m[1].split(" and ").sort()],
  ],
  "wq-self-flush": [
    [/\(\) runs as (?:a work function|work (.+?)) and (\w+)\(\) waits for (.+?): it waits/, (m) => [m[1] ?? "work function", m[2], m[3]]],
  ],
  "wq-not-drained-on-exit": [
    [/\(\) returns an error at line \d+ after allocating (.+?) \(line \d+\)/, (m) => [m[1], "error-path"]],
    [/^(.+?) is allocated here but \w+\(\) \(module exit\) never destroys it/, (m) => [m[1], "module-exit"]],
    [/^(.+?) \((.+?)\) is allocated here but nothing in the driver destroys it/, (m) => [m[1], "never-destroyed"]],
    [/\(\) frees (.+?) \(struct (\w+)\) while (.+?) \((\w+)\(\)\) may still be queued/, (m) => [m[1], m[3], "free"]],
    [/\(\) \(module exit\) does not cancel or flush (.+?) \((\w+)\(\)\)/, (m) => [m[1], "module-exit-work"]],
  ],
  "caller-lock-dropped": [[/\(\) unlocks (.+?)(?:,| and re-takes| but)/, (m) => [m[1], "drop"]]],
  "notifier-unregister-in-callback": [[/ on the (.+?) chain/, (m) => [m[1], "unregister"]]],
  "sysfs-remove-under-lock": [[/\(\) holds (.+?) while (\w+)\(\)/, (m) => [m[1], m[2]]]],
};

/**
 * The line-independent key of a finding: its lock classes and what it waits
 * for, read from the message ("nbd->config_lock", "disk->open_mutex|flush_workqueue(nbd->recv_workq)").
 * Messages of an unknown shape fall back to their first clause with the call
 * paths and numbers removed, so a new rule still gets a stable key.
 */
export function findingKey(ruleId, message) {
  const text = dropVia(message);
  for (const [re, parts] of SHAPES[ruleId] ?? []) {
    const m = re.exec(text);
    if (m) return parts(m).map((p) => p.trim()).join("|");
  }
  return text.split(/[:;.] /)[0].replace(/\d+/g, "N").slice(0, 120);
}

/** The first sentence of a message, at most `max` characters, safe for a TSV cell. */
export function messageHead(message, max = 200) {
  const one = cell(message);
  const end = one.search(/[.:;] /);
  const head = end > 0 ? one.slice(0, end + 1) : one;
  return head.length > max ? head.slice(0, max - 1) + "…" : head;
}

/** A value as one TSV cell: no tabs, no line breaks. */
export function cell(v) {
  return String(v ?? "").replace(/[\t\r\n]+/g, " ").trim();
}

export const SCAN_COLUMNS = ["area", "file", "function", "ruleId", "severity", "line", "key", "message"];
export const VERDICT_COLUMNS = ["file", "function", "ruleId", "key", "verdict", "cause", "note"];
export const VERDICTS = ["real", "likely-real", "likely-safe", "tool-error"];

/** Rows of a TSV text with a header line; `#` lines and blank lines are comments. */
export function parseTsv(text, source, columns) {
  const lines = text.split("\n").filter((l) => l.trim() && !l.startsWith("#"));
  if (!lines.length) throw new Error(`${source}: empty, expected a header line (${columns.join(", ")})`);
  const header = lines[0].split("\t");
  const missing = columns.filter((c) => !header.includes(c));
  if (missing.length) throw new Error(`${source}: header lacks column(s) ${missing.join(", ")}`);
  return lines.slice(1).map((l, i) => {
    const cells = l.split("\t");
    if (cells.length > header.length) throw new Error(`${source}: row ${i + 2} has ${cells.length} cells, header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, cells[j] ?? ""]));
  });
}

/** A TSV text: optional `#` comment lines, the header, one line per row. */
export function formatTsv(rows, columns, comments = []) {
  const lines = [...comments.map((c) => `# ${cell(c)}`), columns.join("\t"), ...rows.map((r) => columns.map((c) => cell(r[c])).join("\t"))];
  return lines.join("\n") + "\n";
}

// The scan TSV names every area it scanned in a comment, so an area with no
// finding still gets its row (0 findings) in the precision table.
const AREAS_COMMENT = "areas:";

export function areasComment(areas) {
  return `${AREAS_COMMENT} ${areas.join(" ")}`;
}

/** The areas a scan TSV says it scanned (empty when it does not say). */
export function areasOf(text) {
  const line = text.split("\n").find((l) => l.startsWith(`# ${AREAS_COMMENT}`));
  return line ? line.slice(`# ${AREAS_COMMENT}`.length).trim().split(/\s+/).filter(Boolean) : [];
}

/** The join key of a scan row or a verdict row. */
export function joinKey(r) {
  return [r.file, r.function, r.ruleId, r.key].join("\t");
}

/**
 * Scan rows of one area from a `lockreview scan --format json` object:
 * errors and warnings only, file relative to the kernel root.
 */
export function scanRows(area, json, root) {
  const prefix = root.endsWith("/") ? root : root + "/";
  const rows = [];
  for (const p of json.patches ?? []) {
    for (const f of p.findings ?? []) {
      if (f.severity !== "error" && f.severity !== "warning") continue;
      rows.push({
        area,
        file: f.file.startsWith(prefix) ? f.file.slice(prefix.length) : f.file,
        function: f.function ?? "",
        ruleId: f.ruleId,
        severity: f.severity,
        line: f.line ?? "",
        key: findingKey(f.ruleId, f.message),
        message: messageHead(f.message),
      });
    }
  }
  return rows;
}

/** Check verdict rows: known verdicts, a cause for every tool error, no two verdicts for one key. */
export function checkVerdicts(rows, source) {
  const problems = [];
  const seen = new Map();
  rows.forEach((r, i) => {
    const where = `${source}: row ${i + 2} (${r.file} ${r.function} ${r.ruleId})`;
    if (!VERDICTS.includes(r.verdict)) problems.push(`${where}: verdict "${r.verdict}" is not one of ${VERDICTS.join(", ")}`);
    if ((r.verdict === "tool-error" || r.verdict === "likely-safe") && !r.cause.trim()) problems.push(`${where}: a ${r.verdict} needs a cause`);
    const k = joinKey(r);
    if (seen.has(k)) problems.push(`${where}: same key as row ${seen.get(k)}`);
    else seen.set(k, i + 2);
  });
  return problems;
}

/**
 * Join scan rows with verdicts (areas listed in `scannedAreas` get a row
 * even without findings). Returns per-area counts (findings, each
 * verdict, untriaged, precision = (real + likely-real) / triaged), the rows
 * without a verdict, and the verdicts no scan row matched (stale after a
 * model change: the finding is gone or its key changed).
 */
export function precision(scan, verdicts, scannedAreas = []) {
  const byKey = new Map(verdicts.map((v) => [joinKey(v), v]));
  const used = new Set();
  const areas = new Map();
  const blankArea = () => ({ findings: 0, real: 0, "likely-real": 0, "likely-safe": 0, "tool-error": 0, untriaged: 0 });
  for (const a of scannedAreas) areas.set(a, blankArea());
  const untriaged = [];
  const causes = new Map();
  const total = blankArea();
  for (const r of scan) {
    if (!areas.has(r.area)) areas.set(r.area, blankArea());
    const a = areas.get(r.area);
    a.findings++;
    total.findings++;
    const v = byKey.get(joinKey(r));
    if (!v) {
      a.untriaged++;
      total.untriaged++;
      untriaged.push(r);
      continue;
    }
    used.add(joinKey(r));
    a[v.verdict]++;
    total[v.verdict]++;
    if (v.verdict === "tool-error") causes.set(v.cause, (causes.get(v.cause) ?? 0) + 1);
  }
  const withPrecision = (c) => {
    const triaged = c.findings - c.untriaged;
    return { ...c, precision: triaged ? (c.real + c["likely-real"]) / triaged : null };
  };
  return {
    areas: [...areas].map(([area, c]) => ({ area, ...withPrecision(c) })),
    total: withPrecision(total),
    untriaged,
    stale: verdicts.filter((v) => !used.has(joinKey(v))),
    causes: [...causes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
  };
}
