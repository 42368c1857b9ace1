// First start of an empty home: one tenant and its first admin key, printed once and stored only as a hash.
import { AndonError, isAndonError } from '../errors.js';
import { createApiKey } from '../security/keys.js';
import type { ServiceContext } from './context.js';
import { recordAudit } from './audit.js';

/** A fixed id, so two replicas starting on the same empty database create one tenant, not two. */
export const DEFAULT_TENANT_ID = 'ten_00000000-0000-4000-8000-000000000001';

export interface Bootstrap {
  tenantId: string;
  created: boolean;
  adminKey: string | null;
}

export async function bootstrap(ctx: ServiceContext, options: { bootstrapKey?: string } = {}): Promise<Bootstrap> {
  const existing = await ctx.meta.tenants.listAcrossTenants();
  if (existing.length > 0) return { tenantId: existing[0].id, created: false, adminKey: null };
  try {
    const tenant = await ctx.meta.tenants.create({ id: DEFAULT_TENANT_ID, name: 'default' });
    const { key, record } = await createApiKey(ctx.meta, tenant.id, { name: 'bootstrap admin', role: 'admin' }, options.bootstrapKey);
    await recordAudit(ctx, tenant.id, { actor: 'system', action: 'tenant.create', objectType: 'tenant', objectId: tenant.id, details: { name: tenant.name } });
    await recordAudit(ctx, tenant.id, {
      actor: 'system',
      action: 'key.create',
      objectType: 'api_key',
      objectId: record.id,
      details: { role: 'admin', prefix: record.prefix, bootstrap: true },
    });
    return { tenantId: tenant.id, created: true, adminKey: key };
  } catch (e) {
    // Another replica won the race: use its tenant.
    if (isAndonError(e) && e.code === 'conflict') return { tenantId: DEFAULT_TENANT_ID, created: false, adminKey: null };
    throw e instanceof AndonError ? e : new AndonError('internal', `could not set up the first tenant: ${(e as Error).message}`);
  }
}
