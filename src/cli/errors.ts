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

export const EXIT_OK = 0;
export const EXIT_FINDINGS = 1;
export const EXIT_USAGE = 2;
