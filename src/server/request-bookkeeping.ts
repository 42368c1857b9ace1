// Per-request bookkeeping shared by Fastify's hooks and the prediction lane: the request id, and what every answered
// request leaves behind (one observation of the request histogram and, at info, one log line).
import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerMetrics } from './metrics.js';
import { scrub } from '../security/scrub.js';

/**
 * Request ids of this process: a random prefix drawn at start, then a counter. Unique across replicas and restarts
 * like a UUID for correlating logs, and shorter and cheaper: a UUID per request (random bytes, formatting, and a
 * longer header to validate) was over 1% of a one-row prediction's CPU in profiles.
 */
const PREFIX = randomBytes(6).toString('hex');
let counter = 0;

/** What a caller's id may look like: short, and only characters that need no escaping in a header or a log line. */
const PLAIN_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The caller's X-Request-Id when it is a short plain token that is no secret, else the next id of this process. The id
 * is echoed in the answer and bound to every log line of the request, outside the scrubbing of logged values, so an
 * API key (or any part of one: `andon_` starts every key) or anything the scrubber would mask never becomes one.
 */
export function requestId(headers: IncomingHttpHeaders): string {
  const given = headers['x-request-id'];
  return typeof given === 'string' && PLAIN_ID.test(given) && !given.toLowerCase().includes('andon_') && scrub(given) === given
    ? given
    : `${PREFIX}-${(++counter).toString(36)}`;
}

const INFO_LEVELS = new Set(['trace', 'debug', 'info']);

export interface AnsweredRequest {
  method: string;
  route: string | undefined;
  url: string;
  status: number;
  ms: number;
}

export function recordRequest(metrics: ServerMetrics, log: FastifyBaseLogger, r: AnsweredRequest): void {
  metrics.requests.observe({ method: r.method, route: r.route ?? '(unmatched)', status: String(r.status) }, r.ms / 1000);
  // One line per request (Fastify's own logging writes two), and none of it built when info is off.
  if (INFO_LEVELS.has(log.level)) log.info({ method: r.method, url: r.url, status: r.status, ms: Math.round(r.ms * 100) / 100 }, 'request completed');
}
