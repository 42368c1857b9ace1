// /api/v1/keys and /api/v1/audit, for admins: create a key (shown once), list, revoke; read the audit trail.
import type { FastifyInstance } from 'fastify';
import { ROLES } from '../../store/index.js';
import { createKey, listAudit, listKeys, revokeKey, type ServiceContext } from '../../service/index.js';
import { principalOf } from '../auth.js';
import { actorOf } from '../audit.js';
import { name } from '../schemas.js';

export function keyRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<{ Body: { name: string; role: string; scopes?: string[]; expiresAt?: string | null } }>(
    '/api/v1/keys',
    {
      config: { permission: 'keys:manage' },
      schema: {
        tags: ['keys'],
        summary: 'Create an API key; the secret is in this response only',
        body: {
          type: 'object',
          required: ['name', 'role'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 64 },
            role: { type: 'string', enum: [...ROLES] },
            scopes: { type: 'array', items: name, maxItems: 100 },
            expiresAt: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
          },
        },
      },
    },
    async (req, reply) => {
      return reply.code(201).send(await createKey(ctx, principalOf(req).tenantId, req.body, actorOf(req)));
    },
  );

  app.get(
    '/api/v1/me',
    {
      config: { permission: 'me:read' },
      schema: { tags: ['keys'], summary: 'Who the presented key is: tenant, key, role and deployment scopes (for clients to show what a role may do)' },
    },
    async (req) => principalOf(req),
  );

  app.get(
    '/api/v1/keys',
    {
      config: { permission: 'keys:manage' },
      schema: { tags: ['keys'], summary: 'List keys (never their secrets)' },
    },
    async (req) => ({ items: await listKeys(ctx, principalOf(req).tenantId) }),
  );

  app.delete<{ Params: { id: string } }>(
    '/api/v1/keys/:id',
    {
      config: { permission: 'keys:manage' },
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key: refused from the next request on',
        params: { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } },
      },
    },
    async (req) => revokeKey(ctx, principalOf(req).tenantId, req.params.id, actorOf(req)),
  );

  app.get<{
    Querystring: { actor?: string; action?: string; objectType?: string; objectId?: string; since?: string; until?: string; afterSeq?: number; limit?: number };
  }>(
    '/api/v1/audit',
    {
      config: { permission: 'audit:read' },
      schema: {
        tags: ['audit'],
        summary: 'Audit events, oldest first, filtered by actor (key id), action, object and time',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            actor: { type: 'string', maxLength: 100 },
            action: { type: 'string', maxLength: 100 },
            objectType: { type: 'string', maxLength: 64 },
            objectId: { type: 'string', maxLength: 200 },
            since: { type: 'string', format: 'date-time' },
            until: { type: 'string', format: 'date-time' },
            afterSeq: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (req) => ({ items: await listAudit(ctx, principalOf(req).tenantId, req.query) }),
  );
}
