// The one mapping from error codes to HTTP statuses, and the error bodies of /api/v1 and of the Open Inference Protocol.
import { AndonError, isAndonError, type ErrorCode } from '../errors.js';
import { scrub, scrubDeep } from './log-scrub.js';

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

/** Fastify's own errors (body parsing, schema validation, limits) as AndonErrors with the same codes as ours. */
export function fromFramework(e: { code?: string; statusCode?: number; message: string; validation?: unknown[] }): AndonError {
  if (e.validation) return new AndonError('invalid_input', e.message, { validation: e.validation });
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new AndonError('too_large', 'the request body is over the size limit', {});
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE': return new AndonError('invalid_input', `unsupported content type: ${e.message}`, { status: 415 });
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new AndonError('empty_input', 'the JSON body is empty', {});
    case 'FST_ERR_CTP_INVALID_JSON_BODY': return new AndonError('parse_error', 'the body is not valid JSON', {});
    default:
      if (e instanceof SyntaxError) return new AndonError('parse_error', `the body is not valid JSON: ${e.message}`, {});
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
