// The HTTP edge: Fastify with one error mapping, API-key auth on every route but health/metrics/docs, JSON logs with request ids, metrics, OpenAPI at /docs.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AndonError } from '../errors.js';
import type { Duplex } from 'node:stream';
import type { ServiceContext } from '../service/index.js';
import { DeploymentHealth } from './deployment-health.js';
import { parseJsonBody } from './json-body.js';
import { createGate, registerAuth } from './auth.js';
import { createPredictLane, type PredictLane } from './predict-lane.js';
import { recordRequest, requestId } from './request-bookkeeping.js';
import { lazyRequestLogger } from './request-logger.js';
import { KeyRateLimiter, type RateLimit } from './rate-limit.js';
import { apiErrorBody, errorAnswer, logFailure, oipErrorBody } from './errors.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { batchJobRoutes } from './routes/batch-jobs.js';
import { datasetRoutes } from './routes/datasets.js';
import { deploymentRoutes } from './routes/deployments.js';
import { healthRoutes, type Readiness } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import { keyRoutes } from './routes/keys.js';
import { modelRoutes } from './routes/models.js';
import { oipRoutes } from './routes/oip.js';

export interface ServerOptions {
  /** Fastify's logger option: false in tests, or pino options/stream (JSON lines). */
  logger?: FastifyServerOptions['logger'];
  /** Largest JSON body (default 16 MiB: 10,000 rows of a few dozen columns). */
  bodyLimit?: number;
  /** Requests per second per API key (default 10,000, bursts of 20,000): over it, 429 with Retry-After. */
  rateLimit?: RateLimit;
  /** The built dashboard to serve at `/` (default web/dist of the package when it was built; null: none). */
  webRoot?: string | null;
  /** Largest dataset upload (default 256 MiB), streamed, never buffered beyond it. */
  maxUploadBytes?: number;
  /** Time for a connection to send a request's headers (default 10 s): a caller that trickles them is cut off (408, closed). */
  headersTimeoutMs?: number;
  /**
   * Time to receive a whole request, headers and body (default the largest upload at 4 Mbit/s, at least 60 s: 9 minutes
   * for 256 MiB). Only receiving counts: a server-sent event stream whose request has arrived stays open past it.
   */
  requestTimeoutMs?: number;
}

export interface AndonServer {
  app: FastifyInstance;
  metrics: ServerMetrics;
  lane: PredictLane;
  warmUp(): Promise<void>;
}

/** Body types whose bytes go to the route unparsed, as a stream (dataset uploads, batch inputs). */
const RAW_TYPES = [
  'text/csv',
  'text/plain',
  'text/tab-separated-values',
  'application/octet-stream',
  'application/x-ndjson',
  'application/jsonl',
  'application/x-jsonlines',
];

/** web/dist beside src/ or dist/ (the same relative place from both). */
function defaultWebRoot(): string | null {
  const dir = fileURLToPath(new URL('../../web/dist', import.meta.url));
  return existsSync(`${dir}/index.html`) ? dir : null;
}

