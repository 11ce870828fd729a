// Two kinds of failure, kept apart on purpose.
//
// UserError: the user's input is wrong (a missing file, a bad option, a corrupt executable).
// The CLI prints its message as one line and exits non-zero; never a stack trace.
//
// Anything else that is thrown is a bug in vmlab itself. Faults of the emulated program are
// never thrown: they are values (trap causes) that the emulated machine handles.

export class UserError extends Error {
  constructor(
    message: string,
    /** Exit status for the CLI. */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
