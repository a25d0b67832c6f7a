// Where each top-level definition of a C file starts and ends, found the way
// a reader of kernel code finds it: a head at column 0 (`static int
// nbd_open(…)`, `static const struct block_device_operations nbd_fops =`,
// `struct nbd_device {`), a body in braces, the closing brace back at depth
// 0. No parse: the hybrid images replace whole definitions of a tree's file
// with the patch's versions before the C model is built.
import { BraceScan, FUNC_HEAD } from "./hunks.js";

export interface DefinitionSpan {
  /** Function name, aggregate variable (`nbd_fops`) or struct/union/enum tag. */
  name: string;
  kind: "function" | "aggregate";
  /** 0-based rows, inclusive: from the first line of the head to the closing brace. */
  start: number;
  end: number;
}

const AGGREGATE_VAR = /^(?:static\s+|const\s+|__maybe_unused\s+)*(?:struct|union)\s+\w+\s+(?:__\w+\s+)*(\w+)(?:\s*\[[^\]]*\])?\s*(?:__\w+(?:\([^)]*\))?\s*)*=\s*\{?\s*$/;
const TYPE_HEAD = /^(?:typedef\s+)?(struct|union|enum)\s+(\w+)\s*\{?\s*$/;

/** The name a head line gives its definition, when it is one. */
export function headName(line: string): { name: string; kind: DefinitionSpan["kind"] } | null {
  if (/^\s/.test(line) || /;\s*$/.test(line) || /^#/.test(line)) return null;
  let m = AGGREGATE_VAR.exec(line);
  if (m) return { name: m[1], kind: "aggregate" };
  m = TYPE_HEAD.exec(line);
  if (m) return { name: `${m[1]} ${m[2]}`, kind: "aggregate" };
  m = FUNC_HEAD.exec(line);
  if (m && !/^(if|for|while|switch|sizeof|return)$/.test(m[1])) return { name: m[1], kind: "function" };
  return null;
}

/** A line that can belong to a head started above it (`static void` alone, attributes). */
function headContinuation(line: string): boolean {
  const t = line.trim();
  return !!t && !/^\s/.test(line) && !/[;}]\s*$/.test(t) && !/\*\/\s*$/.test(t) && !/^(#|\/\/|\/\*|\*)/.test(t);
}

export function definitionSpans(text: string): DefinitionSpan[] {
  const lines = text.split("\n");
  const out: DefinitionSpan[] = [];
  const scan = new BraceScan();
  let depth = 0;
  let pending: { name: string; kind: DefinitionSpan["kind"]; start: number } | null = null;
  let open: { name: string; kind: DefinitionSpan["kind"]; start: number } | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (depth === 0 && !scan.inComment) {
      const h = headName(line);
      if (h) {
        let start = i;
        while (start > 0 && headContinuation(lines[start - 1]) && !headName(lines[start - 1])) start--;
        pending = { ...h, start };
      } else if (pending && (!line.trim() || /;\s*$/.test(line))) pending = null;
    }
    const before = depth;
    depth += scan.scan(line).delta;
    if (before === 0 && depth > 0) {
      open = pending;
      pending = null;
    }
    if (depth <= 0) {
      if (before > 0 && open) out.push({ ...open, end: i });
      if (before > 0) open = null;
      depth = 0;
    }
  }
  return out;
}
