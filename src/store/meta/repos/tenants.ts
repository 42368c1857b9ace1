// Tenants and their API keys. Keys are stored by hash; the public prefix finds a key at authentication.
import { AndonError } from '../../../errors.js';
import { checkId, newId } from '../../ids.js';
import { ROLES, type ApiKey, type Role, type Tenant } from '../entities.js';
import { fromJson, notFound, nowIso, requireText, str, strOrNull, type Row, type Sql } from '../sql.js';
import type { ApiKeyRepository, NewApiKey, TenantRepository } from '../types.js';
import { isoOrNull, requireTenant, stringArray, takenOr, tid } from './common.js';

const tenantOf = (r: Row): Tenant => ({ id: str(r.id), name: str(r.name), createdAt: str(r.created_at) });

export class TenantRepo implements TenantRepository {
  constructor(private readonly sql: Sql) {}

  async create(input: { id?: string; name: string }): Promise<Tenant> {
    const id = input.id === undefined ? newId('tenant') : checkId(input.id, 'tenant id');
    const name = requireText(input.name, 'tenant name');
    const row = await this.sql.get('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?) RETURNING *', [id, name, nowIso()]).catch((e) => {
      throw takenOr(e, `tenant ${id}`, { id });
    });
    return tenantOf(row!);
  }

  async get(tenantId: string): Promise<Tenant | null> {
    const row = await this.sql.get('SELECT * FROM tenants WHERE id = ?', [tid(tenantId)]);
    return row ? tenantOf(row) : null;
  }

  async listAcrossTenants(): Promise<Tenant[]> {
    return (await this.sql.all('SELECT * FROM tenants ORDER BY created_at, id')).map(tenantOf);
  }
}

const keyOf = (r: Row): ApiKey => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  name: str(r.name),
  role: str(r.role) as Role,
  scopes: fromJson<string[]>(r.scopes, []),
  keyHash: str(r.key_hash),
  prefix: str(r.prefix),
  createdAt: str(r.created_at),
  expiresAt: strOrNull(r.expires_at),
  revokedAt: strOrNull(r.revoked_at),
  lastUsedAt: strOrNull(r.last_used_at),
});

export class ApiKeyRepo implements ApiKeyRepository {
  constructor(private readonly sql: Sql) {}

  async create(tenantId: string, input: NewApiKey): Promise<ApiKey> {
    await requireTenant(this.sql, tenantId);
    if (!ROLES.includes(input.role)) throw new AndonError('invalid_input', `role must be one of ${ROLES.join(', ')}`, { role: input.role });
    const scopes = stringArray(input.scopes ?? [], 'scopes');
    const row = await this.sql
      .get(
        `INSERT INTO api_keys (id, tenant_id, name, role, scopes, key_hash, prefix, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          newId('apiKey'),
          tenantId,
          requireText(input.name, 'key name'),
          input.role,
          JSON.stringify(scopes),
          requireText(input.keyHash, 'keyHash', 1000),
          requireText(input.prefix, 'prefix', 64),
          nowIso(),
          isoOrNull(input.expiresAt, 'expiresAt'),
        ],
      )
      .catch((e) => {
        throw takenOr(e, 'an API key with this prefix', { prefix: input.prefix });
      });
    return keyOf(row!);
  }

  async get(tenantId: string, id: string): Promise<ApiKey | null> {
    const row = await this.sql.get('SELECT * FROM api_keys WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
    return row ? keyOf(row) : null;
  }

  async list(tenantId: string): Promise<ApiKey[]> {
    return (await this.sql.all('SELECT * FROM api_keys WHERE tenant_id = ? ORDER BY created_at, id', [tid(tenantId)])).map(keyOf);
  }

  async revoke(tenantId: string, id: string): Promise<ApiKey> {
    const row = await this.sql.get('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE tenant_id = ? AND id = ? RETURNING *', [
      nowIso(),
      tid(tenantId),
      id,
    ]);
    if (!row) throw notFound('API key', id);
    return keyOf(row);
  }

  async touch(tenantId: string, id: string): Promise<void> {
    const n = await this.sql.run('UPDATE api_keys SET last_used_at = ? WHERE tenant_id = ? AND id = ?', [nowIso(), tid(tenantId), id]);
    if (n === 0) throw notFound('API key', id);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const n = await this.sql.run('DELETE FROM api_keys WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
    if (n === 0) throw notFound('API key', id);
  }

  async findByPrefixAcrossTenants(prefix: string): Promise<ApiKey | null> {
    if (typeof prefix !== 'string' || prefix === '') return null;
    const row = await this.sql.get('SELECT * FROM api_keys WHERE prefix = ?', [prefix]);
    return row ? keyOf(row) : null;
  }
}
