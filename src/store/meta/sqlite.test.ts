// The SQLite MetaStore: the contract suite (in memory, and on a file with two connections), plus what is
// SQLite's own: pragmas, migrations on disk, a newer schema, and writers in several threads.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AndonError } from '../../errors.js';
import { metaStoreContract } from './contract.js';
import { SHA } from './contract/util.js';
import { MIGRATIONS } from './schema.js';
import { openSqliteMetaStore } from './sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-meta-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `db-${++n}`, 'andon.db');

metaStoreContract('sqlite in memory', () => openSqliteMetaStore({ path: ':memory:' }));

metaStoreContract('sqlite on a file', () => openSqliteMetaStore({ path: fresh() }), {
  openPair: async () => {
    const path = fresh();
    return [await openSqliteMetaStore({ path }), await openSqliteMetaStore({ path })];
  },
});

test('sqlite: a file database uses WAL and foreign keys, and records its migrations once', async () => {
  const path = fresh();
  const s1 = await openSqliteMetaStore({ path });
  await s1.tenants.create({ id: 't1', name: 'T' });
  await s1.close();
  const s2 = await openSqliteMetaStore({ path });
  assert.deepEqual(await s2.migrate(), []);
  assert.equal((await s2.tenants.get('t1'))?.name, 'T', 'data survives a reopen');
  await s2.close();
  const db = new Database(path, { readonly: true });
  try {
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    const rows = db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as Array<{ version: number }>;
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((_, i) => i + 1));
  } finally {
    db.close();
  }
});

test('sqlite: a database written by a newer Andon is refused with a clear error', async () => {
  const path = fresh();
  await (await openSqliteMetaStore({ path })).close();
  const db = new Database(path);
  db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(MIGRATIONS.length + 5, new Date().toISOString());
  db.close();
  await assert.rejects(openSqliteMetaStore({ path }), (e: unknown) =>
    e instanceof AndonError && e.code === 'unavailable' && /newer|upgrade/.test(e.message) && e.details.schemaVersion === MIGRATIONS.length + 5);
});

test('sqlite: a file that is not a database is an integrity error, an unreachable path unavailable', async () => {
  const path = join(dir, 'garbage.db');
  (await import('node:fs')).writeFileSync(path, 'this is not sqlite'.repeat(100));
  await assert.rejects(openSqliteMetaStore({ path }), (e: unknown) => e instanceof AndonError && e.code === 'integrity_error');
  await assert.rejects(openSqliteMetaStore({ path: join(path, 'under-a-file', 'andon.db') }), (e: unknown) => e instanceof AndonError && e.code === 'unavailable');
});

test('sqlite: writers in two threads racing on one file end with one version per content', async () => {
  const path = fresh();
  const store = await openSqliteMetaStore({ path });
  const tenantId = (await store.tenants.create({ name: 'A' })).id;
  const datasetId = (await store.datasets.create(tenantId, { name: 'race' })).id;
  const shas = Array.from({ length: 30 }, (_, i) => SHA(100 + i));
  // Two threads add the same contents, in opposite orders, while this thread adds some too.
  const bootstrap = (file: string) => `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(file)}); })`;
  const file = new URL('./sqlite-race.worker.ts', import.meta.url).href;
  type Result = Array<{ sha: string; id: string; created: boolean }>;
  const start = (list: string[]) => {
    const w = new Worker(bootstrap(file), { eval: true, workerData: { path, tenantId, datasetId, shas: list } });
    const ready = new Promise<void>((res, rej) => { w.once('message', () => res()); w.once('error', rej); });
    const done = ready.then(() => new Promise<Result>((res, rej) => { w.once('message', res); w.once('error', rej); }));
    return { w, ready, done };
  };
  const threads = [start(shas), start([...shas].reverse())];
  await Promise.all(threads.map((t) => t.ready));
  for (const t of threads) t.w.postMessage('go');
  const [r1, r2] = await Promise.all([threads[0]!.done, threads[1]!.done,
    (async () => { for (const sha of shas.slice(10, 20)) await store.datasets.addVersion(tenantId, datasetId, { sha256: sha, blobKey: sha, schema: {}, rows: 1, bytes: 1 }); })()]);
  const versions = await store.datasets.listVersions(tenantId, datasetId);
  assert.equal(versions.length, 30);
  assert.deepEqual(versions.map((v) => v.number), Array.from({ length: 30 }, (_, i) => i + 1));
  const bySha = new Map(versions.map((v) => [v.sha256, v.id]));
  for (const r of [...r1!, ...r2!]) assert.equal(r.id, bySha.get(r.sha));
  await store.close();
});
