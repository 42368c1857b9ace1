// Which deployments this replica can serve, for /health/ready: loaded at warm-up, checked again when a prediction fails and on each readiness probe while one cannot be loaded.
import type { FastifyBaseLogger } from 'fastify';
import { listDeployments, resolveDeployment, type ServiceContext } from '../service/index.js';
import { loadVersion } from '../service/deployments.js';
import { scrub } from '../security/scrub.js';

interface Entry {
  tenantId: string;
  tenantName: string;
  name: string;
  reason: string;
}

/** A failed prediction checks its deployment again at most this often: bad rows fail every time and cost nothing to re-check, but not nothing at all. */
const SUSPECT_EVERY_MS = 5_000;

export class DeploymentHealth {
  private warmed = false;
  /** Deployments whose version cannot be loaded (a blob that fails its integrity check, a bundle that does not verify): not ready. */
  private readonly broken = new Map<string, Entry>();
  /** Deployments whose alias names no version yet: reported, still ready (nothing to serve is not a fault of this replica). */
  private readonly waiting = new Map<string, Entry>();
  private readonly suspected = new Map<string, number>();
  private rechecking: Promise<void> | null = null;
  /** Checks started by failed predictions: a readiness probe waits for them, so it answers with what they found. */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Loads every deployment's current version, so the first prediction does not pay for loading and readiness knows what cannot load. */
  async warmUp(): Promise<void> {
    for (const tenant of await this.ctx.meta.tenants.listAcrossTenants()) {
      for (const d of await listDeployments(this.ctx, tenant.id, { limit: 1000 })) await this.check(tenant.id, tenant.name, d.name);
    }
    this.warmed = true;
  }

  /**
   * A prediction of the tenant's `deployment` failed. Mostly that is the caller's rows; when it is the version failing
   * to load, this finds it. Loading an already loaded version is a cache hit.
   */
  suspect(tenantId: string, deployment: string): void {
    const now = performance.now(),
      id = `${tenantId}/${deployment}`,
      last = this.suspected.get(id);
    if (last !== undefined && now - last < SUSPECT_EVERY_MS) return;
    this.suspected.set(id, now);
    const run = (async () => {
      const tenant = await this.ctx.meta.tenants.get(tenantId);
      if (tenant && (await this.ctx.meta.deployments.getByName(tenantId, deployment))) await this.check(tenantId, tenant.name, deployment);
    })()
      .catch((e) => this.log.warn({ err: e, deployment }, 'deployment health check failed'))
      .finally(() => this.pending.delete(run));
    this.pending.add(run);
  }

  /** Ready when warmed and every deployment loads; the checks name each one that does not, and why. */
  async report(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    if (!this.warmed) return { ready: false, checks: { deployments: 'loading' } };
    await Promise.all(this.pending);
    // What failed before is tried again (a restored blob, a re-targeted or deleted deployment clear it); one run at a time.
    if (this.broken.size + this.waiting.size > 0) {
      await (this.rechecking ??= this.recheck().finally(() => {
        this.rechecking = null;
      }));
    }
    const checks: Record<string, string> = {};
    checks.deployments =
      this.broken.size === 0 ? 'ok' : `${this.broken.size} cannot be loaded: ${[...this.broken.entries()].map(([k, e]) => `${k} (${e.reason})`).join('; ')}`;
    if (this.waiting.size > 0) checks.waiting = `${this.waiting.size} serve no version yet: ${[...this.waiting.keys()].join(', ')}`;
    return { ready: this.broken.size === 0, checks };
  }

  private async recheck(): Promise<void> {
    for (const e of [...this.broken.values(), ...this.waiting.values()]) {
      if (await this.ctx.meta.deployments.getByName(e.tenantId, e.name)) await this.check(e.tenantId, e.tenantName, e.name);
      else this.forget(`${e.tenantName}/${e.name}`);
    }
  }

  private async check(tenantId: string, tenantName: string, name: string): Promise<void> {
    const key = `${tenantName}/${name}`;
    let version;
    try {
      ({ version } = await resolveDeployment(this.ctx, tenantId, name));
    } catch (e) {
      // An alias with no version yet answers 'unavailable'; anything else is a deployment that cannot serve.
      this.forget(key);
      const entry = { tenantId, tenantName, name, reason: reasonOf(e) };
      if ((e as { code?: string }).code === 'unavailable') this.waiting.set(key, entry);
      else this.broken.set(key, entry);
      return;
    }
    try {
      await loadVersion(this.ctx, tenantId, version);
      this.forget(key);
    } catch (e) {
      const known = this.broken.has(key);
      this.forget(key);
      if (!known) this.log.error({ deployment: name, tenant: tenantId, err: e }, 'deployment cannot be loaded');
      this.broken.set(key, { tenantId, tenantName, name, reason: reasonOf(e) });
    }
  }

  private forget(key: string): void {
    this.broken.delete(key);
    this.waiting.delete(key);
  }
}

/** The reason shown on the open health endpoint: the error's code and message, scrubbed like a log line. */
function reasonOf(e: unknown): string {
  const code = (e as { code?: string }).code;
  return scrub(`${code ? `${code}: ` : ''}${(e as Error).message}`);
}
