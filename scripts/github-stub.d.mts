export type Tree = Record<string, string>;

export interface StubFile {
  sha: string;
  filename: string;
  status: string;
  additions: number;
  deletions: number;
  changes: number;
  patch?: string;
  previous_filename?: string;
}

export interface StubComment {
  pull: number;
  id: number;
  node_id: string;
  body: string;
  path: string;
  line?: number;
  side?: string;
  subject_type?: string;
  in_reply_to_id?: number;
  commit_id?: string;
  user: { login: string; type: string };
}

export interface StubReview {
  pull: number;
  id: number;
  body: string;
  commit_id: string;
  state: string;
  user: { login: string; type: string };
}

export interface StubCheckRun {
  id: number;
  name: string;
  head_sha: string;
  status: string;
  conclusion: string | null;
  external_id: string | null;
  output: { title: string; summary: string; text?: string } | null;
  annotations: { path: string; start_line: number; annotation_level: string; title: string; message: string }[];
  outputs: unknown[];
}

export interface StubThread {
  id: string;
  root: number;
  isResolved: boolean;
  minimized: boolean;
}

export interface StubRepo {
  prs: Map<number, { number: number; title: string; baseSha: string; headSha: string; files: StubFile[] }>;
  trees: Map<string, Tree>;
  blobs: Map<string, string>;
  config: Record<string, string>;
  checkRuns: StubCheckRun[];
  reviews: StubReview[];
  comments: StubComment[];
  threads: Map<number, StubThread>;
}

export interface StubRequest {
  method: string;
  path: string;
  at: number;
  auth: string;
}

export interface GitHubStub {
  port: number;
  host: string;
  url: string;
  token: string;
  requests: StubRequest[];
  busyMs(): number;
  repo(full: string): StubRepo;
  addCommit(full: string, label: string, tree: Tree): string;
  setPullRequest(full: string, number: number, pr: { base: Tree; head: Tree; label?: string; title?: string; files?: StubFile[] }): { baseSha: string; headSha: string };
  reply(full: string, number: number, rootId: number, body: string, user?: { login: string; type: string; id: number }): number;
  close(): Promise<void>;
}

export declare function blobSha(text: string): string;
export declare function commitSha(label: string): string;
export declare function hunkText(before: string, after: string): string;
export declare function prFiles(base: Tree, head: Tree): StubFile[];
export declare function rightLinesOf(patch: string | undefined): Set<number>;
export declare function startGitHubStub(options?: {
  port?: number;
  token?: string;
  delayMs?: number;
  intercept?: (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse, body: string) => boolean | Promise<boolean>;
}): Promise<GitHubStub>;
