// Wrapped tenant data keys and the master key registry, the persistence of envelope encryption at rest.
// Master keys are known here by an id and a check value only; data keys only wrapped.
import { AndonError } from '../../../errors.js';
import { limitOf, num, nowIso, str, strOrNull, type Row, type Sql } from '../sql.js';
import type { MasterKeyRecord, MasterKeyState, NewTenantKey, TenantKey, TenantKeyRepository } from '../types.js';
import { requireTenant, tid } from './common.js';

const KEY_ID = /^[0-9a-f]{32}$/;
const MASTER_ID = /^[0-9a-f]{16,64}$/;

const keyOf = (r: Row): TenantKey => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  generation: num(r.generation),
  wrapped: str(r.wrapped),
  masterKeyId: str(r.master_key_id),
  nextWrapped: strOrNull(r.next_wrapped),
  nextMasterKeyId: strOrNull(r.next_master_key_id),
  createdAt: str(r.created_at),
  rewrappedAt: strOrNull(r.rewrapped_at),
});

const masterOf = (r: Row): MasterKeyRecord => ({
  id: str(r.id),
  checkValue: str(r.check_value),
  state: str(r.state) as MasterKeyState,
  createdAt: str(r.created_at),
  activatedAt: strOrNull(r.activated_at),
  retiredAt: strOrNull(r.retired_at),
});

function check(value: unknown, pattern: RegExp, field: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new AndonError('invalid_input', `${field} has the wrong format`, { field });
  }
  return value;
}

function wrappedText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '' || value.length > 1000 || !/^[A-Za-z0-9+/=]+$/.test(value)) {
    throw new AndonError('invalid_input', `${field} must be base64`, { field });
  }
  return value;
}

export class TenantKeyRepo implements TenantKeyRepository {
  constructor(private readonly sql: Sql) {}

