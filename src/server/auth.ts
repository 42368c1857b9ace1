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

/** What the gate reads of a request, whichever path carries it (Fastify's hook or the prediction lane). */
export interface Caller {
  authorization: string | undefined;
  ip: string;
  method: string;
  /** The route's pattern, e.g. /api/v1/deployments/:name/predict. */
  route: string;
  permission: Permission | undefined;
  /** The deployment the request names, for a route that names one (see `deployment` in the route config). */
  deployment?: string | undefined;
}

/** Admits a caller: its principal, or a promise of it when the key's row must be loaded or the access audited. */
export type Gate = (caller: Caller) => Principal | Promise<Principal>;

function bearer(h: string | undefined): string | undefined {
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

/**
 * The gate every /api and /v2 request passes: the key (a cached row checked before with the same secret is
 * admitted without waiting for anything), the role's permission, the key's deployment scope and its rate limit.
 */
export function createGate(ctx: ServiceContext, limiter: KeyRateLimiter): Gate {
  /** The slow path: loads the key's row, records the last use, and audits a failure of a real key's prefix. */
  const signIn = async (c: Caller): Promise<Principal> => {
    try {
      return await authenticate(ctx.meta, bearer(c.authorization), new Date(), (prefix, load) => ctx.lookups.keys.get(prefix, load) as Promise<ApiKey | null>);
    } catch (e) {
      const internal = (e as AndonError).internal ?? {};
      // A failed sign-in with a real key's prefix is recorded in that key's tenant: someone holds part of it.
      if (typeof internal.tenantId === 'string') {
        await recordAudit(ctx, internal.tenantId, { actor: String(internal.keyId), action: 'auth.failed', objectType: 'api_key', objectId: String(internal.keyId), address: c.ip, details: { reason: String(internal.reason), route: c.route } });
      }
      throw e;
    }
  };

  /** What the principal may do on this route: the principal when it may go on (after an audit, for admin reads). */
  const admit = (c: Caller, principal: Principal): Principal | Promise<Principal> => {
    limiter.take(principal.keyId);
    if (!c.permission || !can(principal.role, c.permission)) {
      throw new AndonError('forbidden', `the ${principal.role} role may not ${c.method} ${c.route}`, { role: principal.role, needs: c.permission ?? null });
    }
    if (c.deployment !== undefined) checkDeploymentScope(principal, c.deployment);
    // Reading keys or the audit trail is itself audited: who looked, when, from where.
    if ((c.permission === 'keys:manage' || c.permission === 'audit:read') && c.method === 'GET') {
      return recordAudit(ctx, principal.tenantId, { actor: principal.keyId, action: 'admin.access', objectType: 'route', objectId: c.route, address: c.ip, details: { key: principal.keyName } }).then(() => principal);
    }
    return principal;
  };

  return (c) => {
    const cached = cachedPrincipal(ctx, bearer(c.authorization));
    return cached ? admit(c, cached) : signIn(c).then((p) => admit(c, p));
  };
}

export function registerAuth(app: FastifyInstance, gate: Gate): void {
  app.decorateRequest('principal', null);
  // A callback hook with a synchronous path: on almost every request the key's row is cached and was touched in
  // the last minute, and then nothing here waits for a promise.
  app.addHook('onRequest', (req, reply, done) => {
    // Every answer names its request, errors included (set here rather than in an onSend hook: one hook less per request).
    reply.header('x-request-id', req.id);
    // Read once: each read of req.routeOptions builds a new object. Fastify puts the route's url in its config.
    const config = req.routeOptions.config as FastifyContextConfig & { url?: string };
    if (config.public || !config.url) { done(); return; } // unknown routes fall through to the 404 handler
    let admitted: Principal | Promise<Principal>;
    try {
      admitted = gate({
        authorization: req.headers.authorization, ip: req.ip, method: req.method, route: config.url, permission: config.permission,
        deployment: config.deployment ? String(DEPLOYMENT_OF[config.deployment](req) ?? '') : undefined,
      });
    } catch (e) { done(e as Error); return; }
    if (admitted instanceof Promise) admitted.then((p) => { req.principal = p; done(); }, done);
    else { req.principal = admitted; done(); }
  });
}

/**
 * The principal of a presented key whose row is in the lookup cache and needs no last-used write, or null: then
 * the slow path decides (and audits a failure). No error is thrown from here, so a refusal is always audited.
 */
function cachedPrincipal(ctx: ServiceContext, presented: string | undefined): Principal | null {
  // The prefix's place in the key format. A malformed key finds no row here, or a row whose recheck it fails;
  // either way the slow path refuses it (and audits a real prefix).
  if (!presented?.startsWith('andon_')) return null;
  const key = ctx.lookups.keys.peek(presented.slice(6, 18))?.value as ApiKey | null | undefined;
  return key ? recheckKey(key, presented, Date.now()) : null;
}

/** A key scoped to named deployments may use only those. */
function checkDeploymentScope(principal: Principal, deployment: string): void {
  const scopes = principal.scopes;
  if (scopes.length > 0 && !scopes.includes(deployment)) {
    throw new AndonError('forbidden', `this key may only use the deployments ${scopes.join(', ')}`, { deployment });
  }
}

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AndonError('unauthenticated', 'a valid API key is required (Authorization: Bearer <key>)');
  return req.principal;
}
