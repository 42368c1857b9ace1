// The one way the dashboard calls /api/v1: the session's key as a Bearer token, JSON in and out, the API's error body as an ApiError.
import { getKey, signOutBecause } from '../session-store';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Key to use instead of the session's (sign-in checks a key before storing it). */
  key?: string;
}

export function authHeaders(key = getKey()): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function errorOf(res: Response): Promise<ApiError> {
  let code = 'http_' + res.status,
    message = res.statusText || `HTTP ${res.status}`,
    details: unknown = null;
  try {
    const body = await res.json();
    if (body?.error && typeof body.error === 'object')
      ({ code, message, details } = { code: body.error.code ?? code, message: body.error.message ?? message, details: body.error.details ?? null });
  } catch {
    /* not JSON: keep the status line */
  }
  return new ApiError(res.status, code, message, details);
}

/** Raw response of an API call; throws ApiError for any non-2xx status. */
export async function apiResponse(path: string, opts: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...authHeaders(opts.key), accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(path, { method: opts.method ?? 'GET', headers, body, signal: opts.signal });
  if (!res.ok) {
    const err = await errorOf(res);
    // A key revoked or expired mid-session: go back to sign-in rather than failing every page.
    if (res.status === 401 && !opts.key) signOutBecause(err.message);
    throw err;
  }
  return res;
}

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await apiResponse(path, opts);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

/** Path segments are user-chosen names: always encode them. */
export const seg = (s: string | number) => encodeURIComponent(String(s));
