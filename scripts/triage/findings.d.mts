export type Verdict = "real" | "likely-real" | "likely-safe" | "tool-error";

export interface ScanRow {
  area: string;
  file: string;
  function: string;
  ruleId: string;
  severity: string;
  line: string | number;
  key: string;
  message: string;
}

export interface VerdictRow {
  file: string;
  function: string;
  ruleId: string;
  key: string;
  verdict: string;
  cause: string;
  note: string;
}

export interface AreaCounts {
  findings: number;
  real: number;
  "likely-real": number;
  "likely-safe": number;
  "tool-error": number;
  untriaged: number;
  precision: number | null;
}

export declare const SCAN_COLUMNS: string[];
export declare const VERDICT_COLUMNS: string[];
export declare const VERDICTS: Verdict[];
export declare function findingKey(ruleId: string, message: string): string;
export declare function messageHead(message: string, max?: number): string;
export declare function cell(v: unknown): string;
export declare function parseTsv(text: string, source: string, columns: string[]): Record<string, string>[];
export declare function formatTsv(rows: object[], columns: string[], comments?: string[]): string;
export declare function areasComment(areas: string[]): string;
export declare function areasOf(text: string): string[];
export declare function joinKey(r: { file: string; function: string; ruleId: string; key: string }): string;
export declare function scanRows(area: string, json: unknown, root: string): ScanRow[];
export declare function checkVerdicts(rows: Record<string, string>[], source: string): string[];
export declare function precision(
  scan: Record<string, string>[] | ScanRow[],
  verdicts: Record<string, string>[] | VerdictRow[],
  scannedAreas?: string[],
): {
  areas: Array<{ area: string } & AreaCounts>;
  total: AreaCounts;
  untriaged: Record<string, string>[];
  stale: Record<string, string>[];
  causes: Array<[string, number]>;
};
