// The one error type of Andon: a stable code for programs, a message for people, details for both.
// The HTTP edge maps codes to statuses in one table; the CLI prints the message on one line.

export type ErrorCode =
  | 'invalid_input' // a value or option the caller sent is wrong
  | 'parse_error' // a file or payload could not be read in its format
  | 'empty_input' // nothing to work with: an empty file, no rows
  | 'too_large' // over a configured size limit
  | 'unknown_column' // a column name that the data does not have
  | 'not_found'
  | 'conflict'
  | 'unauthenticated'
  | 'forbidden'
  | 'rate_limited'
  | 'integrity_error' // stored data failed its checksum or authentication tag
  | 'unavailable'
  | 'internal';

export class AndonError extends Error {
  override name = 'AndonError';
  /** `details` go to the caller; `internal` only to logs and the audit trail (e.g. why a key was refused). */
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly internal: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export function isAndonError(e: unknown): e is AndonError {
  return e instanceof AndonError;
}
