// Authentication and authorisation at the edge: every /api/v1 and /v2 route names the permission it needs; no name, no access.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AndonError } from '../errors.js';
import { authenticate, type Principal } from '../security/keys.js';
import type { ApiKey } from '../store/index.js';
import { can, type Permission } from '../security/roles.js';
import type { ServiceContext } from '../service/index.js';
import { recordAudit } from './audit.js';
import type { KeyRateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyRequest { principal: Principal | null }
  interface FastifyContextConfig {
    /** What the route needs; routes under /api and /v2 without one refuse every caller. */
    permission?: Permission;
    /** Open to everyone (health, metrics, docs, the dashboard). */
    public?: boolean;
    /** Where the route names a deployment, so a key scoped to other deployments is refused before anything runs. */
    deployment?: 'params.name' | 'params.model' | 'query.deployment';
  }
}

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

export function registerAuth(app: FastifyInstance, ctx: ServiceContext, limiter: KeyRateLimiter): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const config = req.routeOptions.config;
    if (config.public || !req.routeOptions.url) return; // unknown routes fall through to the 404 handler
    try {
      req.principal = await authenticate(ctx.meta, bearer(req), new Date(), (prefix, load) => ctx.lookups.keys.get(prefix, load) as Promise<ApiKey | null>);
    } catch (e) {
      const internal = (e as AndonError).internal ?? {};
      // A failed sign-in with a real key's prefix is recorded in that key's tenant: someone holds part of it.
      if (typeof internal.tenantId === 'string') {
        await recordAudit(ctx, internal.tenantId, { actor: String(internal.keyId), action: 'auth.failed', objectType: 'api_key', objectId: String(internal.keyId), address: req.ip, details: { reason: String(internal.reason), route: req.routeOptions.url } });
      }
      throw e;
    }
    limiter.take(req.principal.keyId);
    const permission = config.permission;
    if (!permission || !can(req.principal.role, permission)) {
      throw new AndonError('forbidden', `the ${req.principal.role} role may not ${req.method} ${req.routeOptions.url}`, { role: req.principal.role, needs: permission ?? null });
    }
    // Reading keys or the audit trail is itself audited: who looked, when, from where.
    if ((permission === 'keys:manage' || permission === 'audit:read') && req.method === 'GET') {
      await recordAudit(ctx, req.principal.tenantId, { actor: req.principal.keyId, action: 'admin.access', objectType: 'route', objectId: req.routeOptions.url, address: req.ip, details: { key: req.principal.keyName } });
    }
    if (config.deployment) {
      const [where, field] = config.deployment.split('.') as ['params' | 'query', string];
      checkDeploymentScope(req, String((req[where] as Record<string, unknown> | undefined)?.[field] ?? ''));
    }
  });
}

/** A key scoped to named deployments may use only those. */
export function checkDeploymentScope(req: FastifyRequest, deployment: string): void {
  const scopes = req.principal?.scopes ?? [];
  if (scopes.length > 0 && !scopes.includes(deployment)) {
    throw new AndonError('forbidden', `this key may only use the deployments ${scopes.join(', ')}`, { deployment });
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AndonError('unauthenticated', 'a valid API key is required (Authorization: Bearer <key>)');
  return req.principal;
}
