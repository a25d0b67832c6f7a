// What the C model is built from: the best text available for one image
// (pre or post) of one file, and where it came from.
import type { ContextKind } from "../model/review.js";

export interface SourceView {
  /** Repository-relative path. */
  path: string;
  text: string;
  context: ContextKind;
  /**
   * Row (0-based) of `text` → original 1-based line; 0 for synthetic lines.
   * Absent when text is the whole file (identity).
   */
  lineMap?: number[];
  /** Hunks mode: functions whose bodies were only partly visible. */
  partialFunctions?: Set<string>;
  /** Hunks mode: original line ranges that were visible, inclusive. */
  visible?: [number, number][];
}

/**
 * File contents at one point of history. Implemented for a directory
 * (`--tree`), for git objects (`lockreview check`) and for the GitHub
 * contents API (the app).
 */
export interface SourceProvider {
  /** Full text of a file, or null when it does not exist there. */
  read(path: string): Promise<string | null>;
  /** Files in a directory (names only), for a driver's neighbour files. */
  list(dir: string): Promise<string[]>;
  /** Description for messages ("tree /src/linux", "commit abc123"). */
  describe(): string;
}

/** Only C sources and headers are modelled. */
export function isCSource(path: string | null | undefined): path is string {
  return !!path && /\.(c|h)$/.test(path);
}
