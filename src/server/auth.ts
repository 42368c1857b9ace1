// Authentication and authorisation at the edge: every /api/v1 and /v2 route names the permission it needs; no name, no access.
import type { FastifyContextConfig, FastifyInstance, FastifyRequest, preValidationHookHandler } from 'fastify';
import { AndonError, isAndonError } from '../errors.js';
import { authenticate, keyPrefix, recheckKey, type Principal } from '../security/keys.js';
import type { ApiKey } from '../store/index.js';
import { can, type Permission } from '../security/roles.js';
import type { ServiceContext } from '../service/index.js';
import { recordAudit } from '../service/index.js';
import type { KeyRateLimiter } from './rate-limit.js';
import { AuthFailures } from './auth-failures.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** What the route needs; routes under /api and /v2 without one refuse every caller. */
    permission?: Permission;
    /** Open to everyone (health, metrics, docs, the dashboard). */
    public?: boolean;
    /**
     * Where the route names a deployment (see checkScope: a key scoped to deployments may call only routes that name
     * one of them). `body.name` and `batch-job:params.id` (the deployment a batch job was started on) are read once
     * the body is parsed, still before the route runs.
     */
    deployment?: DeploymentSource;
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
  /** The route names its deployment where only a later step reads it (AuthGate.checkLater): the scope is checked there. */
  later?: boolean;
}

/** Admits a caller: its principal, or a promise of it when the key's row must be loaded or the access audited. */
export type Gate = (caller: Caller) => Principal | Promise<Principal>;

/** The gate with the steps Fastify's path needs besides admitting: the later scope check, and writing pending failure counts at shutdown. */
export type AuthGate = Gate & {
  checkLater(req: FastifyRequest, source: LaterSource, route: string): Promise<void>;
  close(): Promise<void>;
};

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

/** Where a route names its deployment, read as the request arrives (see `deployment` in the route config). */
const DEPLOYMENT_OF = {
  'params.name': (req: FastifyRequest) => (req.params as { name?: unknown }).name,
  'params.model': (req: FastifyRequest) => (req.params as { model?: unknown }).model,
  'query.deployment': (req: FastifyRequest) => (req.query as { deployment?: unknown } | undefined)?.deployment,
};

/** Where a route names its deployment, read after the body is parsed (Fastify's onRequest hook runs before) or from a stored row. */
const LATER_DEPLOYMENT_OF = {
  'body.name': (req: FastifyRequest) => (req.body as { name?: unknown } | null | undefined)?.name,
  // A batch job is used through its id: the deployment it was started on (as named then) is what the scope covers.
  'batch-job:params.id': async (req: FastifyRequest, ctx: ServiceContext, tenantId: string) => {
    const id = (req.params as { id?: unknown }).id;
    const job = typeof id === 'string' ? await ctx.meta.batchJobs.get(tenantId, id) : null;
    return (job?.options as { deployment?: unknown } | undefined)?.deployment;
  },
};

type LaterSource = keyof typeof LATER_DEPLOYMENT_OF;
export type DeploymentSource = keyof typeof DEPLOYMENT_OF | LaterSource;
const isLater = (source: DeploymentSource): source is LaterSource => source in LATER_DEPLOYMENT_OF;

/**
 * Routes a key scoped to deployments may call though they name none (`METHOD /route`): they show nothing of any
 * deployment outside the scope (the deployment list answers a scoped key with its own deployments only).
 */
const OPEN_TO_SCOPED_KEYS: ReadonlySet<string> = new Set(['GET /api/v1/me', 'GET /v2', 'GET /api/v1/deployments']);

/**
 * The one rule of deployment scope, for every route and both request paths: a key scoped to deployments may call a
 * route that names one of them, or one of OPEN_TO_SCOPED_KEYS; every other route (lists, datasets, models and their
 * aliases and files, jobs, keys, the audit trail, a deployment of another name) is refused, whatever the key's role.
 */
export function checkScope(principal: Principal, c: Pick<Caller, 'method' | 'route' | 'deployment'>, fromRequest = true): void {
  const scopes = principal.scopes;
  if (scopes.length === 0) return;
  if (c.deployment === undefined) {
    if (OPEN_TO_SCOPED_KEYS.has(`${c.method === 'HEAD' ? 'GET' : c.method} ${c.route}`)) return;
    throw new AndonError('forbidden', `this key may only use the deployments ${scopes.join(', ')}, and ${c.method} ${c.route} is not a route of one`, {
      scopes,
    });
  }
  // A name read from a stored row (a batch job's) is not the caller's to learn.
  if (!scopes.includes(c.deployment))
    throw new AndonError('forbidden', `this key may only use the deployments ${scopes.join(', ')}`, fromRequest ? { deployment: c.deployment } : {});
}

/** The prefix of a well-formed key, else undefined. */
function prefixOf(presented: string | undefined): string | undefined {
  try {
    return keyPrefix(presented);
  } catch {
    return undefined;
  }
}

/**
 * The gate every /api and /v2 request passes: the key (a cached row checked before with the same secret is
 * admitted without waiting for anything), the role's permission, the key's deployment scope and its rate limit.
 * Failed key use is throttled and counted by `failures` (auth-failures.ts).
 */
