// The patch model every stage after ingest works on. Produced from mbox
// messages, .eml/format-patch files, bare diffs, git commits and GitHub PRs.

export type ChangeKind = "add" | "del" | "normal";

/** One line of a hunk. `content` excludes the leading +/-/space. */
export interface LineChange {
  kind: ChangeKind;
  content: string;
  /** Line number in the pre-image (del and normal lines). */
  oldLine?: number;
  /** Line number in the post-image (add and normal lines). */
  newLine?: number;
  /**
   * Line number of this diff line in the patch input (the message as checkpatch
   * numbers it: header lines, blank line, decoded body; or the diff file), when
   * known. Not set for diffs read from attachments.
   */
  patchLine?: number;
}

export interface Hunk {
  /** The full `@@ -a,b +c,d @@ section` line. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  /** git's funcname context after the second `@@` (may be empty). */
  section: string;
  changes: LineChange[];
  /** `\ No newline at end of file` seen for the old / new side. */
  noNewlineOld?: boolean;
  noNewlineNew?: boolean;
}

export type FileStatus = "modified" | "added" | "deleted" | "renamed" | "copied";

export interface FileDiff {
  /** Path before the change (no `a/` prefix); null for new files. */
  oldPath: string | null;
  /** Path after the change (no `b/` prefix); null for deleted files. */
  newPath: string | null;
  status: FileStatus;
  binary: boolean;
  hunks: Hunk[];
  additions: number;
  deletions: number;
  /** File modes from git's extended headers, when they changed (or for new/deleted files). */
  oldMode?: string;
  newMode?: string;
  /** `similarity index N%` of a rename or copy. */
  similarity?: number;
  /**
   * Abbreviated blob ids from git's `index <old>..<new>` line: the exact
   * pre- and post-image, found in a repository that has them (`git am -3`).
   */
  oldBlob?: string;
  newBlob?: string;
}

export interface Person {
  name: string;
  email: string;
}

export interface SubjectTags {
  /** Raw bracket contents, e.g. ["PATCH v3 2/7"], ["RFC PATCH net-next"]. */
  raw: string[];
  /** True when a PATCH-like tag was present (PATCH, RFC, RESEND …). */
  isPatch: boolean;
  rfc: boolean;
  resend: boolean;
  /** vN of the subject (1 when it gives none; ingest may take it from the cover letter then). */
  version: number;
  /** The subject gave the version (`v2`, `PATCHv3`); without it, version 1 is only a default. */
  versionGiven?: boolean;
  /** n of n/m; 0 for a cover letter; undefined when not numbered. */
  number?: number;
  total?: number;
  /** Other words in the tag: tree or project names such as net-next, blktests. */
  prefixes: string[];
}

export interface Trailer {
  key: string;
  value: string;
}

/**
 * `pull`: a pull request ([GIT PULL]); `ping`: a reminder quoting a patch;
 * `pointer`: a [PATCH]-tagged mail pointing at a branch instead of carrying
 * patches. Like covers and replies, they are read and counted, not reviewed.
 */
export type PatchKind = "patch" | "cover" | "reply" | "diff" | "pull" | "ping" | "pointer" | "other";

export interface Patch {
  /** Where it came from: the input path, plus `#<n>` for the n-th message of a mailbox. */
  source: string;
  /** 1-based position of the message in its input (1 for single files). */
  index: number;
  kind: PatchKind;
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  /** Subject as sent (decoded), e.g. "[PATCH v3 2/7] nbd: fix …". */
  subject: string;
  /** Subject with tags and Re: removed. */
  title: string;
  tags: SubjectTags;
  author?: Person;
  /**
   * The mail's From: when an in-body From: names someone else as the author
   * (a patch sent on the author's behalf); replies go to both.
   */
  sender?: Person;
  /** ISO 8601 date, when the message had one. */
  date?: string;
  to: string[];
  cc: string[];
  /** Commit message (text between headers and the diff). */
  body: string;
  trailers: Trailer[];
  files: FileDiff[];
  /** Non-fatal problems (format=flowed, charset fallback …). */
  warnings: string[];
  /** Identity of the series this belongs to (same for all revisions). */
  seriesKey: string;
  /** For git input: the commit id. */
  commit?: string;
  /** Where the diff came from when it was not inline: the attachment's file name. */
  attachment?: string;
}

export interface InputError {
  source: string;
  message: string;
}
