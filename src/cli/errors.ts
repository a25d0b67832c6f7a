// Errors a user can cause: printed as one line (plus a hint), exit status 2,
// never a stack trace.
export class UsageError extends Error {
  constructor(
    message: string,
    /** What to run for help, e.g. "lockreview review --help". */
    readonly hint?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

// Exit status (checkpatch's convention plus one; `lockreview --help`, README):
//   0  nothing at or above --fail-on
//   1  a finding at or above --fail-on
//   2  a usage error, or anything that could not be read or reviewed: an
//      input error, a patch the reviewer could not finish, code over the caps
export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREVIEWED = 2;