export function createGate(
  ctx: ServiceContext,
  limiter: KeyRateLimiter,
  failures = new AuthFailures((tenantId, event) => recordAudit(ctx, tenantId, event)),
): AuthGate {
  /** The slow path: loads the key's row, records the last use; a failure is counted (and audited in a real key's tenant). */
  const signIn = async (c: Caller, presented: string | undefined): Promise<Principal> => {
    try {
      return await authenticate(ctx.meta, presented, new Date(), (prefix, load) => ctx.lookups.keys.get(prefix, load) as Promise<ApiKey | null>);
    } catch (e) {
      const internal = isAndonError(e) && e.code === 'unauthenticated' ? e.internal : undefined;
      // A missing or malformed key was refused without a lookup: nothing to throttle or audit.
      if (!internal || internal.reason === 'missing' || internal.reason === 'malformed') throw e;
      // A real key's prefix is audited in that key's tenant: someone holds part of it.
      const key = typeof internal.tenantId === 'string' ? { tenantId: internal.tenantId, keyId: String(internal.keyId) } : undefined;
      throw await failures.failed({ ip: c.ip, prefix: keyPrefix(presented), key, reason: String(internal.reason), route: c.route }, e as AndonError);
    }
  };

  /** What the principal may do on this route: the principal when it may go on (after an audit, for admin reads). */
  const admit = (c: Caller, principal: Principal): Principal | Promise<Principal> => {
    limiter.take(principal.keyId);
    if (!c.permission || !can(principal.role, c.permission)) {
      throw new AndonError('forbidden', `the ${principal.role} role may not ${c.method} ${c.route}`, { role: principal.role, needs: c.permission ?? null });
    }
    if (!c.later) checkScope(principal, c);
    // Reading keys or the audit trail is itself audited: who looked, when, from where.
    if ((c.permission === 'keys:manage' || c.permission === 'audit:read') && c.method === 'GET') {
      return recordAudit(ctx, principal.tenantId, {
        actor: principal.keyId,
        action: 'admin.access',
        objectType: 'route',
        objectId: c.route,
        address: c.ip,
        details: { key: principal.keyName },
      }).then(() => principal);
    }
    return principal;
  };

  const gate: Gate = (c) => {
    const presented = bearer(c.authorization);
    const cached = cachedPrincipal(ctx, presented);
    if (cached) return admit(c, cached);
    // An address past its failures is refused here, before its key is looked up (429).
    failures.refuseThrottled(c.ip, prefixOf(presented), c.route);
    return signIn(c, presented).then((p) => admit(c, p));
  };
  return Object.assign(gate, {
    async checkLater(req: FastifyRequest, source: LaterSource, route: string): Promise<void> {
      const p = req.principal;
      if (!p || p.scopes.length === 0) return;
      const name = await LATER_DEPLOYMENT_OF[source](req, ctx, p.tenantId);
      checkScope(p, { method: req.method, route, deployment: typeof name === 'string' ? name : '' }, source === 'body.name');
    },
    close: () => failures.close(),
  });
}

export function registerAuth(app: FastifyInstance, gate: AuthGate): void {
  app.decorateRequest('principal', null);
  // A route naming its deployment in the body or a stored row gets the scope check as its last preValidation step.
  app.addHook('onRoute', (route) => {
    const source = (route.config as FastifyContextConfig | undefined)?.deployment;
    if (!source || !isLater(source)) return;
    const url = route.url;
    const check: preValidationHookHandler = (req, _reply, done) => {
      gate.checkLater(req, source, url).then(
        () => done(),
        (e: Error) => done(e as never),
      );
    };
    const before = route.preValidation;
    route.preValidation = [...(Array.isArray(before) ? before : before ? [before] : []), check];
  });
  // Failure counts still pending are written before the stores close.
  app.addHook('onClose', async () => {
    await gate.close();
  });
  // A callback hook with a synchronous path: on almost every request the key's row is cached and was touched in
  // the last minute, and then nothing here waits for a promise.
  app.addHook('onRequest', (req, reply, done) => {
    // Every answer names its request, errors included (set here rather than in an onSend hook: one hook less per request).
    reply.header('x-request-id', req.id);
    // Read once: each read of req.routeOptions builds a new object. Fastify puts the route's url in its config.
    const config = req.routeOptions.config as FastifyContextConfig & { url?: string };
    if (config.public || !config.url) {
      done();
      return;
    } // unknown routes fall through to the 404 handler
    const source = config.deployment;
    const later = source !== undefined && isLater(source);
    let admitted: Principal | Promise<Principal>;
    try {
      admitted = gate({
        authorization: req.headers.authorization,
        ip: req.ip,
        method: req.method,
        route: config.url,
        permission: config.permission,
        deployment: source === undefined || later ? undefined : String(DEPLOYMENT_OF[source as keyof typeof DEPLOYMENT_OF](req) ?? ''),
        later,
      });
    } catch (e) {
      done(e as Error);
      return;
    }
    if (admitted instanceof Promise)
      admitted.then((p) => {
        req.principal = p;
        done();
      }, done);
    else {
      req.principal = admitted;
      done();
    }
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

export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new AndonError('unauthenticated', 'a valid API key is required (Authorization: Bearer <key>)');
  return req.principal;
}
