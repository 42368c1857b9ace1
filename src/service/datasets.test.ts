// Dataset use cases: upload with profile and dedupe, masking before storage, preview, slug names, delete, tenant isolation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDataset, deleteDataset, getDataset, listDatasets, previewVersion } from './datasets.js';
import type { ServiceContext } from './context.js';
import { machinesCsv, newTenant, openContext, tempHome } from './test-helpers.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let ctx: ServiceContext;
let tenant: string;

before(async () => {
  home = await tempHome();
  ctx = await openContext(home.home, { consume: false });
  tenant = await newTenant(ctx);
});
after(async () => {
  await ctx.close();
  await home.remove();
});

test('addDataset stores a profiled version; the same bytes again return it with created: false', async () => {
  const bytes = machinesCsv(50);
  const a = await addDataset(ctx, tenant, { name: 'machines', bytes, filename: 'm.csv' });
  assert.equal(a.created, true);
  assert.equal(a.version.number, 1);
  assert.equal(a.version.rows, 50);
  assert.ok(await ctx.blobs.has(tenant, a.version.blobKey));
  const b = await addDataset(ctx, tenant, {
    name: 'machines',
    stream: (async function* () {
      yield bytes.subarray(0, 10);
      yield bytes.subarray(10);
    })(),
  });
  assert.equal(b.created, false);
  assert.equal(b.version.id, a.version.id);
  const c = await addDataset(ctx, tenant, { name: 'machines', bytes: machinesCsv(60) });
  assert.equal(c.version.number, 2);
  const shown = await getDataset(ctx, tenant, 'machines');
  assert.deepEqual(
    shown.versions.map((v) => v.number),
    [1, 2],
  );
  assert.ok((await listDatasets(ctx, tenant)).some((d) => d.name === 'machines'));
  const preview = await previewVersion(ctx, tenant, 'machines', { version: 1, rows: 3 });
  assert.equal(preview.rows.length, 3);
  assert.equal(preview.totalRows, 50);
  assert.ok(preview.columns.includes('machine_failure'));
});

test('addDataset with maskPii stores the masked table: no e-mail reaches the blob store', async () => {
  const csv = 'ticket,note,score\n1,call anna.li@example.com about line 3,4\n2,motor noise,2\n3,mail bob@factory.cn today,5\n';
  const r = await addDataset(ctx, tenant, { name: 'feedback', bytes: Buffer.from(csv), maskPii: true });
  const stored = (await ctx.blobs.get(tenant, r.version.blobKey)).toString('utf8');
  assert.ok(!stored.includes('@'), stored);
  assert.ok(stored.includes('[EMAIL]'));
  assert.ok(stored.includes('motor noise'));
  assert.ok(r.version.maskingReport);
  // The unmasked bytes were never put: their content address is absent.
  const { createHash } = await import('node:crypto');
  assert.equal(await ctx.blobs.has(tenant, createHash('sha256').update(csv).digest('hex')), false);
  const preview = await previewVersion(ctx, tenant, 'feedback');
  assert.equal(preview.rows.length, 3);
});

test('dataset names must be slugs; limits and empty uploads are refused', async () => {
  await assert.rejects(
    addDataset(ctx, tenant, { name: 'my data', bytes: machinesCsv(5) }),
    (e: Error & { code?: string }) => e.code === 'invalid_input' && /letters, digits/.test(e.message),
  );
  await assert.rejects(addDataset(ctx, tenant, { name: 'big', bytes: machinesCsv(50), maxBytes: 100 }), { code: 'too_large' });
  await assert.rejects(addDataset(ctx, tenant, { name: 'empty', bytes: new Uint8Array() }), { code: 'empty_input' });
});

test('another tenant sees none of it; deleteDataset removes versions and unshared blobs', async () => {
  const other = await newTenant(ctx, 'other');
  await assert.rejects(getDataset(ctx, other, 'machines'), { code: 'not_found' });
  await assert.rejects(previewVersion(ctx, other, 'machines'), { code: 'not_found' });
  await assert.rejects(deleteDataset(ctx, other, 'machines'), { code: 'not_found' });
  assert.deepEqual(await listDatasets(ctx, other), []);
  const { version } = await addDataset(ctx, tenant, { name: 'scratch', bytes: machinesCsv(20, 9) });
  const r = await deleteDataset(ctx, tenant, 'scratch');
  assert.equal(r.versions, 1);
  assert.equal(await ctx.blobs.has(tenant, version.blobKey), false);
  await assert.rejects(getDataset(ctx, tenant, 'scratch'), { code: 'not_found' });
});
