// /api/v1/jobs: start training from a dataset version, list, show, cancel, and live progress as server-sent events.
import type { FastifyInstance } from 'fastify';
import { cancelJob, getJob, jobEvents, listJobs, startTraining, type ServiceContext } from '../../service/index.js';
import { isFinal, type JobStatus } from '../../store/index.js';
import { TRAINING_SPEC_SCHEMA, type TrainingSpec } from '../../ml/training-spec.js';
import { principalOf } from '../auth.js';
import { actorOf } from '../audit.js';
import { jobListQuery, name, page } from '../schemas.js';

const jobId = { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } } as const;

/** How often an SSE stream looks for new events: the store is the source, so any replica can serve any job's stream. */
const POLL_MS = 250;
const HEARTBEAT_MS = 15_000;

export function jobRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<{ Body: TrainingSpec & { dataset: string; version?: number; model: string } }>(
    '/api/v1/jobs',
    {
      config: { permission: 'jobs:write' },
      schema: {
        tags: ['jobs'],
        summary: 'Start a training job on a dataset version; the model version is registered when it succeeds',
        body: {
          // The training spec's own schema (src/ml/training-spec.ts) plus what the job trains on and registers into.
          type: 'object',
          required: ['dataset', 'model', ...TRAINING_SPEC_SCHEMA.required],
          additionalProperties: false,
          properties: { dataset: name, version: { type: 'integer', minimum: 1 }, model: name, ...TRAINING_SPEC_SCHEMA.properties },
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const { model, ...rest } = req.body;
      // startTraining checks the spec again (checkTrainingSpec): what the schema cannot say, e.g. groupColumn with timeColumn.
      const job = await startTraining(ctx, p.tenantId, { ...rest, modelName: model }, actorOf(req));
      return reply.code(202).send(job);
    },
  );

  app.get<{ Querystring: { status?: JobStatus; limit?: number; offset?: number } }>(
    '/api/v1/jobs',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['jobs'],
        summary: 'List training jobs, newest first',
        querystring: jobListQuery,
      },
    },
    async (req) => ({
      items: await listJobs(ctx, principalOf(req).tenantId, { ...page(req.query), ...(req.query.status ? { status: req.query.status } : {}) }),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/jobs/:id',
    {
      config: { permission: 'jobs:read' },
      schema: { tags: ['jobs'], summary: 'A training job with its status and progress', params: jobId },
    },
    async (req) => getJob(ctx, principalOf(req).tenantId, req.params.id),
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/jobs/:id/cancel',
    {
      config: { permission: 'jobs:write' },
      schema: { tags: ['jobs'], summary: 'Cancel a queued or running job', params: jobId },
    },
    async (req) => {
      return cancelJob(ctx, principalOf(req).tenantId, req.params.id, actorOf(req));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { after?: number } }>(
    '/api/v1/jobs/:id/events',
    {
      config: { permission: 'jobs:read' },
      schema: {
        tags: ['jobs'],
        summary: "The job's events as server-sent events (text/event-stream); resumes after Last-Event-ID; ends when the job ends",
        params: jobId,
        querystring: { type: 'object', additionalProperties: false, properties: { after: { type: 'integer', minimum: 0 } } },
      },
    },
    async (req, reply) => {
      const t = principalOf(req).tenantId,
        id = req.params.id;
      const lastId = Number(req.headers['last-event-id']);
      let after = Number.isInteger(lastId) && lastId >= 0 ? lastId : (req.query.after ?? 0);
      await getJob(ctx, t, id); // 404 before the stream starts
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
        'x-request-id': req.id,
      });
      let open = true;
      req.raw.on('close', () => {
        open = false;
      });
      let lastWrite = Date.now();
      try {
        while (open) {
          const events = await jobEvents(ctx, t, id, after, 500);
          for (const e of events) {
            res.write(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ seq: e.seq, type: e.type, at: e.at, data: e.data })}\n\n`);
            after = e.seq;
            lastWrite = Date.now();
          }
          if (events.length === 500) continue;
          const job = await getJob(ctx, t, id);
          if (isFinal(job.status) && (await jobEvents(ctx, t, id, after, 1)).length === 0) {
            res.write(`event: end\ndata: ${JSON.stringify({ status: job.status, error: job.error ?? null })}\n\n`);
            break;
          }
          if (Date.now() - lastWrite > HEARTBEAT_MS) {
            res.write(': keep-alive\n\n');
            lastWrite = Date.now();
          }
          await new Promise((r) => setTimeout(r, POLL_MS));
        }
      } catch (e) {
        req.log.error({ err: e }, 'job event stream failed');
        if (open) res.write(`event: error\ndata: ${JSON.stringify({ message: 'the event stream failed; reconnect with Last-Event-ID' })}\n\n`);
      } finally {
        res.end();
      }
    },
  );
}
