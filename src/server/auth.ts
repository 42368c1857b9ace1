// Authentication and authorisation at the edge: every /api/v1 and /v2 route names the permission it needs; no name, no access.
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import { AndonError } from '../errors.js';
import { authenticate, recheckKey, type Principal } from '../security/keys.js';
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
  // The usual form without a regular expression; any other spelling goes through the pattern.
  if (h.startsWith('Bearer ')) {
    const token = h.slice(7);
    if (token && !/\s/.test(token)) return token;
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

/** Where each route that names a deployment names it (see `deployment` in the route config). */
const DEPLOYMENT_OF: Record<NonNullable<FastifyContextConfig['deployment']>, (req: FastifyRequest) => unknown> = {
  'params.name': (req) => (req.params as { name?: unknown }).name,
  'params.model': (req) => (req.params as { model?: unknown }).model,
  'query.deployment': (req) => (req.query as { deployment?: unknown } | undefined)?.deployment,
};

export function registerAuth(app: FastifyInstance, ctx: ServiceContext, limiter: KeyRateLimiter): void {
  app.decorateRequest('principal', null);

  /** The slow path: loads the key's row, records the last use, and audits a failure of a real key's prefix. */
  const signIn = async (req: FastifyRequest): Promise<Principal> => {
    try {
      return await authenticate(ctx.meta, bearer(req), new Date(), (prefix, load) => ctx.lookups.keys.get(prefix, load) as Promise<ApiKey | null>);
    } catch (e) {
      const internal = (e as AndonError).internal ?? {};
      // A failed sign-in with a real key's prefix is recorded in that key's tenant: someone holds part of it.
      if (typeof internal.tenantId === 'string') {
        await recordAudit(ctx, internal.tenantId, { actor: String(internal.keyId), action: 'auth.failed', objectType: 'api_key', objectId: String(internal.keyId), address: req.ip, details: { reason: String(internal.reason), route: req.routeOptions.url } });
      }
      throw e;
    }
  };

  /** What the principal may do on this route; resolves (or is undefined) when it may go on. */
  const admit = (req: FastifyRequest, config: FastifyContextConfig & { url?: string }, principal: Principal): Promise<void> | undefined => {
    req.principal = principal;
    limiter.take(principal.keyId);
    const permission = config.permission;
    if (!permission || !can(principal.role, permission)) {
      throw new AndonError('forbidden', `the ${principal.role} role may not ${req.method} ${config.url}`, { role: principal.role, needs: permission ?? null });
    }
    if (config.deployment) checkDeploymentScope(req, String(DEPLOYMENT_OF[config.deployment](req) ?? ''));
    // Reading keys or the audit trail is itself audited: who looked, when, from where.
    if ((permission === 'keys:manage' || permission === 'audit:read') && req.method === 'GET') {
      return recordAudit(ctx, principal.tenantId, { actor: principal.keyId, action: 'admin.access', objectType: 'route', objectId: String(config.url), address: req.ip, details: { key: principal.keyName } });
    }
    return undefined;
  };

  // A callback hook with a synchronous path: on almost every request the key's row is cached and was touched in
  // the last minute, and then nothing here waits for a promise.
  app.addHook('onRequest', (req, reply, done) => {
    // Every answer names its request, errors included (set here rather than in an onSend hook: one hook less per request).
    reply.header('x-request-id', req.id);
    // Read once: each read of req.routeOptions builds a new object. Fastify puts the route's url in its config.
    const config = req.routeOptions.config as FastifyContextConfig & { url?: string };
    if (config.public || !config.url) { done(); return; } // unknown routes fall through to the 404 handler
    let pending: Promise<void> | undefined;
    try {
      const principal = cachedPrincipal(ctx, bearer(req));
      pending = principal ? admit(req, config, principal) : signIn(req).then((p) => admit(req, config, p));
    } catch (e) { done(e as Error); return; }
    if (pending) pending.then(() => done(), done);
    else done();
  });
}

/**
 * The principal of a presented key whose row is in the lookup cache and needs no last-used write, or null: then
 * the slow path decides (and audits a failure). No error is thrown from here, so a refusal is always audited.
 */
function cachedPrincipal(ctx: ServiceContext, presented: string | undefined): Principal | null {
  // The prefix's place in the key format; a malformed key finds no row here and the slow path refuses it.
  if (!presented?.startsWith('andon_')) return null;
  const key = ctx.lookups.keys.peek(presented.slice(6, 18))?.value as ApiKey | null | undefined;
  return key ? recheckKey(key, presented, Date.now()) : null;
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
