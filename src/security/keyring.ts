// The tenant data keys of one process: created on a tenant's first use, stored only wrapped by the
// master key (MetaStore.tenantKeys), unwrapped on demand and kept in memory for the process's life.
import { AndonError } from '../errors.js';
import type { MetaStore, TenantKey } from '../store/meta/types.js';
import { newDataKey, unwrapDataKey, wrapDataKey, type DataKey } from './envelope.js';
import { masterKeyCheck } from './master-key.js';

export class TenantKeyring {
  readonly masterKeyId: string;
  private readonly byId = new Map<string, DataKey>();
  private readonly currentOf = new Map<string, Promise<DataKey>>();

  /** `masterKey` must have passed verifyMasterKey (openEncryptedStores does it). */
  constructor(
    private readonly meta: MetaStore,
    private readonly masterKey: Buffer,
  ) {
    this.masterKeyId = masterKeyCheck(masterKey).id;
  }

  /** The key new blobs of the tenant are sealed with; the first call for a tenant creates it. */
  current(tenantId: string): Promise<DataKey> {
    let p = this.currentOf.get(tenantId);
    if (!p) {
      p = this.loadCurrent(tenantId);
      this.currentOf.set(tenantId, p);
      p.catch(() => this.currentOf.delete(tenantId));
    }
    return p;
  }

  /** One of the tenant's keys by id; null when the tenant has no such key. */
  async get(tenantId: string, keyId: string): Promise<DataKey | null> {
    const cached = this.byId.get(`${tenantId}/${keyId}`);
    if (cached) return cached;
    const row = await this.meta.tenantKeys.get(tenantId, keyId);
    return row ? this.unwrap(row) : null;
  }

  private async loadCurrent(tenantId: string): Promise<DataKey> {
    const existing = await this.meta.tenantKeys.current(tenantId);
    if (existing) return this.unwrap(existing);
    const fresh = newDataKey();
    // Concurrent first uses (other processes too) agree through the store: the loser unwraps the winner's key.
    const { key: row } = await this.meta.tenantKeys.create(tenantId, {
      id: fresh.id,
      generation: 1,
      wrapped: wrapDataKey(this.masterKey, tenantId, fresh),
      masterKeyId: this.masterKeyId,
    });
    return this.unwrap(row);
  }

  private unwrap(row: TenantKey): DataKey {
    const cacheKey = `${row.tenantId}/${row.id}`;
    const cached = this.byId.get(cacheKey);
    if (cached) return cached;
    let wrapped: string;
    if (row.masterKeyId === this.masterKeyId) wrapped = row.wrapped;
    else if (row.nextMasterKeyId === this.masterKeyId && row.nextWrapped) wrapped = row.nextWrapped;
    else {
      throw new AndonError(
        'unavailable',
        `data key ${row.id} is wrapped by master key ${row.masterKeyId}, not by this process's (${this.masterKeyId}); was the master key rotated? restart with the current one`,
        { reason: 'master_key_not_active', keyId: row.id, masterKeyId: row.masterKeyId },
      );
    }
    const key = unwrapDataKey(this.masterKey, row.tenantId, row.id, wrapped);
    this.byId.set(cacheKey, key);
    return key;
  }
}
