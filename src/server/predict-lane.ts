// POST /api/v1/deployments/{name}/predict on a request path of its own, beside Fastify's.
//
// Why: a one-row prediction costs about 75 µs of CPU in the model itself (validation, the fitted pipeline, ONNX
// Runtime, the answer), and in profiles Fastify's request lifecycle (routing, hooks, body parsing, validation,
// serialisation, request and reply objects) added about 18 µs more, while the service is asked for 0.7× the
// requests/s of a bare node:http server around the same model. This lane takes the usual prediction (POST, a JSON
// body, a well-formed deployment name) and runs the same steps with the same pieces as the Fastify route: the
// request id, the gate (key, role, deployment scope, rate limit), the body limit and Fastify's JSON parser's rules
// (secure-json-parse, prototype poisoning refused), `predictRows`, the one inference entry (service/inference.ts), the error mapping and bodies,
// the request histogram and log line. Everything else — and every request while the server closes — goes to Fastify.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { infer, type ServiceContext } from '../service/index.js';
import type { Gate, Caller } from './auth.js';
import type { Principal } from '../security/keys.js';
import { bodyErrors, errorAnswer, logFailure } from './errors.js';
import type { ServerMetrics } from './metrics.js';
import { LazyRequestLogger } from './request-logger.js';
import { recordRequest, requestId } from './request-bookkeeping.js';
import { parseJsonBody } from './json-body.js';
import { PREDICT_ROUTE, answerOf, predictRows } from './routes/deployments.js';
import { name as NAME } from './schemas.js';

/** The path with a deployment name as the route's params schema allows it (anything else is Fastify's to refuse). */
const PREFIX = '/api/v1/deployments/';
const PATH = new RegExp(`^${PREFIX}(${NAME.pattern.slice(1, -1)})/predict(?:\\?.*)?$`);

export interface PredictLane {
  /** Whether the lane answers this request; decided from the request line and headers alone, before any body is read. */
  takes(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): void;
  /** From now on Fastify answers everything (with its 503 for a closing server). */
  close(): void;
}

export interface LaneOptions {
  ctx: ServiceContext;
  gate: Gate;
  metrics: ServerMetrics;
  log: FastifyBaseLogger;
  bodyLimit: number;
}

export function createPredictLane(o: LaneOptions): PredictLane {
  let closing = false;
  return {
    takes(req) {
      if (closing || req.method !== 'POST' || !req.url?.startsWith(PREFIX)) return false;
      const type = req.headers['content-type'];
      return (type === 'application/json' || type?.toLowerCase().startsWith('application/json;') === true) && PATH.test(req.url);
    },
    serve(req, res) {
      const started = performance.now();
      const id = requestId(req.headers);
      const log = new LazyRequestLogger(o.log, { reqId: id }, {});
      // takes() matched PATH: the name runs from the prefix to the next slash.
      const name = req.url!.slice(PREFIX.length, req.url!.indexOf('/', PREFIX.length));
      // Set when the body could not be read or parsed: the caller may still be sending, so the connection closes
      // after the answer (as Fastify does), instead of reading whatever comes next.
      let bodyFailed = false;
      const unexpected = (e: unknown) => log.error({ err: e }, 'the prediction lane could not answer');
      const answer = (status: number, body: object, retryAfter?: string) => {
        try {
          const text = JSON.stringify(body);
          const headers: Record<string, string | number> = {
            'x-request-id': id,
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(text),
          };
          if (retryAfter) headers['retry-after'] = retryAfter;
          if (bodyFailed) headers.connection = 'close';
          res.writeHead(status, headers);
          res.end(text);
          recordRequest(o.metrics, log, { method: 'POST', route: PREDICT_ROUTE, url: req.url!, status, ms: performance.now() - started });
        } catch (e) {
          unexpected(e);
        }
      };
      const fail = (err: unknown) => {
        if (req.socket.destroyed) return; // the caller hung up: nobody to answer, and not the server's fault
        const a = errorAnswer(err, false);
        logFailure(log, err, a.error, a.status);
        answer(a.status, a.body, a.retryAfter);
      };
      const succeed = (result: object) => answer(200, result);
      // The body, then the prediction. Callbacks rather than a chain of promises: this runs on every prediction.
      const predictFor = (principal: Principal) =>
        readJson(req, o.bodyLimit, (err, body) => {
          if (err) {
            bodyFailed = true;
            fail(err);
            return;
          }
          let rows: unknown;
          // As on Fastify's route: a malformed body is refused before it counts as a prediction.
          try {
            rows = predictRows(body);
          } catch (e) {
            fail(e);
            return;
          }
          infer(o.ctx, principal.tenantId, { deployment: name }, rows, 'rest')
            .then((r) => succeed(answerOf(r)), fail)
            .catch(unexpected);
        });
      const caller: Caller = {
        authorization: req.headers.authorization,
        ip: req.socket.remoteAddress ?? '',
        method: 'POST',
        route: PREDICT_ROUTE,
        permission: 'predict',
        deployment: name,
      };
      // As on Fastify's path: the key first, then the body (an unknown caller's body is never parsed).
      let admitted: Principal | Promise<Principal>;
      try {
        admitted = o.gate(caller);
      } catch (e) {
        fail(e);
        return;
      }
      if (admitted instanceof Promise) admitted.then(predictFor, fail).catch(unexpected);
      else predictFor(admitted);
    },
    close() {
      closing = true;
    },
  };
}

/**
 * The request's body parsed as Fastify's JSON parser does: a size limit, then parseJsonBody (an empty body, `__proto__`
 * and `constructor.prototype` keys and duplicate keys refused). `done` is called once.
 */
function readJson(req: IncomingMessage, limit: number, done: (err: Error | null, body?: unknown) => void): void {
  if (Number(req.headers['content-length']) > limit) {
    done(bodyErrors.tooLarge());
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0,
    finished = false;
  const finish = (err: Error | null, body?: unknown) => {
    if (!finished) {
      finished = true;
      done(err, body);
    }
  };
  req.on('data', (c: Buffer) => {
    size += c.length;
    // Over the limit: stop reading and refuse; the answer closes the connection.
    if (size > limit) {
      req.removeAllListeners('data').removeAllListeners('end');
      finish(bodyErrors.tooLarge());
      return;
    }
    chunks.push(c);
  });
  req.on('error', (e) => finish(e));
  req.on('end', () => {
    const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    // The same parse as Fastify's JSON parser (json-body.ts): empty, malformed, poisoned or duplicate-key bodies refused.
    let body: unknown;
    try {
      body = parseJsonBody(text);
    } catch (e) {
      finish(e as Error);
      return;
    }
    finish(null, body);
  });
}