  async create(tenantId: string, input: NewTenantKey): Promise<{ key: TenantKey; created: boolean }> {
    const id = check(input.id, KEY_ID, 'key id');
    const generation = input.generation ?? 1;
    if (!Number.isSafeInteger(generation) || generation < 1) throw new AndonError('invalid_input', 'generation must be a positive integer', { generation });
    const wrapped = wrappedText(input.wrapped, 'wrapped');
    const masterKeyId = check(input.masterKeyId, MASTER_ID, 'master key id');
    await requireTenant(this.sql, tenantId);
    return this.sql.transaction(async (tx) => {
      // An UPDATE, not a SELECT: on PostgreSQL it locks the master key's row, so a rotation committing
      // concurrently waits for this key and then sees it (and refuses to finish without re-wrapping it).
      const active = await tx.run("UPDATE master_keys SET state = state WHERE id = ? AND state = 'active'", [masterKeyId]);
      if (active === 0) {
        throw new AndonError('conflict', 'this master key is not the active one of the store (was it rotated?); restart with the current master key', {
          reason: 'master_key_not_active',
          masterKeyId,
        });
      }
      const row = await tx.get(
        `INSERT INTO tenant_keys (id, tenant_id, generation, wrapped, master_key_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
        [id, tenantId, generation, wrapped, masterKeyId, nowIso()],
      );
      if (row) return { key: keyOf(row), created: true };
      const existing = await tx.get('SELECT * FROM tenant_keys WHERE tenant_id = ? AND generation = ?', [tenantId, generation]);
      if (!existing) throw new AndonError('conflict', `data key ${id} already exists`, { id });
      return { key: keyOf(existing), created: false };
    });
  }

  async get(tenantId: string, keyId: string): Promise<TenantKey | null> {
    const row = await this.sql.get('SELECT * FROM tenant_keys WHERE tenant_id = ? AND id = ?', [tid(tenantId), keyId]);
    return row ? keyOf(row) : null;
  }

  async current(tenantId: string): Promise<TenantKey | null> {
    const row = await this.sql.get('SELECT * FROM tenant_keys WHERE tenant_id = ? ORDER BY generation DESC LIMIT 1', [tid(tenantId)]);
    return row ? keyOf(row) : null;
  }

  async list(tenantId: string): Promise<TenantKey[]> {
    return (await this.sql.all('SELECT * FROM tenant_keys WHERE tenant_id = ? ORDER BY generation', [tid(tenantId)])).map(keyOf);
  }

  async listAcrossTenants(options: { masterKeyId?: string; afterId?: string; limit?: number } = {}): Promise<TenantKey[]> {
    const where = ['id > ?'];
    const params: string[] = [options.afterId ?? ''];
    if (options.masterKeyId !== undefined) {
      where.push('master_key_id = ?');
      params.push(options.masterKeyId);
    }
    const rows = await this.sql.all(`SELECT * FROM tenant_keys WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, [
      ...params,
      limitOf(options.limit, 1000, 10000),
    ]);
    return rows.map(keyOf);
  }

  async countAcrossTenants(): Promise<number> {
    return num((await this.sql.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM tenant_keys'))?.n);
  }

  async masterKeys(): Promise<MasterKeyRecord[]> {
    return (await this.sql.all('SELECT * FROM master_keys ORDER BY created_at, id')).map(masterOf);
  }

  async addMasterKey(input: { id: string; checkValue: string; state: 'active' | 'pending' }): Promise<{ record: MasterKeyRecord; created: boolean }> {
    const id = check(input.id, MASTER_ID, 'master key id');
    const checkValue = check(input.checkValue, /^[0-9a-f]{64}$/, 'check value');
    if (input.state !== 'active' && input.state !== 'pending') throw new AndonError('invalid_input', 'state must be active or pending', { state: input.state });
    const now = nowIso();
    return this.sql.transaction(async (tx) => {
      const row = await tx.get(
        `INSERT INTO master_keys (id, check_value, state, created_at, activated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING RETURNING *`,
        [id, checkValue, input.state, now, input.state === 'active' ? now : null],
      );
      if (row) return { record: masterOf(row), created: true };
      const existing = await tx.get('SELECT * FROM master_keys WHERE id = ?', [id]);
      if (existing) return { record: masterOf(existing), created: false };
      throw new AndonError('conflict', `another master key is already ${input.state}`, { reason: `master_key_${input.state}_exists`, state: input.state });
    });
  }

  async setNextWrapping(tenantId: string, keyId: string, input: { masterKeyId: string; nextWrapped: string; nextMasterKeyId: string }): Promise<boolean> {
    const n = await this.sql.run(
      `UPDATE tenant_keys SET next_wrapped = ?, next_master_key_id = ?
       WHERE tenant_id = ? AND id = ? AND master_key_id = ?
         AND EXISTS (SELECT 1 FROM master_keys WHERE id = ? AND state = 'pending')`,
      [wrappedText(input.nextWrapped, 'nextWrapped'), input.nextMasterKeyId, tid(tenantId), keyId, input.masterKeyId, input.nextMasterKeyId],
    );
    return n === 1;
  }

  async commitMasterRotation(from: string, to: string): Promise<number> {
    return this.sql.transaction(async (tx) => {
      // Retire first: the row lock makes a concurrent key creation under `from` finish before we count.
      const retired = await tx.run("UPDATE master_keys SET state = 'retired', retired_at = ? WHERE id = ? AND state = 'active'", [nowIso(), from]);
      if (retired === 0) throw new AndonError('conflict', `master key ${from} is not the active one`, { reason: 'master_key_not_active', masterKeyId: from });
      const missing = num(
        (
          await tx.get<{ n: unknown }>(
            `SELECT COUNT(*) AS n FROM tenant_keys WHERE master_key_id = ? AND (next_master_key_id IS NULL OR next_master_key_id <> ?)`,
            [from, to],
          )
        )?.n,
      );
      if (missing > 0) {
        throw new AndonError('conflict', `${missing} data key(s) are not yet wrapped by the new master key`, { reason: 'rotation_incomplete', missing });
      }
      const activated = await tx.run("UPDATE master_keys SET state = 'active', activated_at = ? WHERE id = ? AND state = 'pending'", [nowIso(), to]);
      if (activated === 0) throw new AndonError('conflict', `master key ${to} is not pending`, { reason: 'master_key_not_pending', masterKeyId: to });
      return tx.run(
        `UPDATE tenant_keys SET wrapped = next_wrapped, master_key_id = next_master_key_id, next_wrapped = NULL,
           next_master_key_id = NULL, rewrapped_at = ? WHERE master_key_id = ? AND next_master_key_id = ?`,
        [nowIso(), from, to],
      );
    });
  }

  async abandonMasterKey(id: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const row = await tx.get<{ state: unknown }>('SELECT state FROM master_keys WHERE id = ?', [id]);
      if (!row) return;
      if (str(row.state) !== 'pending')
        throw new AndonError('conflict', `master key ${id} is ${str(row.state)}, not pending`, { reason: 'master_key_not_pending', masterKeyId: id });
      await tx.run('UPDATE tenant_keys SET next_wrapped = NULL, next_master_key_id = NULL WHERE next_master_key_id = ?', [id]);
      await tx.run('DELETE FROM master_keys WHERE id = ?', [id]);
    });
  }
}
