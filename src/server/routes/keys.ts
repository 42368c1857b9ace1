// /api/v1/keys and /api/v1/audit, for admins: create a key (shown once), list, revoke; read the audit trail.
import type { FastifyInstance } from 'fastify';
import { AndonError } from '../../errors.js';
import { checkKeyInput, createApiKey, publicKey } from '../../security/keys.js';
import { ROLES, type AuditEvent } from '../../store/index.js';
import type { ServiceContext } from '../../service/index.js';
import { principalOf } from '../auth.js';
import { audit } from '../audit.js';
import { name } from '../schemas.js';

export function keyRoutes(app: FastifyInstance, ctx: ServiceContext): void {
  app.post<{ Body: { name: string; role: string; scopes?: string[]; expiresAt?: string | null } }>('/api/v1/keys', {
    config: { permission: 'keys:manage' },
    schema: {
      tags: ['keys'], summary: 'Create an API key; the secret is in this response only',
      body: {
        type: 'object', required: ['name', 'role'], additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1, maxLength: 64 }, role: { type: 'string', enum: [...ROLES] }, scopes: { type: 'array', items: name, maxItems: 100 }, expiresAt: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] } },
      },
    },
  }, async (req, reply) => {
    const t = principalOf(req).tenantId;
    const { key, record } = await createApiKey(ctx.meta, t, checkKeyInput(req.body));
    await audit(ctx, req, 'key.create', 'api_key', record.id, { role: record.role, scopes: record.scopes, prefix: record.prefix });
    return reply.code(201).send({ ...publicKey(record), key });
  });

  app.get('/api/v1/me', {
    config: { permission: 'me:read' }, schema: { tags: ['keys'], summary: 'Who the presented key is: tenant, key, role and deployment scopes (for clients to show what a role may do)' },
  }, async (req) => principalOf(req));

  app.get('/api/v1/keys', {
    config: { permission: 'keys:manage' }, schema: { tags: ['keys'], summary: 'List keys (never their secrets)' },
  }, async (req) => ({ items: (await ctx.meta.apiKeys.list(principalOf(req).tenantId)).map(publicKey) }));

  app.delete<{ Params: { id: string } }>('/api/v1/keys/:id', {
    config: { permission: 'keys:manage' }, schema: { tags: ['keys'], summary: 'Revoke a key: refused from the next request on', params: { type: 'object', properties: { id: { type: 'string', maxLength: 100 } } } },
  }, async (req) => {
    const p = principalOf(req);
    const key = await ctx.meta.apiKeys.get(p.tenantId, req.params.id);
    if (!key) throw new AndonError('not_found', `api key "${req.params.id}" not found`, { api_key: req.params.id });
    const revoked = await ctx.meta.apiKeys.revoke(p.tenantId, key.id);
    ctx.lookups.keys.delete(key.prefix);
    await audit(ctx, req, 'key.revoke', 'api_key', key.id, { prefix: key.prefix });
    return publicKey(revoked);
  });

  app.get<{ Querystring: { actor?: string; action?: string; objectType?: string; objectId?: string; since?: string; until?: string; afterSeq?: number; limit?: number } }>('/api/v1/audit', {
    config: { permission: 'audit:read' },
    schema: {
      tags: ['audit'], summary: 'Audit events, oldest first, filtered by actor (key id), action, object and time',
      querystring: {
        type: 'object', additionalProperties: false,
        properties: {
          actor: { type: 'string', maxLength: 100 }, action: { type: 'string', maxLength: 100 }, objectType: { type: 'string', maxLength: 64 }, objectId: { type: 'string', maxLength: 200 },
          since: { type: 'string', format: 'date-time' }, until: { type: 'string', format: 'date-time' }, afterSeq: { type: 'integer', minimum: 0 }, limit: { type: 'integer', minimum: 1, maximum: 1000 },
        },
      },
    },
  }, async (req) => {
    const q = req.query, t = principalOf(req).tenantId, limit = q.limit ?? 100;
    const since = q.since ? Date.parse(q.since) : -Infinity, until = q.until ? Date.parse(q.until) : Infinity;
    const keep = (e: AuditEvent) => (!q.actor || e.actor === q.actor) && Date.parse(e.at) >= since && Date.parse(e.at) < until;
    // The store filters by object and action; actor and time are filtered here, page by page, until the limit is full.
    const items: AuditEvent[] = [];
    let after = q.afterSeq ?? 0;
    for (;;) {
      const batch = await ctx.meta.audit.list(t, { afterSeq: after, limit: 1000, ...(q.objectType ? { objectType: q.objectType } : {}), ...(q.objectId ? { objectId: q.objectId } : {}), ...(q.action ? { action: q.action } : {}) });
      for (const e of batch) if (keep(e) && items.length < limit) items.push(e);
      if (batch.length < 1000 || items.length >= limit) break;
      after = batch[batch.length - 1].seq;
    }
    return { items };
  });
}
