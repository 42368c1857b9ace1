// /api/v1/models: the registry — models, immutable versions, bundle files, model cards, comparison, aliases with history.
import type { FastifyInstance } from 'fastify';
import { AndonError } from '../../errors.js';
import { aliasHistory, compareVersions, getModel, getVersion, listModels, modelCard, promote, removeAlias, type ServiceContext } from '../../service/index.js';
import { principalOf } from '../auth.js';
import { actorOf } from '../audit.js';
import { name, page, pageQuery, selector, versionRef } from '../schemas.js';

const alias = { type: 'string', pattern: '^[a-z][a-z0-9_-]{0,63}$' } as const;
const versionParams = { type: 'object', properties: { name, version: versionRef } } as const;
const FILE_TYPES: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream', '.safetensors': 'application/octet-stream' };

export function modelRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.get<{ Querystring: { limit?: number; offset?: number } }>(
    '/api/v1/models',
    {
      config: { permission: 'models:read' },
      schema: { tags: ['models'], summary: 'List models', querystring: pageQuery },
    },
    async (req) => ({ items: await listModels(ctx, principalOf(req).tenantId, page(req.query)) }),
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/models/:name',
    {
      config: { permission: 'models:read' },
      schema: { tags: ['models'], summary: 'A model with its versions and aliases', params: { type: 'object', properties: { name } } },
    },
    async (req) => getModel(ctx, principalOf(req).tenantId, req.params.name),
  );

  app.get<{ Params: { name: string; version: string } }>(
    '/api/v1/models/:name/versions/:version',
    {
      config: { permission: 'models:read' },
      schema: { tags: ['models'], summary: 'One version (by number, alias or id): manifest, metrics, lineage', params: versionParams },
    },
    async (req) => getVersion(ctx, principalOf(req).tenantId, req.params.name, selector(req.params.version)),
  );

  app.get<{ Params: { name: string; version: string } }>(
    '/api/v1/models/:name/versions/:version/card',
    {
      config: { permission: 'models:read' },
      schema: { tags: ['models'], summary: 'The model card (Markdown)', params: versionParams },
    },
    async (req, reply) =>
      reply.type('text/markdown; charset=utf-8').send(await modelCard(ctx, principalOf(req).tenantId, req.params.name, selector(req.params.version))),
  );

  app.get<{ Params: { name: string; version: string; file: string } }>(
    '/api/v1/models/:name/versions/:version/files/:file',
    {
      config: { permission: 'models:read' },
      schema: {
        tags: ['models'],
        summary: 'Download a bundle file: model.onnx, manifest.json, weights.safetensors',
        params: { type: 'object', properties: { name, version: versionRef, file: { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' } } },
      },
    },
    async (req, reply) => {
      const t = principalOf(req).tenantId;
      const v = await getVersion(ctx, t, req.params.name, selector(req.params.version));
      const key = v.bundle[req.params.file];
      if (!key)
        throw new AndonError('not_found', `version ${v.number} of ${req.params.name} has no file "${req.params.file}"`, { files: Object.keys(v.bundle) });
      const bytes = await ctx.blobs.get(t, key);
      const ext = req.params.file.slice(req.params.file.lastIndexOf('.'));
      return reply
        .type(FILE_TYPES[ext] ?? 'application/octet-stream')
        .header('content-disposition', `attachment; filename="${req.params.name}-v${v.number}-${req.params.file}"`)
        .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    },
  );

  app.get<{ Params: { name: string }; Querystring: { a: string; b: string } }>(
    '/api/v1/models/:name/compare',
    {
      config: { permission: 'models:read' },
      schema: {
        tags: ['models'],
        summary: "Two versions' metrics side by side (delta = b − a)",
        params: { type: 'object', properties: { name } },
        querystring: { type: 'object', required: ['a', 'b'], additionalProperties: false, properties: { a: versionRef, b: versionRef } },
      },
    },
    async (req) => compareVersions(ctx, principalOf(req).tenantId, req.params.name, selector(req.query.a), selector(req.query.b)),
  );

  app.get<{ Params: { name: string }; Querystring: { alias?: string } }>(
    '/api/v1/models/:name/aliases/history',
    {
      config: { permission: 'models:read' },
      schema: {
        tags: ['models'],
        summary: "Every move of the model's aliases (or of one), oldest first",
        params: { type: 'object', properties: { name } },
        querystring: { type: 'object', additionalProperties: false, properties: { alias } },
      },
    },
    async (req) => ({ items: await aliasHistory(ctx, principalOf(req).tenantId, req.params.name, req.query.alias) }),
  );

  app.put<{ Params: { name: string; alias: string }; Body: { version: number | string; expected?: number | string | null } }>(
    '/api/v1/models/:name/aliases/:alias',
    {
      config: { permission: 'models:promote' },
      schema: {
        tags: ['models'],
        summary: 'Point an alias (production, staging, …) at a version; with `expected`, only if it still points where the caller thinks (else 409)',
        params: { type: 'object', properties: { name, alias } },
        body: {
          type: 'object',
          required: ['version'],
          additionalProperties: false,
          properties: {
            version: { anyOf: [{ type: 'integer', minimum: 1 }, versionRef] },
            expected: { anyOf: [{ type: 'integer', minimum: 1 }, versionRef, { type: 'null' }] },
          },
        },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const b = req.body;
      const expected = b.expected === undefined ? {} : { expected: b.expected === null ? null : selector(String(b.expected)) };
      return promote(ctx, p.tenantId, req.params.name, req.params.alias, selector(String(b.version)), actorOf(req), expected);
    },
  );

  app.delete<{ Params: { name: string; alias: string } }>(
    '/api/v1/models/:name/aliases/:alias',
    {
      config: { permission: 'models:promote' },
      schema: { tags: ['models'], summary: 'Remove an alias', params: { type: 'object', properties: { name, alias } } },
    },
    async (req, reply) => {
      const p = principalOf(req);
      await removeAlias(ctx, p.tenantId, req.params.name, req.params.alias, actorOf(req));
      return reply.code(204).send();
    },
  );
}
