// /api/v1/batch-jobs: a CSV in (the raw body), predicted by a deployment's version as a background job, a CSV of predictions out.
import type { FastifyInstance } from 'fastify';
import { batchJobOutput, cancelBatchJob, getBatchJob, listBatchJobs, startBatchJob, type ServiceContext } from '../../service/index.js';
import type { JobStatus } from '../../store/index.js';
import { principalOf } from '../auth.js';
import { actorOf } from '../audit.js';
import { rawBody } from '../body.js';
import { collect } from '../../service/datasets.js';
import { jobListQuery, name, page } from '../schemas.js';

const params = { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } } as const;

export function batchJobRoutes(app: FastifyInstance, ctx: ServiceContext, opts: { maxUploadBytes: number }): void {
  app.post<{ Querystring: { deployment: string; filename?: string } }>(
    '/api/v1/batch-jobs',
    {
      config: { permission: 'batch:write', deployment: 'query.deployment' },
      schema: {
        tags: ['batch jobs'],
        summary: 'Predict every row of a file (the raw body: text/csv, application/octet-stream or JSON lines) as a job; the version is pinned at start',
        querystring: {
          type: 'object',
          required: ['deployment'],
          additionalProperties: false,
          properties: { deployment: name, filename: { type: 'string', maxLength: 255 } },
        },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const bytes = await collect(rawBody(req, opts.maxUploadBytes), opts.maxUploadBytes);
      const job = await startBatchJob(
        ctx,
        p.tenantId,
        { deployment: req.query.deployment, bytes, filename: req.query.filename, maxBytes: opts.maxUploadBytes },
        actorOf(req),
      );
      return reply.code(202).send(job);
    },
  );

  app.get<{ Querystring: { status?: JobStatus; limit?: number; offset?: number } }>(
    '/api/v1/batch-jobs',
    {
      config: { permission: 'batch:read' },
      schema: {
        tags: ['batch jobs'],
        summary: 'List batch jobs',
        querystring: jobListQuery,
      },
    },
    async (req) => ({
      items: await listBatchJobs(ctx, principalOf(req).tenantId, { ...page(req.query), ...(req.query.status ? { status: req.query.status } : {}) }),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/batch-jobs/:id',
    {
      config: { permission: 'batch:read', deployment: 'batch-job:params.id' },
      schema: { tags: ['batch jobs'], summary: 'A batch job with its row counts', params },
    },
    async (req) => getBatchJob(ctx, principalOf(req).tenantId, req.params.id),
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/batch-jobs/:id/output',
    {
      config: { permission: 'batch:read', deployment: 'batch-job:params.id' },
      schema: { tags: ['batch jobs'], summary: 'The predictions CSV of a succeeded job (409 before)', params },
    },
    async (req, reply) => {
      const bytes = await batchJobOutput(ctx, principalOf(req).tenantId, req.params.id);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${req.params.id}.csv"`)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/v1/batch-jobs/:id/cancel',
    {
      config: { permission: 'batch:write', deployment: 'batch-job:params.id' },
      schema: { tags: ['batch jobs'], summary: 'Cancel a queued or running batch job', params },
    },
    async (req) => cancelBatchJob(ctx, principalOf(req).tenantId, req.params.id, actorOf(req)),
  );
}
