// Helpers of the MetaStore contract suite.
import assert from 'node:assert/strict';
import { AndonError } from '../../../errors.js';
import type { MetaStore } from '../types.js';

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
