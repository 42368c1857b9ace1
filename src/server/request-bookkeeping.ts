// Per-request bookkeeping shared by Fastify's hooks and the prediction lane: the request id, and what every answered
// request leaves behind (one observation of the request histogram and, at info, one log line).
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerMetrics } from './metrics.js';

/**
 * Request ids of this process: a random prefix drawn at start, then a counter. Unique across replicas and restarts
 * like a UUID for correlating logs, and shorter and cheaper: a UUID per request (random bytes, formatting, and a
 * longer header to validate) was over 1% of a one-row prediction's CPU in profiles.
 */
const PREFIX = randomBytes(6).toString('hex');
let counter = 0;

/** The caller's X-Request-Id when it is a short plain token, else the next id of this process. */
export function requestId(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : `${PREFIX}-${(++counter).toString(36)}`;
}

const INFO_LEVELS = new Set(['trace', 'debug', 'info']);

export interface AnsweredRequest { method: string; route: string | undefined; url: string; status: number; ms: number }

export function recordRequest(metrics: ServerMetrics, log: FastifyBaseLogger, r: AnsweredRequest): void {
  metrics.requests.observe({ method: r.method, route: r.route ?? '(unmatched)', status: String(r.status) }, r.ms / 1000);
  // One line per request (Fastify's own logging writes two), and none of it built when info is off.
  if (INFO_LEVELS.has(log.level)) log.info({ method: r.method, url: r.url, status: r.status, ms: Math.round(r.ms * 100) / 100 }, 'request completed');
}