export async function buildServer(ctx: ServiceContext, options: ServerOptions = {}): Promise<AndonServer> {
  const bodyLimit = options.bodyLimit ?? 16 * 2 ** 20;
  const maxUploadBytes = options.maxUploadBytes ?? 256 * 2 ** 20;
  const requestTimeout = options.requestTimeoutMs ?? Math.max(60_000, Math.ceil(maxUploadBytes / 500_000) * 1000);
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeout);
  // Predictions take their own lane (predict-lane.ts); it is made once the pieces it shares with the routes exist.
  let lane: PredictLane | undefined;
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit,
    genReqId: (req) => requestId(req.headers),
    // Fastify's default, 0, lets a caller hold a connection open forever with half a request.
    requestTimeout,
    clientErrorHandler: answerClientError,
    serverFactory: (fastify, opts) => {
      // node checks connections for expired header and request times every connectionsCheckingInterval (default 30 s).
      const connectionsCheckingInterval = Math.max(25, Math.min(5_000, Math.floor(headersTimeout / 2)));
      const server = createServer({ headersTimeout, requestTimeout, connectionsCheckingInterval }, (req: IncomingMessage, res: ServerResponse) =>
        lane?.takes(req) ? lane.serve(req, res) : fastify(req, res),
      );
      // What Fastify sets on a server it makes itself (its options, defaults filled in).
      const o = opts as unknown as { keepAliveTimeout: number; requestTimeout: number; connectionTimeout: number; maxRequestsPerSocket: number };
      server.keepAliveTimeout = o.keepAliveTimeout;
      server.requestTimeout = o.requestTimeout;
      server.setTimeout(o.connectionTimeout);
      if (o.maxRequestsPerSocket > 0) server.maxRequestsPerSocket = o.maxRequestsPerSocket;
      return server;
    },
    // Reject what a schema does not name instead of silently dropping it; query numbers are still coerced from text.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
    // Fastify's own two lines per request are off: the onResponse hook below writes one.
    logController: new LogController({ disableRequestLogging: true }),
    // A request's child logger is made only when the request logs (see request-logger.ts).
    childLoggerFactory: lazyRequestLogger,
    // A URL with a long run of characters is refused before routing.
    routerOptions: { maxParamLength: 200 },
  });
  const metrics = createMetrics(ctx);
  const health = new DeploymentHealth(ctx, app.log);
  // A failed prediction may be its version no longer loading (a blob altered since warm-up): readiness checks it again.
  const counted = ctx.inference.observer;
  ctx.inference.observer = {
    onPrediction(tenantId, deployment, door, seconds, ok) {
      counted?.onPrediction(tenantId, deployment, door, seconds, ok);
      if (!ok && deployment) health.suspect(tenantId, deployment);
    },
  };

  app.addContentTypeParser(RAW_TYPES, (_req, payload, done) => done(null, payload));
  // JSON bodies as the prediction lane parses them (json-body.ts): Fastify's rules, and duplicate keys refused.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    let parsed: unknown;
    try {
      parsed = parseJsonBody(body as string);
    } catch (e) {
      done(e as Error, undefined);
      return;
    }
    done(null, parsed);
  });
  const gate = createGate(ctx, new KeyRateLimiter(options.rateLimit ?? { perSecond: 10_000, burst: 20_000 }));
  registerAuth(app, gate);
  lane = createPredictLane({ ctx, gate, metrics, log: app.log, bodyLimit });
  app.addHook('preClose', (done) => {
    lane!.close();
    done();
  });

  // A callback hook, not an async one: each async hook costs promise turns on every request.
  app.addHook('onResponse', (req, reply, done) => {
    recordRequest(metrics, req.log, { method: req.method, route: req.routeOptions.url, url: req.url, status: reply.statusCode, ms: reply.elapsedTime });
    done();
  });

  const isOip = (url: string) => url === '/v2' || url.startsWith('/v2/');
  const isApi = (url: string) => isOip(url) || url.startsWith('/api/') || url.startsWith('/health/') || url === '/metrics' || url.startsWith('/docs');
  app.setErrorHandler((err, req, reply) => {
    // The Open Inference Protocol has its own error body.
    const a = errorAnswer(err, isOip(req.url));
    logFailure(req.log, err, a.error, a.status);
    if (a.retryAfter) reply.header('retry-after', a.retryAfter);
    return reply.code(a.status).send(a.body);
  });
  const web = options.webRoot === undefined ? defaultWebRoot() : options.webRoot;
  app.setNotFoundHandler((req, reply) => {
    // The dashboard is a single-page app: its own paths (/models/x …) answer its index page.
    if (web && req.method === 'GET' && !isApi(req.url) && (req.headers.accept ?? '').includes('text/html')) return reply.sendFile('index.html');
    const e = new AndonError('not_found', `no route ${req.method} ${req.url.split('?')[0]}`);
    return reply.code(404).send(isOip(req.url) ? oipErrorBody(e) : apiErrorBody(e));
  });

  if (web) {
    // The dashboard's built files, open to everyone like /docs: the data comes from /api/v1 with the user's key.
    app.addHook('onRoute', (route) => {
      if (route.url === '/' || route.url === '/*') route.config = { ...(route.config as object), public: true };
    });
    await app.register(fastifyStatic, { root: web, prefix: '/', wildcard: true, index: ['index.html'] });
  }
  // Plugins registered after this point inherit the error handler and the hooks above.
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Andon API',
        version: '0.1.0',
        description: 'Model-as-a-Service for manufacturing. Every route except health, metrics and docs takes `Authorization: Bearer <API key>`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
  });
  // The docs UI and its assets are open like health: they show the API's shape, no data.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/docs')) route.config = { ...(route.config as object), public: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Ready when the metadata and blob stores answer and every deployment's version loads (deployment-health.ts names any that does not).
  const readiness = async (): Promise<Readiness> => {
    const checks: Record<string, string> = {};
    try {
      await ctx.meta.ping();
      checks.metadata = 'ok';
    } catch (e) {
      checks.metadata = (e as Error).message;
    }
    // Where the blobs live (a folder, a bucket) is not said here: this route is open to everyone.
    checks.blobs = await ctx.blobs.ping().then(
      () => 'ok',
      () => 'unreachable',
    );
    const deployments = await health.report();
    return { ready: checks.metadata === 'ok' && checks.blobs === 'ok' && deployments.ready, checks: { ...checks, ...deployments.checks } };
  };

  healthRoutes(app, ctx, metrics, readiness);
  datasetRoutes(app, ctx, { maxUploadBytes: options.maxUploadBytes ?? 256 * 2 ** 20 });
  jobRoutes(app, ctx);
  modelRoutes(app, ctx);
  deploymentRoutes(app, ctx);
  batchJobRoutes(app, ctx, { maxUploadBytes: options.maxUploadBytes ?? 256 * 2 ** 20 });
  keyRoutes(app, ctx);
  oipRoutes(app, ctx, async () => (await readiness()).ready);

  // Loads every deployment's current version before the server reports ready (deployment-health.ts).
  const warmUp = (): Promise<void> => health.warmUp();
  return { app, metrics, lane: lane!, warmUp };
}

const CLIENT_ERRORS: Record<string, [number, string, string]> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'the request did not arrive in time: send the headers within the headers timeout and the whole request within the request timeout',
  ],
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'the request headers are over the size limit'],
};

/**
 * Requests node refuses before Fastify sees them (a timeout, headers over node's limit, bytes that are not HTTP):
 * answered in Andon's error body, then the connection is closed, as Fastify's own handler does.
 */
function answerClientError(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, message] = CLIENT_ERRORS[err.code ?? ''] ?? [400, 'Bad Request', 'the request is not valid HTTP'];
  const body = JSON.stringify(apiErrorBody(new AndonError('invalid_input', message, {})));
  this.log.debug({ code: err.code }, 'client error');
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  socket.destroy(err);
}
