// openStores: URIs pick the implementation; the later ones (postgres, redis) say they are not implemented yet.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { embeddedStoreUrls, openStores, sqlitePathOf } from './index.js';
import { S3BlobStore } from './blob/s3.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-stores-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('openStores: the embedded URIs open SQLite, a blob folder and the local queue that work together', async () => {
  const home = join(dir, 'home with space');
  const urls = embeddedStoreUrls(home);
  assert.equal(sqlitePathOf(urls.databaseUrl), join(home, 'andon.db'));
  const stores = await openStores({ ...urls, queue: { pollMs: 20 } });
  try {
    assert.ok(existsSync(join(home, 'andon.db')) && existsSync(join(home, 'blobs')));
    const tenant = await stores.meta.tenants.create({ name: 'Plant' });
    const ref = await stores.blobs.put(tenant.id, Buffer.from('a,b\n1,2\n'));
    const ds = await stores.meta.datasets.create(tenant.id, { name: 'first' });
    await stores.meta.datasets.addVersion(tenant.id, ds.id, { sha256: ref.sha256, blobKey: ref.key, schema: {}, rows: 1, bytes: ref.bytes });
    const job = await stores.meta.jobs.create(tenant.id, { spec: {} });
    let ran = '';
    stores.queue.process('train', async (j) => {
      ran = j.id;
    });
    await stores.queue.enqueue('train', {}, { jobId: job.id, tenantId: tenant.id });
    while (!ran) await new Promise((res) => setTimeout(res, 5));
    assert.equal(ran, job.id);
    await stores.meta.ping();
    await stores.blobs.ping();
  } finally {
    await stores.close();
    await stores.close();
  }
});

test('openStores: in-memory SQLite and a file URL', async () => {
  const stores = await openStores({ databaseUrl: 'sqlite::memory:', blobUrl: pathToFileURL(join(dir, 'b2')).href, queueUrl: 'local:' });
  assert.equal((await stores.meta.tenants.listAcrossTenants()).length, 0);
  await stores.close();
});

test('openStores: postgres and redis are not implemented yet; unknown or malformed URLs are invalid', async () => {
  const ok = { databaseUrl: 'sqlite::memory:', blobUrl: pathToFileURL(join(dir, 'b3')).href, queueUrl: 'local:' };
  const cases: Array<[Partial<typeof ok>, string, RegExp]> = [
    [{ databaseUrl: 'postgres://andon:s3cret@db:5432/andon' }, 'unavailable', /not implemented yet/],
    [{ blobUrl: 's3://Not_A_Bucket/prefix' }, 'invalid_input', /s3:\/\/bucket\/prefix/],
    [{ blobUrl: 's3://bucket/../prefix' }, 'invalid_input', /s3:\/\/bucket\/prefix/],
    [{ queueUrl: 'redis://localhost:6379' }, 'unavailable', /not implemented yet/],
    [{ databaseUrl: 'mysql://x' }, 'invalid_input', /sqlite/],
    [{ databaseUrl: 'sqlite://relative/path.db' }, 'invalid_input', /absolute/],
    [{ blobUrl: 'file://host/share' }, 'invalid_input', /file:/],
    [{ queueUrl: '' }, 'invalid_input', /missing/],
  ];
  for (const [patch, code, message] of cases) {
    await assert.rejects(openStores({ ...ok, ...patch }), (e: unknown) => {
      const err = e as { code?: string; message?: string; details?: Record<string, unknown> };
      assert.equal(err.code, code, `${JSON.stringify(patch)}: ${err.message}`);
      assert.match(err.message!, message);
      assert.doesNotMatch(JSON.stringify(err.details) + err.message, /s3cret/, 'credentials stay out of errors');
      return true;
    });
  }
  assert.equal(existsSync(join(dir, 'b3')), false, 'nothing is created when a URL is wrong');
});

test('openStores: an s3:// blob URL opens the S3 store without contacting it (ping reports reachability)', async () => {
  const stores = await openStores({ databaseUrl: 'sqlite::memory:', blobUrl: 's3://andon-blobs/plant-7', queueUrl: 'local:' });
  try {
    assert.ok(stores.blobs instanceof S3BlobStore);
    await assert.rejects(stores.blobs.get('t1', 'not-a-key'), (e: unknown) => (e as { code?: string }).code === 'invalid_input');
  } finally {
    await stores.close();
  }
});
