// Hunks-only context: what a patch shows of the pre-image and the
// post-image of each function, rebuilt as parseable C.
//
// A hunk usually starts inside a function body. git names the enclosing
// function in the hunk header (`@@ … @@ static void nbd_put(struct …)`);
// we verify that by looking at the hunk (indented first line, braces that
// close below the starting level) and wrap the lines in that function head
// with as many `{` as the hunk closes. Consecutive hunks of one function are
// kept in one definition with the gap marked. Synthetic lines map to line 0,
// real ones to their line in the old/new file, so every fact points at a
// real line. What was not visible is recorded for findings to say.
import type { FileDiff, Hunk } from "../model/patch.js";
import type { SourceView } from "./source.js";

type Side = "old" | "new";

interface Line {
  text: string;
  line: number;
}

function sideLines(h: Hunk, side: Side): Line[] {
  const out: Line[] = [];
  for (const c of h.changes) {
    if (side === "old" && (c.kind === "del" || c.kind === "normal") && c.oldLine) out.push({ text: c.content, line: c.oldLine });
    if (side === "new" && (c.kind === "add" || c.kind === "normal") && c.newLine) out.push({ text: c.content, line: c.newLine });
  }
  return out;
}

/** Scanner state for braces outside comments and literals, carried across lines. */
export class BraceScan {
  inComment = false;

  /** Depth change of one line, and the lowest relative depth reached within it. */
  scan(text: string): { delta: number; min: number } {
    let d = 0;
    let min = 0;
    for (let i = 0; i < text.length; i++) {
      const ch = text[i];
      if (this.inComment) {
        if (ch === "*" && text[i + 1] === "/") {
          this.inComment = false;
          i++;
        }
        continue;
      }
      if (ch === "/" && text[i + 1] === "*") {
        this.inComment = true;
        i++;
        continue;
      }
      if (ch === "/" && text[i + 1] === "/") break;
      if (ch === '"' || ch === "'") {
        const q = ch;
        for (i++; i < text.length && text[i] !== q; i++) if (text[i] === "\\") i++;
        continue;
      }
      if (ch === "{") d++;
      else if (ch === "}") {
        d--;
        min = Math.min(min, d);
      }
    }
    return { delta: d, min };
  }
}

