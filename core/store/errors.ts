/**
 * The one error type the store throws for caller mistakes and stored-data problems, with a stable code
 * so a service can map it to an API error (not_found → 404-like, read_only/invalid → conflict/input).
 * SQLite's own errors (disk full, I/O) pass through unchanged.
 */
export type StoreErrorCode = 'not_found' | 'read_only' | 'invalid' | 'corrupt' | 'open_failed';

export class StoreError extends Error {
  override name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
  ) {
    super(message);
  }
}
