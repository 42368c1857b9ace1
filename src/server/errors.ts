// The one mapping from error codes to HTTP statuses, and the error bodies of /api/v1 and of the Open Inference Protocol.
import type { FastifyBaseLogger } from 'fastify';
import { AndonError, isAndonError, type ErrorCode } from '../errors.js';
import { scrub, scrubDeep } from '../security/scrub.js';

export const STATUS: Record<ErrorCode, number> = {
  invalid_input: 400,
  parse_error: 400,
  empty_input: 400,
  unknown_column: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  rate_limited: 429,
  integrity_error: 500,
  internal: 500,
  unavailable: 503,
};

/** A JSON body's own errors, one message each, whether Fastify's parser or the prediction lane met them. */
export const bodyErrors = {
  tooLarge: () => new AndonError('too_large', 'the request body is over the size limit', {}),
  empty: () => new AndonError('empty_input', 'the JSON body is empty', {}),
  notJson: (e?: Error) => new AndonError('parse_error', e ? `the body is not valid JSON: ${e.message}` : 'the body is not valid JSON', {}),
};

/** Fastify's own errors (body parsing, schema validation, limits) as AndonErrors with the same codes as ours. */
export function fromFramework(e: { code?: string; statusCode?: number; message: string; validation?: unknown[] }): AndonError {
  if (e.validation) return new AndonError('invalid_input', e.message, { validation: e.validation });
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return bodyErrors.tooLarge();
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AndonError('invalid_input', `unsupported content type: ${e.message}`, { status: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return bodyErrors.empty();
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return bodyErrors.notJson();
    default:
      if (e instanceof SyntaxError) return bodyErrors.notJson(e);
      if (e.statusCode === 413) return new AndonError('too_large', e.message, {});
      if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return new AndonError('invalid_input', e.message, { status: e.statusCode });
      return new AndonError('internal', 'internal error', {});
  }
}

export function toAndonError(e: unknown): AndonError {
  return isAndonError(e) ? e : fromFramework(e as Error & { code?: string; statusCode?: number });
}

/** The status of an error: 415 for a wrong content type keeps its own status, everything else follows the table. */
export function statusOf(e: AndonError): number {
  const s = e.details.status;
  return typeof s === 'number' && e.code === 'invalid_input' ? s : STATUS[e.code];
}

/** Error bodies never echo an API key, e-mail address, phone or ID number, even one the caller sent. */
export function apiErrorBody(e: AndonError): { error: { code: ErrorCode; message: string; details: Record<string, unknown> } } {
  const { status: _, ...details } = e.details;
  return { error: { code: e.code, message: scrub(e.message), details: scrubDeep(details) as Record<string, unknown> } };
}

export function oipErrorBody(e: AndonError): { error: string } {
  return { error: scrub(e.message) };
}

/** How the edge answers an error: its status, a Retry-After for a rate limit, and the body (the OIP's own shape on /v2). */
export function errorAnswer(err: unknown, oip: boolean): { error: AndonError; status: number; retryAfter?: string; body: object } {
  const error = toAndonError(err);
  const status = statusOf(error);
  return {
    error,
    status,
    body: oip ? oipErrorBody(error) : apiErrorBody(error),
    ...(error.code === 'rate_limited' ? { retryAfter: String(error.details.retryAfterSeconds ?? 1) } : {}),
  };
}

/** A failed request's log line: server faults at error with the cause, the caller's mistakes at info. */
export function logFailure(log: FastifyBaseLogger, err: unknown, e: AndonError, status: number): void {
  if (status >= 500) log.error({ err, code: e.code }, 'request failed');
  else log.info({ code: e.code, status }, e.message);
}
