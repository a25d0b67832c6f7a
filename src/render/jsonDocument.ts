// JSON documents written as they go, byte for byte what
// `JSON.stringify(doc, null, 2)` prints for the whole document. The document
// is given as a template in which each array to stream holds one marker
// string; the text between markers is written as is, the items in place of
// the markers. Only the current item is in memory, so the output of a
// 100,000-message archive needs no more memory than one patch's.
import { Spool } from "./spool.js";

/** A marker string that no value of ours contains. */
export const mark = (name: string) => `\u0000lockreview-stream:${name}\u0000`;

/** `JSON.stringify(value, null, 2)` with every line after the first indented by `by` spaces. */
export function nested(value: unknown, by: number): string {
  return JSON.stringify(value, null, 2).replace(/\n/g, `\n${" ".repeat(by)}`);
}

export interface Layout {
  /** Text before the first marker, between markers, after the last (markers.length + 1 pieces). */
  pieces: string[];
  /** Indentation of each marker's items. */
  indents: number[];
}

/** Cut the template's text at its markers (each must be the only item of its array). */
export function layout(template: unknown, markers: string[]): Layout {
  const text = JSON.stringify(template, null, 2);
  const pieces: string[] = [];
  const indents: number[] = [];
  let from = 0;
  for (const m of markers) {
    const q = JSON.stringify(m);
    const at = text.indexOf(q, from);
    if (at < 0) throw new Error(`stream marker ${JSON.stringify(m)} not in the template`);
    const lineStart = text.lastIndexOf("\n", at);
    pieces.push(text.slice(from, lineStart));
    indents.push(at - lineStart - 1);
    from = at + q.length;
  }
  pieces.push(text.slice(from) + "\n");
  return { pieces, indents };
}

/** The text of one array item at `indent` (a comma first unless it is the first). */
export function item(value: unknown, indent: number, first: boolean): string {
  return `${first ? "" : ","}\n${" ".repeat(indent)}${nested(value, indent)}`;
}

/**
 * Writes a document whose first marked array is streamed live and whose
 * later marked arrays are kept in spools (they come after it in the text)
 * until `end`.
 */
export class StreamedDocument {
  private started = false;
  private count = 0;
  private head?: string;
  private readonly spools: Spool[];

  /** `head`: the text before the live array's marker (it must not depend on what `end` is given). */
  constructor(
    private readonly write: (s: string) => void,
    head: string,
    private readonly indent: number,
    spooled: number,
  ) {
    this.head = head;
    this.spools = Array.from({ length: spooled }, () => new Spool());
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.write(this.head!);
    this.head = undefined;
  }

  /** An item of the live array. */
  push(value: unknown): void {
    this.start();
    this.write(item(value, this.indent, this.count++ === 0));
  }

  /** An item of the n-th spooled array, whose indentation `end`'s layout will have. */
  keep(n: number, value: unknown): void {
    this.spools[n]!.add(value);
  }

  /** Finish with the layout of the complete document (its first piece must be the head given). */
  end(final: Layout): void {
    this.start();
    const closing = (piece: string, empty: boolean) => (empty ? piece.replace(/^\n */, "") : piece);
    this.write(closing(final.pieces[1]!, this.count === 0));
    this.spools.forEach((spool, n) => {
      // A layout may leave out an array that stayed empty (SARIF omits
      // toolExecutionNotifications when there were no input errors).
      if (final.pieces[n + 2] === undefined) {
        if (spool.count) throw new Error("a streamed array with items has no place in the final layout");
        return;
      }
      const indent = final.indents[n + 1]!;
      const empty = spool.count === 0;
      let first = true;
      for (const v of spool.values()) {
        this.write(item(v, indent, first));
        first = false;
      }
      this.write(closing(final.pieces[n + 2]!, empty));
    });
  }
}
