// Helpers of the MetaStore contract suite.
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AndonError } from '../../../errors.js';
import type { MetaStore, ValueSealer } from '../types.js';

export type MetaFactory = () => Promise<MetaStore>;

export interface MetaContractOptions {
  /** Two stores (connections) over the same database, for the concurrency checks. */
  openPair?: () => Promise<[MetaStore, MetaStore]>;
}

export async function rejectsWith(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<AndonError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AndonError, `expected an AndonError ${code}, got ${String((e as Error)?.stack ?? e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return e;
  }
  assert.fail(`expected ${code}`);
}

export const SHA = (n: number): string => n.toString(16).padStart(64, '0');

/** A fresh store with two tenants; the callback's store is closed afterwards. */
export async function withStore(factory: MetaFactory, fn: (s: MetaStore, a: string, b: string) => Promise<void>): Promise<void> {
  const store = await factory();
  try {
    const a = (await store.tenants.create({ name: 'Plant A' })).id;
    const b = (await store.tenants.create({ name: 'Plant B' })).id;
    await fn(store, a, b);
  } finally {
    await store.close();
  }
}

/** A dataset version, a model with one version, for tests that need lineage. */
export async function seed(s: MetaStore, tenant: string, name = 'pm') {
  const ds = await s.datasets.create(tenant, { name });
  const { version: dsv } = await s.datasets.addVersion(tenant, ds.id, { sha256: SHA(1), blobKey: SHA(1), schema: { columns: [] }, rows: 10, bytes: 100 });
  const job = await s.jobs.create(tenant, { datasetVersionId: dsv.id, spec: { target: 'y' } });
  const model = await s.models.create(tenant, { name });
  const { version: mv } = await s.models.addVersion(tenant, model.id, { bundle: { 'manifest.json': SHA(2) }, datasetVersionId: dsv.id, jobId: job.id });
  return { ds, dsv, job, model, mv };
}

/**
 * A ValueSealer for the contract (the store must not depend on src/security): AES-256-GCM under its own random key,
 * bound to tenant and context, recording each context it sealed and opened.
 */
export function testSealer(): ValueSealer & { sealed: string[]; opened: string[] } {
  const key = randomBytes(32);
  const sealed: string[] = [],
    opened: string[] = [];
  return {
    sealed,
    opened,
    async sealValue(tenantId, value, context) {
      sealed.push(`${tenantId}/${context}`);
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(`${tenantId}/${context}`));
      const body = Buffer.concat([c.update(JSON.stringify(value)), c.final()]);
      return Buffer.concat([iv, body, c.getAuthTag()]).toString('base64');
    },
    async openValue(tenantId, text, context) {
      opened.push(`${tenantId}/${context}`);
      const b = Buffer.from(text, 'base64');
      try {
        const d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12)).setAAD(Buffer.from(`${tenantId}/${context}`));
        d.setAuthTag(b.subarray(b.length - 16));
        return JSON.parse(Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]).toString('utf8')) as unknown;
      } catch {
        throw new AndonError('integrity_error', 'the sealed value failed authentication', { context });
      }
    },
  };
}
