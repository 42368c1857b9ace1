// /api/v1/deployments: what each endpoint serves (alias or pinned version, batching) and predict by column name.
import type { FastifyInstance } from 'fastify';
import {
  createDeployment,
  deleteDeployment,
  deploymentLogs,
  getDeployment,
  infer,
  listDeployments,
  updateDeployment,
  type InferenceResult,
  type ServiceContext,
} from '../../service/index.js';
import { AndonError } from '../../errors.js';
import { principalOf } from '../auth.js';
import { actorOf } from '../audit.js';
import { name, page, versionRef } from '../schemas.js';

const alias = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' } as const;
const version = { anyOf: [{ type: 'integer', minimum: 1 }, versionRef] } as const;
const batching = {
  anyOf: [
    { type: 'null' },
    {
      type: 'object',
      required: ['maxBatch', 'maxDelayMs'],
      additionalProperties: false,
      properties: { maxBatch: { type: 'integer', minimum: 1, maximum: 10000 }, maxDelayMs: { type: 'number', minimum: 0, maximum: 1000 } },
    },
  ],
} as const;
const params = { type: 'object', properties: { name } } as const;
/** One answer of predict (also the response schema, so Fastify serialises it with a compiled serialiser). */
const prediction = {
  type: 'object',
  properties: {
    label: { type: 'string', description: 'classification: the predicted class (after the tuned threshold, for a binary model)' },
    probabilities: { type: 'object', additionalProperties: { type: 'number' }, description: 'classification: the probability of each class' },
    value: { type: 'number', description: 'regression and remaining useful life: the predicted value' },
    group: { type: ['string', 'number', 'null'], description: 'remaining useful life: the unit the value is for' },
  },
} as const;
const predictResponse = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    version: { type: 'integer' },
    versionId: { type: 'string' },
    predictions: { type: 'array', items: prediction, description: 'one per row (for remaining useful life, one per unit)' },
  },
} as const;
/** The predict body as the OpenAPI document shows it; `predictRows` checks it (the same check on both request paths). */
const predictBody = {
  type: 'object',
  required: ['rows'],
  additionalProperties: false,
  properties: { rows: { type: 'array', items: { type: 'object' }, description: 'rows by column name, at most 10,000' } },
} as const;

/** The predict route's pattern: its metrics label, and the path the prediction lane (predict-lane.ts) also serves. */
export const PREDICT_ROUTE = '/api/v1/deployments/:name/predict';

/**
 * The rows of a predict body: a JSON object with `rows` and nothing else. Checked here rather than by Fastify's schema
 * validation so that Fastify's route and the prediction lane refuse a bad body with the same words; the rows
 * themselves are checked by the service (a non-empty list of objects, at most 10,000) and the model (columns, types).
 */
export function predictRows(body: unknown): unknown {
  // A plain object: not a list, and not the stream a non-JSON content type leaves unparsed.
  if (body === null || typeof body !== 'object' || Object.getPrototypeOf(body) !== Object.prototype)
    throw new AndonError('invalid_input', 'the body must be a JSON object with "rows"');
  for (const k in body) if (k !== 'rows') throw new AndonError('invalid_input', `the body has "rows" only, not "${k}"`, { field: k });
  if (!('rows' in body)) throw new AndonError('invalid_input', 'the body must have "rows": a list of rows by column name');
  return (body as { rows: unknown }).rows;
}

/** The predict answer: what the one inference entry returned, less the loaded model. */
export function answerOf(r: InferenceResult): { model: string; version: number; versionId: string; predictions: InferenceResult['predictions'] } {
  return { model: r.model, version: r.version, versionId: r.versionId, predictions: r.predictions };
}

const logSampleRate = {
  type: 'number',
  minimum: 0,
  maximum: 1,
  description: 'fraction of requests whose inputs and outputs are kept, sealed, for monitoring',
} as const;

