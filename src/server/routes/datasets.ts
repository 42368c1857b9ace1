// /api/v1/datasets: streamed upload (raw body, size-limited), list, show with versions and profile, preview, delete.
import type { FastifyInstance } from 'fastify';
import { addDataset, deleteDataset, getDataset, listDatasets, previewVersion, type ServiceContext } from '../../service/index.js';
import { datasetVersion } from '../../service/common.js';
import { principalOf } from '../auth.js';
import { rawBody } from '../body.js';
import { actorOf } from '../audit.js';
import { name, page, pageQuery } from '../schemas.js';

export function datasetRoutes(app: FastifyInstance, ctx: ServiceContext, opts: { maxUploadBytes: number }): void {
  app.post<{ Querystring: { name: string; format?: 'csv' | 'json' | 'jsonl'; filename?: string; maskPii?: boolean; description?: string } }>(
    '/api/v1/datasets',
    {
      config: { permission: 'datasets:write' },
      schema: {
        tags: ['datasets'],
        summary: 'Upload a dataset version: the file is the raw request body (text/csv, application/octet-stream, application/x-ndjson)',
        querystring: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name,
            format: { type: 'string', enum: ['csv', 'json', 'jsonl'] },
            filename: { type: 'string', maxLength: 255 },
            maskPii: { type: 'boolean' },
            description: { type: 'string', maxLength: 1000 },
          },
        },
      },
    },
    async (req, reply) => {
      const t = principalOf(req).tenantId;
      const body = rawBody(req, opts.maxUploadBytes);
      const q = req.query;
      const r = await addDataset(
        ctx,
        t,
        { name: q.name, stream: body, filename: q.filename, format: q.format, maskPii: q.maskPii, maxBytes: opts.maxUploadBytes },
        actorOf(req),
      );
      return reply.code(r.created ? 201 : 200).send(r);
    },
  );

  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/api/v1/datasets',
    {
      config: { permission: 'datasets:read' },
      schema: { tags: ['datasets'], summary: 'List datasets', querystring: pageQuery },
    },
    async (req) => ({ items: await listDatasets(ctx, principalOf(req).tenantId, page(req.query)) }),
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/datasets/:name',
    {
      config: { permission: 'datasets:read' },
      schema: { tags: ['datasets'], summary: 'A dataset with its versions', params: { type: 'object', properties: { name } } },
    },
    async (req) => getDataset(ctx, principalOf(req).tenantId, req.params.name),
  );

  app.get<{ Params: { name: string; version: number } }>(
    '/api/v1/datasets/:name/versions/:version',
    {
      config: { permission: 'datasets:read' },
      schema: {
        tags: ['datasets'],
        summary: 'One version: schema, profile, masking report',
        params: { type: 'object', properties: { name, version: { type: 'integer', minimum: 1 } } },
      },
    },
    async (req) => (await datasetVersion(ctx, principalOf(req).tenantId, req.params.name, req.params.version)).version,
  );

  app.get<{ Params: { name: string }; Querystring: { version?: number; rows?: number } }>(
    '/api/v1/datasets/:name/preview',
    {
      config: { permission: 'datasets:read' },
      schema: {
        tags: ['datasets'],
        summary: 'The first rows of a version (the latest by default)',
        params: { type: 'object', properties: { name } },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { version: { type: 'integer', minimum: 1 }, rows: { type: 'integer', minimum: 0, maximum: 1000 } },
        },
      },
    },
    async (req) => previewVersion(ctx, principalOf(req).tenantId, req.params.name, req.query),
  );

  app.delete<{ Params: { name: string } }>(
    '/api/v1/datasets/:name',
    {
      config: { permission: 'datasets:write' },
      schema: {
        tags: ['datasets'],
        summary: 'Delete a dataset and its versions (refused while a job or model refers to one)',
        params: { type: 'object', properties: { name } },
      },
    },
    async (req) => {
      const r = await deleteDataset(ctx, principalOf(req).tenantId, req.params.name, actorOf(req));
      return r;
    },
  );
}
