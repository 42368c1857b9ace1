// A home whose version rows an older Andon wrote in clear: opening it seals them under the tenant key at once, and the service still answers the same values.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteMetaStore } from '../store/meta/sqlite.js';
import { getDataset } from './datasets.js';
import { newTenant, openContext, tempHome } from './test-helpers.js';

const EMAIL = 'legacy.operator@plant.example';
const inFiles = (home: string) =>
  ['andon.db', 'andon.db-wal']
    .map((f) => join(home, f))
    .filter(existsSync)
    .some((f) => readFileSync(f).includes(EMAIL));

test('opening a home with clear version rows seals them; the values read back the same', async () => {
  const home = await tempHome();
  try {
    const first = await openContext(home.home, { consume: false });
    const tenant = await newTenant(first);
    await first.close();
    // What an Andon before sealing left behind: a version row with the data's values in clear.
    const old = await openSqliteMetaStore({ path: join(home.home, 'andon.db') });
    const ds = await old.datasets.ensure(tenant, 'contacts');
    const profile = { columns: [{ name: 'email', top: [{ value: EMAIL, count: 3 }] }] };
    await old.datasets.addVersion(tenant, ds.id, {
      sha256: 'a'.repeat(64),
      blobKey: 'a'.repeat(64),
      schema: { columns: [{ name: 'email', type: 'category' }] },
      profile,
      rows: 3,
      bytes: 90,
    });
    await old.close();
    assert.ok(inFiles(home.home), 'the clear row is on disk before');

    const ctx = await openContext(home.home, { consume: false });
    try {
      assert.ok(!inFiles(home.home), 'sealed at open, with no clear copy left in the files');
      assert.deepEqual((await getDataset(ctx, tenant, 'contacts')).versions[0]?.profile, profile);
    } finally {
      await ctx.close();
    }
  } finally {
    await home.remove();
  }
});
