// Contract: datasets and their immutable versions — unique names, numbering, dedupe by content, deletes, races.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NewDatasetVersion } from '../types.js';
import { rejectsWith, SHA, withStore, type MetaContractOptions, type MetaFactory } from './util.js';

const v = (n: number, extra: Partial<NewDatasetVersion> = {}): NewDatasetVersion => ({
  sha256: SHA(n),
  blobKey: SHA(n),
  schema: { columns: [{ name: 'temp', type: 'number' }] },
  profile: { rows: n },
  rows: n,
  bytes: 10 * n,
  maskingReport: { masked: [] },
  source: { file: `f${n}.csv` },
  ...extra,
});

export function datasetContract(factory: MetaFactory, options: MetaContractOptions): void {
  test('datasets: names are unique per tenant; ensure creates once; invalid names are refused', async () => {
    await withStore(factory, async (s, a) => {
      const ds = await s.datasets.create(a, { name: 'sensors', description: 'line 3' });
      assert.match(ds.id, /^ds_/);
      assert.equal(ds.description, 'line 3');
      await rejectsWith(s.datasets.create(a, { name: 'sensors' }), 'conflict', /sensors/);
      assert.equal((await s.datasets.ensure(a, 'sensors')).id, ds.id);
      const [x, y] = await Promise.all([s.datasets.ensure(a, 'fresh'), s.datasets.ensure(a, 'fresh')]);
      assert.equal(x.id, y.id);
      await rejectsWith(s.datasets.create(a, { name: '../etc' }), 'invalid_input');
      await rejectsWith(s.datasets.create(a, { name: '' }), 'invalid_input');
      await rejectsWith(s.datasets.create('ten_nobody', { name: 'x' }), 'not_found');
      assert.deepEqual(
        (await s.datasets.list(a)).map((d) => d.name),
        ['fresh', 'sensors'],
      );
      assert.deepEqual(
        (await s.datasets.list(a, { limit: 1, offset: 1 })).map((d) => d.name),
        ['sensors'],
      );
    });
  });

  test('dataset versions: numbered 1, 2, 3…, the same content twice returns the existing version unchanged', async () => {
    await withStore(factory, async (s, a) => {
      const ds = await s.datasets.create(a, { name: 'sensors' });
      const first = await s.datasets.addVersion(a, ds.id, v(1));
      assert.equal(first.created, true);
      assert.deepEqual(
        [
          first.version.number,
          first.version.rows,
          first.version.bytes,
          first.version.schema,
          first.version.profile,
          first.version.maskingReport,
          first.version.source,
        ],
        [1, 1, 10, { columns: [{ name: 'temp', type: 'number' }] }, { rows: 1 }, { masked: [] }, { file: 'f1.csv' }],
      );
      const second = await s.datasets.addVersion(a, ds.id, v(2));
      assert.equal(second.version.number, 2);
      const again = await s.datasets.addVersion(a, ds.id, v(1, { rows: 999, source: { file: 'renamed.csv' } }));
      assert.equal(again.created, false);
      assert.deepEqual(again.version, first.version, 'the stored version is immutable: new metadata does not overwrite it');
      assert.deepEqual(
        (await s.datasets.listVersions(a, ds.id)).map((x) => x.number),
        [1, 2],
      );
      assert.equal((await s.datasets.latestVersion(a, ds.id))?.number, 2);
      assert.equal((await s.datasets.getVersionByNumber(a, ds.id, 1))?.id, first.version.id);
      assert.deepEqual(await s.datasets.getVersion(a, second.version.id), second.version);
      // The same content in another dataset is another version there (blobs are shared by content).
      const other = await s.datasets.create(a, { name: 'copy' });
      assert.equal((await s.datasets.addVersion(a, other.id, v(1))).created, true);
      assert.equal(await s.datasets.countVersionsByBlobKey(a, SHA(1)), 2);
      await rejectsWith(s.datasets.addVersion(a, ds.id, v(3, { sha256: 'not-hex' })), 'invalid_input');
      await rejectsWith(s.datasets.addVersion(a, ds.id, v(3, { rows: -1 })), 'invalid_input');
      await rejectsWith(s.datasets.addVersion(a, 'ds_missing', v(3)), 'not_found');
    });
  });

  test('dataset delete: removes versions, refused while a job uses one', async () => {
    await withStore(factory, async (s, a) => {
      const ds = await s.datasets.create(a, { name: 'gone' });
      await s.datasets.addVersion(a, ds.id, v(1));
      const { versions } = await s.datasets.delete(a, ds.id);
      assert.deepEqual(
        versions.map((x) => x.number),
        [1],
      );
      assert.equal(await s.datasets.get(a, ds.id), null);
      assert.equal(await s.datasets.getVersion(a, versions[0]!.id), null);
      await rejectsWith(s.datasets.delete(a, ds.id), 'not_found');
      const used = await s.datasets.create(a, { name: 'used' });
      const { version } = await s.datasets.addVersion(a, used.id, v(2));
      await s.jobs.create(a, { datasetVersionId: version.id, spec: {} });
      await rejectsWith(s.datasets.delete(a, used.id), 'conflict');
      assert.ok(await s.datasets.getVersion(a, version.id), 'a refused delete changes nothing');
    });
  });

  test('dataset versions: concurrent adds in one store end with one version per content', async () => {
    await withStore(factory, async (s, a) => {
      const ds = await s.datasets.create(a, { name: 'race' });
      const results = await Promise.all([1, 1, 2, 1, 2, 3].map((n) => s.datasets.addVersion(a, ds.id, v(n))));
      assert.equal(results.filter((r) => r.created).length, 3);
      const versions = await s.datasets.listVersions(a, ds.id);
      assert.deepEqual(
        versions.map((x) => x.number),
        [1, 2, 3],
      );
      assert.equal(new Set(results.filter((r) => r.version.sha256 === SHA(1)).map((r) => r.version.id)).size, 1);
    });
  });

  if (options.openPair) {
    const openPair = options.openPair;
    test('dataset versions: two connections adding the same content concurrently end with one version', async () => {
      const [s1, s2] = await openPair();
      try {
        const a = (await s1.tenants.create({ name: 'A' })).id;
        const ds = await s1.datasets.create(a, { name: 'shared' });
        const results = await Promise.all([
          s1.datasets.addVersion(a, ds.id, v(7)),
          s2.datasets.addVersion(a, ds.id, v(7)),
          s2.datasets.addVersion(a, ds.id, v(8)),
          s1.datasets.addVersion(a, ds.id, v(8)),
        ]);
        assert.equal(results.filter((r) => r.created).length, 2);
        assert.equal(results[0]!.version.id, results[1]!.version.id);
        assert.equal(results[2]!.version.id, results[3]!.version.id);
        assert.deepEqual(
          (await s2.datasets.listVersions(a, ds.id)).map((x) => x.number),
          [1, 2],
        );
      } finally {
        await s1.close();
        await s2.close();
      }
    });
  }
}
