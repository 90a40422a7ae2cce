/**
 * Errors as the renderer shows them. Every failure that crosses the API (a server ApiError, a dropped
 * connection, an Electron IPC rejection) becomes an `ApiCallError` with a stable code, a readable
 * message and the offending input path, so views never print transport noise such as Electron's
 * "Error invoking remote method '…': Error: …" prefix.
 */
import type { ApiError, ApiErrorCode } from '../../../core/api/contract';

/** The server's codes plus the client-side ones (no connection, no token). */
export type ClientErrorCode = ApiErrorCode | 'disconnected' | 'timeout';

export class ApiCallError extends Error {
  readonly code: ClientErrorCode;
  readonly path: string;
  /** The method that failed, when the error came from a call. */
  readonly method: string | undefined;

  constructor(code: ClientErrorCode, message: string, path = '', method?: string) {
    super(message);
    this.name = 'ApiCallError';
    this.code = code;
    this.path = path;
    this.method = method;
  }

  static fromApiError(e: ApiError, method?: string): ApiCallError {
    return new ApiCallError(
      e.code,
      cleanMessage(e.message),
      typeof e.path === 'string' ? e.path : '',
      method,
    );
  }
}

const REMOTE_PREFIX = /^Error invoking remote method '[^']*':\s*/;
const ERROR_CLASS_PREFIX = /^(?:[A-Z][A-Za-z]*Error|Error|ApiException):\s+/;

/** Strips transport prefixes ("Error invoking remote method 'x': Error: …") from a message. */
export function cleanMessage(message: string): string {
  let m = message.trim();
  for (let i = 0; i < 3; i++) {
    const next = m.replace(REMOTE_PREFIX, '').replace(ERROR_CLASS_PREFIX, '');
    if (next === m) break;
    m = next;
  }
  return m === '' ? 'unknown error' : m;
}

/** Any thrown value as an ApiCallError (already-typed errors pass through). */
export function toCallError(e: unknown, method?: string): ApiCallError {
  if (e instanceof ApiCallError) return e;
  if (isApiErrorLike(e)) return ApiCallError.fromApiError(e, method);
  const message = e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error';
  return new ApiCallError('internal', cleanMessage(message), '', method);
}

export function isApiErrorLike(x: unknown): x is ApiError {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.code === 'string' && typeof o.message === 'string';
}