export const FUNC_HEAD = /^(?!\s)(?!(?:if|for|while|switch|return|else|do|case|goto|typedef|struct\s+\w+\s*\{)\b)[A-Za-z_][\w\s\*,()\[\]]*?\b([A-Za-z_]\w*)\s*\(/;

/** The function a hunk header's section names, if it looks like a function head. */
export function sectionFunction(section: string): string | null {
  const s = section.trim();
  if (!s || /;\s*$/.test(s) || /=\s*\{?\s*$/.test(s) || /^(struct|union|enum)\s+\w+\s*\{?\s*$/.test(s)) return null;
  const m = FUNC_HEAD.exec(s);
  if (!m) return null;
  if (/^(if|for|while|switch|sizeof|return)$/.test(m[1])) return null;
  return m[1];
}

export function isAggregateHead(section: string): boolean {
  const s = section.trim();
  return /=\s*\{?\s*$/.test(s) || /^(static\s+|const\s+)*(struct|union|enum)\s+\w+\s*\{?\s*$/.test(s);
}

/** A section line made into a complete opening: balanced parens, trailing `{`. */
function openingFor(section: string): string {
  let s = section.trim().replace(/\{\s*$/, "").trimEnd();
  const open = (s.match(/\(/g) ?? []).length - (s.match(/\)/g) ?? []).length;
  if (open > 0) s += ")".repeat(open);
  return `${s} {`;
}

function firstCodeLine(lines: Line[]): Line | undefined {
  return lines.find((l) => {
    const t = l.text;
    if (!t.trim()) return false;
    if (/^\s*#/.test(t)) return false; // preprocessor
    if (/^\s*(\/\*|\*|\/\/)/.test(t)) return false; // comments
    if (/^[A-Za-z_]\w*:\s*$/.test(t)) return false; // goto label (kernel style: column 0)
    return true;
  });
}

/** Does the hunk start inside a body (function, struct or initialiser)? */
function startsInside(lines: Line[]): boolean {
  const first = firstCodeLine(lines);
  if (!first) return false;
  return /^\s/.test(first.text) || /^\}/.test(first.text);
}

interface Out {
  text: string[];
  map: number[];
}

function push(o: Out, text: string, line: number): void {
  o.text.push(text);
  o.map.push(line);
}

/** Rebuild one side of a file's hunks as C text with a line map. */
export function hunkView(fd: FileDiff, side: Side): SourceView | null {
  const path = side === "old" ? fd.oldPath : fd.newPath;
  if (!path) return null;
  const out: Out = { text: [], map: [] };
  const partial = new Set<string>();
  const visible: [number, number][] = [];
  const scan = new BraceScan();

  // Open wrapper: the function (or aggregate) we are inside at the end of the last hunk.
  let depth = 0; // absolute brace depth in the synthetic text
  let current: string | null = null; // function whose body we are in (depth >= 1)
  let closer = "}";

  const closeAll = () => {
    if (depth > 0) {
      push(out, `${"}".repeat(depth - 1)}${closer}`, 0);
      if (current) partial.add(current);
    }
    depth = 0;
    current = null;
    closer = "}";
  };

  for (const h of fd.hunks) {
    const lines = sideLines(h, side);
    if (!lines.length) continue;
    visible.push([lines[0].line, lines[lines.length - 1].line]);
    // Relative depth profile of this hunk.
    const probe = new BraceScan();
    probe.inComment = false;
    let r = 0;
    let min = 0;
    for (const l of lines) {
      const { delta, min: m } = probe.scan(l.text);
      min = Math.min(min, r + m);
      r += delta;
    }
    const inside = startsInside(lines);
    const fnName = sectionFunction(h.section);
    // The hunk starts at a body's opening `{` (column 0): its head is the section line.
    const first = firstCodeLine(lines);
    if (!inside && first && /^\{/.test(first.text) && fnName && lines.indexOf(first) === lines.findIndex((l) => l.text.trim())) {
      closeAll();
      push(out, openingFor(h.section).replace(/\s*\{$/, ""), 0);
    }
    const needed = Math.max(inside ? 1 : 0, -min);
    if (inside && needed > 0) {
      if (depth > 0 && current && fnName === current) {
        // Same function as the previous hunk: continue it, gap marked.
        push(out, `${"}".repeat(Math.max(0, depth - 1))} /* lockreview: lines not shown */`, 0);
        depth = 1;
        if (needed > 1) push(out, "{".repeat(needed - 1), 0);
        depth = needed;
      } else {
        closeAll();
        if (h.section.trim()) {
          const aggregate = isAggregateHead(h.section);
          push(out, openingFor(h.section) + "{".repeat(needed - 1), 0);
          closer = aggregate ? "};" : "}";
          current = aggregate ? null : fnName;
          if (current) partial.add(current);
        } else {
          // No section: statements of an unknown function.
          const name = `__lockreview_hunk_${lines[0].line}`;
          push(out, `static void ${name}(void) {${"{".repeat(needed - 1)}`, 0);
          current = name;
          partial.add(name);
        }
        depth = needed;
      }
    } else if (!inside) {
      closeAll();
    }
    // Emit the hunk, tracking function heads at depth 0 and where bodies end.
    let pendingHead: string | null = null;
    for (const l of lines) {
      if (depth === 0) {
        const m = FUNC_HEAD.exec(l.text);
        if (m && !/;\s*$/.test(l.text)) pendingHead = m[1];
      }
      const before = depth;
      const { delta } = scan.scan(l.text);
      depth += delta;
      if (before === 0 && depth > 0) {
        current = pendingHead;
        closer = pendingHead ? "}" : "};";
        pendingHead = null;
      }
      if (depth <= 0) {
        depth = 0;
        current = null;
        closer = "}";
      }
      push(out, l.text, l.line);
    }
    if (depth > 0 && current) partial.add(current);
  }
  closeAll();
  return { path, text: out.text.join("\n") + "\n", context: "hunks", lineMap: out.map, partialFunctions: partial, visible };
}

/** Pre- and post-image views of one changed file, hunks only. */
export function hunkViews(fd: FileDiff): { pre: SourceView | null; post: SourceView | null } {
  return {
    pre: fd.status === "added" ? null : hunkView(fd, "old"),
    post: fd.status === "deleted" ? null : hunkView(fd, "new"),
  };
}
