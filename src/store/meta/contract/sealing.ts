// Contract: version values derived from tenant data are sealed through the store's ValueSealer, read back unchanged, and clear rows of an older home get sealed.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetaStore } from '../types.js';
import { rejectsWith, SHA, testSealer, withStore, type MetaFactory } from './util.js';

const EMAIL = 'alice.martin@example.com';
const PHONE = '+33 6 12 34 56 78';
const schema = {
  columns: [
    { name: 'email', type: 'category', examples: [EMAIL] },
    { name: 'phone', type: 'category', examples: [PHONE] },
  ],
};
const profile = { rows: 3, columns: [{ name: 'email', top: [{ value: EMAIL, count: 2 }] }] };
const manifest = { task: 'binary', input_schema: [{ name: 'email', type: 'category', categories: [EMAIL, PHONE] }] };
const metrics = {
  f1: 0.9,
  confusion_matrix: {
    labels: [EMAIL, PHONE],
    matrix: [
      [1, 0],
      [0, 1],
    ],
  },
};

async function addBoth(s: MetaStore, tenant: string) {
  const ds = await s.datasets.ensure(tenant, 'contacts');
  const { version: dsv } = await s.datasets.addVersion(tenant, ds.id, {
    sha256: SHA(7),
    blobKey: SHA(7),
    schema,
    profile,
    rows: 3,
    bytes: 99,
    maskingReport: null,
    source: { filename: 'contacts.csv' },
  });
  const model = await s.models.ensure(tenant, 'churn');
  const { version: mv } = await s.models.addVersion(tenant, model.id, { bundle: { 'manifest.json': SHA(8) }, manifest, metrics, datasetVersionId: dsv.id });
  return { ds, dsv, model, mv };
}

export function sealingContract(factory: MetaFactory): void {
  test('sealed values: with a sealer, version values are sealed per tenant, row and field on write and read back unchanged', async () => {
    await withStore(factory, async (s, a) => {
      const sealer = testSealer();
      s.sealValuesWith(sealer);
      const { ds, dsv, model, mv } = await addBoth(s, a);
      assert.deepEqual([dsv.schema, dsv.profile, dsv.maskingReport, dsv.source], [schema, profile, null, { filename: 'contacts.csv' }]);
      assert.deepEqual([mv.manifest, mv.metrics], [manifest, metrics]);
      for (const field of ['schema', 'profile', 'source']) assert.ok(sealer.sealed.includes(`${a}/dataset-version/${dsv.id}/${field}`), field);
      for (const field of ['manifest', 'metrics']) assert.ok(sealer.sealed.includes(`${a}/model-version/${mv.id}/${field}`), field);
      assert.ok(!sealer.sealed.some((c) => c.endsWith('/maskingReport')), 'a null value has nothing to hide');
      // Every read opens them.
      assert.deepEqual(await s.datasets.getVersion(a, dsv.id), dsv);
      assert.deepEqual(await s.datasets.latestVersion(a, ds.id), dsv);
      assert.deepEqual(await s.datasets.listVersions(a, ds.id), [dsv]);
      assert.deepEqual(await s.models.getVersion(a, mv.id), mv);
      assert.deepEqual(await s.models.resolve(a, model.id, { number: 1 }), mv);
      assert.deepEqual(await s.models.listVersions(a, model.id), [mv]);
      // The same content again is the stored version, opened.
      assert.deepEqual((await s.datasets.addVersion(a, ds.id, { sha256: SHA(7), blobKey: SHA(7), schema: {}, rows: 3, bytes: 99 })).version, dsv);
      // What is stored is sealed: under another key nothing opens.
      s.sealValuesWith(testSealer());
      await rejectsWith(s.datasets.getVersion(a, dsv.id), 'integrity_error');
      await rejectsWith(s.models.getVersion(a, mv.id), 'integrity_error');
      // Deleting still works (and reports the versions it removed) when a value cannot be opened.
      await s.models.delete(a, model.id);
      const gone = await s.datasets.delete(a, ds.id);
      assert.deepEqual(
        gone.versions.map((v) => [v.id, v.blobKey, v.profile]),
        [[dsv.id, SHA(7), null]],
      );
    });
  });

  test('sealed values: rows written in clear are read as they are, and sealClearValues seals each once', async () => {
    await withStore(factory, async (s, a, b) => {
      const clearA = await addBoth(s, a);
      const clearB = await addBoth(s, b);
      const ds = await s.datasets.ensure(a, 'empty-profile');
      const { version: bare } = await s.datasets.addVersion(a, ds.id, { sha256: SHA(9), blobKey: SHA(9), schema: null, rows: 0, bytes: 0 });
      const sealer = testSealer();
      s.sealValuesWith(sealer);
      assert.deepEqual(await s.datasets.getVersion(a, clearA.dsv.id), clearA.dsv, 'a clear row of an older home still reads');
      assert.equal(sealer.opened.length, 0);
      assert.equal(await s.sealClearValues(), 4, 'two dataset versions and two model versions; a version with only nulls has nothing to seal');
      assert.equal(await s.sealClearValues(), 0, 'sealed rows are not sealed again');
      for (const [t, c] of [
        [a, clearA],
        [b, clearB],
      ] as const) {
        assert.deepEqual(await s.datasets.getVersion(t, c.dsv.id), c.dsv);
        assert.deepEqual(await s.models.getVersion(t, c.mv.id), c.mv);
      }
      assert.ok(sealer.sealed.includes(`${b}/model-version/${clearB.mv.id}/manifest`), 'each row is sealed under its own tenant');
      assert.deepEqual(await s.datasets.getVersion(a, bare.id), bare);
      s.sealValuesWith(testSealer());
      await rejectsWith(s.datasets.getVersion(a, clearA.dsv.id), 'integrity_error');
      await rejectsWith(s.models.getVersion(b, clearB.mv.id), 'integrity_error');
    });
  });
}