export function deploymentRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<{
    Body: {
      name: string;
      model: string;
      alias?: string;
      version?: number | string;
      batching?: { maxBatch: number; maxDelayMs: number } | null;
      logSampleRate?: number;
    };
  }>(
    '/api/v1/deployments',
    {
      config: { permission: 'deployments:write', deployment: 'body.name' },
      schema: {
        tags: ['deployments'],
        summary: 'Serve a model by alias (follows promotions) or by a pinned version',
        body: {
          type: 'object',
          required: ['name', 'model'],
          additionalProperties: false,
          properties: { name, model: name, alias, version, batching, logSampleRate },
        },
      },
    },
    async (req, reply) => {
      const d = await createDeployment(ctx, principalOf(req).tenantId, req.body, actorOf(req));
      return reply.code(201).send(d);
    },
  );

  app.get<{ Querystring: { model?: string; limit?: number; offset?: number } }>(
    '/api/v1/deployments',
    {
      config: { permission: 'deployments:read' },
      schema: {
        tags: ['deployments'],
        summary: 'List deployments',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { model: name, limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } },
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      // A scoped key lists only its own deployments (the gate lets it call this route for that).
      const only = p.scopes.length > 0 ? { only: p.scopes } : {};
      return { items: await listDeployments(ctx, p.tenantId, { ...page(req.query), ...(req.query.model ? { model: req.query.model } : {}), ...only }) };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/deployments/:name',
    {
      config: { permission: 'deployments:read', deployment: 'params.name' },
      schema: { tags: ['deployments'], summary: 'A deployment', params },
    },
    async (req) => getDeployment(ctx, principalOf(req).tenantId, req.params.name),
  );

  app.patch<{
    Params: { name: string };
    Body: { alias?: string; version?: number | string; batching?: { maxBatch: number; maxDelayMs: number } | null; logSampleRate?: number };
  }>(
    '/api/v1/deployments/:name',
    {
      config: { permission: 'deployments:write', deployment: 'params.name' },
      schema: {
        tags: ['deployments'],
        summary: 'Re-target (alias or version), change micro-batching or the prediction-log sample rate',
        params,
        body: { type: 'object', additionalProperties: false, properties: { alias, version, batching, logSampleRate } },
      },
    },
    async (req) => {
      return updateDeployment(ctx, principalOf(req).tenantId, req.params.name, req.body, actorOf(req));
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit?: number; since?: string } }>(
    '/api/v1/deployments/:name/logs',
    {
      config: { permission: 'deployments:read', deployment: 'params.name' },
      schema: {
        tags: ['deployments'],
        summary: 'Sampled prediction logs (inputs, outputs, latency), newest first; stored sealed under the tenant key',
        params,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, since: { type: 'string', format: 'date-time' } },
        },
      },
    },
    async (req) => ({ items: await deploymentLogs(ctx, principalOf(req).tenantId, req.params.name, req.query) }),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/deployments/:name',
    {
      config: { permission: 'deployments:write', deployment: 'params.name' },
      schema: { tags: ['deployments'], summary: 'Remove a deployment', params },
    },
    async (req, reply) => {
      await deleteDeployment(ctx, principalOf(req).tenantId, req.params.name, actorOf(req));
      return reply.code(204).send();
    },
  );

  // Most predictions arrive through the prediction lane (predict-lane.ts), which serves this same path; this route
  // documents it and answers what the lane leaves to Fastify (other content types, app.inject).
  app.post<{ Params: { name: string }; Body: unknown }>(
    PREDICT_ROUTE,
    {
      config: {
        permission: 'predict',
        deployment: 'params.name',
        swaggerTransform: ({ schema, url }) => ({ schema: { ...schema, body: predictBody }, url }),
      },
      schema: {
        tags: ['deployments'],
        summary: 'Predict rows given by column name; answers the label and class probabilities (or the value) and the version that answered',
        params,
        response: { 200: predictResponse },
      },
    },
    async (req) => {
      // A malformed body is refused before it counts as a prediction: the deployment's name in the path is not checked
      // yet, and a made-up one must not become a metric label.
      const rows = predictRows(req.body);
      return answerOf(await infer(ctx, principalOf(req).tenantId, { deployment: req.params.name }, rows, 'rest'));
    },
  );
}
