// API key use cases: create (the secret is returned once), list (never the secrets), revoke (refused from the next request on); each change audited.
import { checkKeyInput, createApiKey, publicKey } from '../security/keys.js';
import type { ApiKey } from '../store/index.js';
import { audit, SYSTEM, type Actor } from './audit.js';
import { notFound } from './common.js';
import type { ServiceContext } from './context.js';

export type PublicKey = Omit<ApiKey, 'keyHash'>;

export async function createKey(ctx: ServiceContext, tenantId: string, input: unknown, actor: Actor = SYSTEM): Promise<PublicKey & { key: string }> {
  const { key, record } = await createApiKey(ctx.meta, tenantId, checkKeyInput(input));
  await audit(ctx, tenantId, actor, 'key.create', 'api_key', record.id, { role: record.role, scopes: record.scopes, prefix: record.prefix });
  return { ...publicKey(record), key };
}

export async function listKeys(ctx: ServiceContext, tenantId: string): Promise<PublicKey[]> {
  return (await ctx.meta.apiKeys.list(tenantId)).map(publicKey);
}

export async function revokeKey(ctx: ServiceContext, tenantId: string, id: string, actor: Actor = SYSTEM): Promise<PublicKey> {
  const key = await ctx.meta.apiKeys.get(tenantId, id);
  if (!key) throw notFound('api key', id);
  const revoked = await ctx.meta.apiKeys.revoke(tenantId, key.id);
  // This process refuses it from the next request on; other replicas within the lookup caches' bound.
  ctx.lookups.keys.delete(key.prefix);
  await audit(ctx, tenantId, actor, 'key.revoke', 'api_key', key.id, { prefix: key.prefix });
  return publicKey(revoked);
}
