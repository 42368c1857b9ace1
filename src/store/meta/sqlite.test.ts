// The SQLite MetaStore: the contract suite (in memory, and on a file with two connections), plus what is
// SQLite's own: pragmas, migrations on disk, a newer schema, writers in several threads, private files, and sealed cells on disk.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { AndonError } from '../../errors.js';
import { metaStoreContract } from './contract.js';
import { rejectsWith, SHA, testSealer } from './contract/util.js';
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
    assert.deepEqual(
      rows.map((r) => r.version),
      MIGRATIONS.map((_, i) => i + 1),
    );
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
  await assert.rejects(
    openSqliteMetaStore({ path }),
    (e: unknown) => e instanceof AndonError && e.code === 'unavailable' && /newer|upgrade/.test(e.message) && e.details.schemaVersion === MIGRATIONS.length + 5,
  );
});

test('sqlite: a file that is not a database is an integrity error, an unreachable path unavailable', async () => {
  const path = join(dir, 'garbage.db');
  (await import('node:fs')).writeFileSync(path, 'this is not sqlite'.repeat(100));
  await assert.rejects(openSqliteMetaStore({ path }), (e: unknown) => e instanceof AndonError && e.code === 'integrity_error');
  await assert.rejects(
    openSqliteMetaStore({ path: join(path, 'under-a-file', 'andon.db') }),
    (e: unknown) => e instanceof AndonError && e.code === 'unavailable',
  );
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
    const ready = new Promise<void>((res, rej) => {
      w.once('message', () => res());
      w.once('error', rej);
    });
    const done = ready.then(
      () =>
        new Promise<Result>((res, rej) => {
          w.once('message', res);
          w.once('error', rej);
        }),
    );
    return { w, ready, done };
  };
  const threads = [start(shas), start([...shas].reverse())];
  await Promise.all(threads.map((t) => t.ready));
  for (const t of threads) t.w.postMessage('go');
  const [r1, r2] = await Promise.all([
    threads[0]!.done,
    threads[1]!.done,
    (async () => {
      for (const sha of shas.slice(10, 20)) await store.datasets.addVersion(tenantId, datasetId, { sha256: sha, blobKey: sha, schema: {}, rows: 1, bytes: 1 });
    })(),
  ]);
  const versions = await store.datasets.listVersions(tenantId, datasetId);
  assert.equal(versions.length, 30);
  assert.deepEqual(
    versions.map((v) => v.number),
    Array.from({ length: 30 }, (_, i) => i + 1),
  );
  const bySha = new Map(versions.map((v) => [v.sha256, v.id]));
  for (const r of [...r1!, ...r2!]) assert.equal(r.id, bySha.get(r.sha));
  await store.close();
});

const modeOf = (p: string) => statSync(p).mode & 0o777;
/** Every byte of the database and of its WAL (when there is one), as latin1 text to search. */
const onDisk = (path: string) =>
  [path, `${path}-wal`]
    .filter(existsSync)
    .map((p) => readFileSync(p).toString('latin1'))
    .join('');

test(
  'sqlite: the database, its WAL and its folder are private to the owner; a looser file of an older Andon is tightened',
  { skip: process.platform === 'win32' },
  async () => {
    const path = fresh();
    const store = await openSqliteMetaStore({ path });
    await store.tenants.create({ name: 'A' });
    assert.equal(modeOf(join(path, '..')), 0o700);
    for (const f of [path, `${path}-wal`, `${path}-shm`]) assert.equal(modeOf(f), 0o600, f);
    await store.close();
    chmodSync(path, 0o644);
    await (await openSqliteMetaStore({ path })).close();
    assert.equal(modeOf(path), 0o600);
  },
);

test('sqlite: sealed values leave no clear copy in the database or its WAL, also for rows an older Andon wrote in clear', async () => {
  const OLD = 'old.customer@example.com',
    NEW = 'new.customer@example.com';
  // Large enough to spill into overflow pages, which an update frees.
  const valuesOf = (v: string) => ({
    schema: { columns: [{ name: 'email', examples: [v] }] },
    profile: { top: Array.from({ length: 200 }, (_, i) => `${i}:${v}`) },
  });
  const path = fresh();
  const old = await openSqliteMetaStore({ path });
  const t = (await old.tenants.create({ name: 'A' })).id;
  const ds = await old.datasets.create(t, { name: 'contacts' });
  const { version: v1 } = await old.datasets.addVersion(t, ds.id, { sha256: SHA(1), blobKey: SHA(1), rows: 1, bytes: 1, ...valuesOf(OLD) });
  await old.close();
  assert.ok(onDisk(path).includes(OLD), 'a row written in clear is visible in the file (so this check can see one)');

  const store = await openSqliteMetaStore({ path });
  store.sealValuesWith(testSealer());
  assert.equal(await store.sealClearValues(), 1);
  const { version: v2 } = await store.datasets.addVersion(t, ds.id, { sha256: SHA(2), blobKey: SHA(2), rows: 1, bytes: 1, ...valuesOf(NEW) });
  const open = onDisk(path);
  assert.ok(!open.includes('old.customer'), 'the value sealed after the fact is gone from the files at once');
  assert.ok(!open.includes('new.customer'), 'a new value is only written sealed');
  assert.deepEqual(
    [(await store.datasets.getVersion(t, v1.id))?.profile, (await store.datasets.getVersion(t, v2.id))?.profile],
    [valuesOf(OLD).profile, valuesOf(NEW).profile],
  );
  await store.close();
  assert.ok(!/(old|new)\.customer/.test(onDisk(path)), 'after close');
});

test('sqlite: a sealed cell copied to another row or field does not open', async () => {
  const path = fresh();
  const store = await openSqliteMetaStore({ path });
  store.sealValuesWith(testSealer());
  const t = (await store.tenants.create({ name: 'A' })).id;
  const ds = await store.datasets.create(t, { name: 'contacts' });
  const add = (n: number) => store.datasets.addVersion(t, ds.id, { sha256: SHA(n), blobKey: SHA(n), schema: { n }, profile: { n }, rows: n, bytes: n });
  const [{ version: a }, { version: b }] = [await add(1), await add(2)];
  const db = new Database(path);
  try {
    db.prepare('UPDATE dataset_versions SET profile_json = (SELECT profile_json FROM dataset_versions WHERE id = ?) WHERE id = ?').run(a.id, b.id);
    db.prepare('UPDATE dataset_versions SET schema_json = profile_json WHERE id = ?').run(a.id);
  } finally {
    db.close();
  }
  await rejectsWith(store.datasets.getVersion(t, b.id), 'integrity_error');
  await rejectsWith(store.datasets.getVersion(t, a.id), 'integrity_error');
  await store.close();
});
