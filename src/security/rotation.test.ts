// Master key rotation: every data key re-wrapped, no blob touched; interrupted half-way, the old key
// keeps working and the new one is refused until a re-run finishes; the key file is replaced safely.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AndonError } from '../errors.js';
import { embeddedStoreUrls, type Stores } from '../store/index.js';
import { openEncryptedStores } from './stores.js';
import type { MetaStore } from '../store/meta/types.js';
import { loadMasterKey, MASTER_KEY_FILE, masterKeyCheck, NEXT_SUFFIX, readKeyFile, writeKeyFile } from './master-key.js';
import { rotateMasterKey, rotateMasterKeyFile } from './rotation.js';

const base = mkdtempSync(join(tmpdir(), 'andon-rot-'));
after(() => rmSync(base, { recursive: true, force: true }));

function reason(r: string, message?: RegExp) {
  return (e: unknown) => e instanceof AndonError && e.details.reason === r && (!message || message.test(e.message));
}

/** A home with blobs of two tenants under `key`; returns what was put. */
async function home(key: Buffer) {
  const dir = join(base, randomUUID());
  const urls = embeddedStoreUrls(dir);
  const stores = await openEncryptedStores({ ...urls, masterKey: key });
  const put: Array<[string, string, string]> = [];
  for (const t of ['t1', 't2']) {
    await stores.meta.tenants.create({ id: t, name: t });
    for (const text of [`${t}: torque 41.2`, `${t}: spindle 7`]) put.push([t, (await stores.blobs.put(t, Buffer.from(text))).key, text]);
  }
  await stores.close();
  return { dir, urls, put };
}

function blobDigest(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(d, e.name));
      else h.update(e.name).update(readFileSync(join(d, e.name)));
    }
  };
  walk(join(dir, 'blobs'));
  return h.digest('hex');
}

async function readsAll(stores: Stores, put: Array<[string, string, string]>): Promise<void> {
  for (const [t, key, text] of put) assert.equal((await stores.blobs.get(t, key)).toString(), text);
}

test('rotation re-wraps every data key, leaves the blobs alone, and retires the old key', async () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const h = await home(oldKey);
  const before = blobDigest(h.dir);
  const stores = await openEncryptedStores({ ...h.urls, masterKey: oldKey });
  const wrappedBefore = (await stores.meta.tenantKeys.listAcrossTenants()).map((k) => k.wrapped);
  await assert.rejects(rotateMasterKey(stores.meta, oldKey, oldKey), reason('master_key_unchanged'));
  const result = await rotateMasterKey(stores.meta, oldKey, newKey);
  assert.deepEqual(result, { from: masterKeyCheck(oldKey).id, to: masterKeyCheck(newKey).id, rewrapped: 2, alreadyDone: false });
  const after = await stores.meta.tenantKeys.listAcrossTenants();
  assert.ok(after.every((k, i) => k.masterKeyId === result.to && k.wrapped !== wrappedBefore[i]));
  assert.equal((await rotateMasterKey(stores.meta, oldKey, newKey)).alreadyDone, true, 'running it again reports it done');
  await stores.close();
  assert.equal(blobDigest(h.dir), before, 'no blob was rewritten');
  await assert.rejects(openEncryptedStores({ ...h.urls, masterKey: oldKey }), reason('master_key_retired', /replaced by a rotation/));
  const reopened = await openEncryptedStores({ ...h.urls, masterKey: newKey });
  await readsAll(reopened, h.put);
  await reopened.close();
});

/** A MetaStore whose re-wrapping fails after `n` keys, as a process killed mid-rotation would stop. */
function dyingAfter(meta: MetaStore, n: number): MetaStore {
  let left = n;
  const keys = meta.tenantKeys;
  const tenantKeys = Object.create(keys) as typeof keys;
  tenantKeys.setNextWrapping = async (...args) => {
    if (left-- <= 0) throw new Error('killed');
    return keys.setNextWrapping(...args);
  };
  return Object.assign(Object.create(meta) as MetaStore, { tenantKeys });
}

test('rotation interrupted half-way: the old key still works (also for new tenants), the new one is refused, a re-run finishes', async () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);
  const h = await home(oldKey);
  const s1 = await openEncryptedStores({ ...h.urls, masterKey: oldKey });
  await assert.rejects(rotateMasterKey(dyingAfter(s1.meta, 1), oldKey, newKey), /killed/);
  const keys = await s1.meta.tenantKeys.listAcrossTenants();
  assert.deepEqual(
    keys.map((k) => k.nextMasterKeyId !== null),
    [true, false],
    'one key re-wrapped, one not',
  );
  await s1.close();

  await assert.rejects(openEncryptedStores({ ...h.urls, masterKey: newKey }), reason('master_key_rotation_pending', /unfinished rotation/));
  const s2 = await openEncryptedStores({ ...h.urls, masterKey: oldKey });
  await readsAll(s2, h.put);
  await s2.meta.tenants.create({ id: 't3', name: 't3' });
  h.put.push(['t3', (await s2.blobs.put('t3', Buffer.from('t3: created mid-rotation'))).key, 't3: created mid-rotation']);
  const result = await rotateMasterKey(s2.meta, oldKey, newKey);
  assert.equal(result.rewrapped, 3, 'the key created during the interruption is re-wrapped too');
  await s2.close();

  await assert.rejects(openEncryptedStores({ ...h.urls, masterKey: oldKey }), reason('master_key_retired'));
  const s3 = await openEncryptedStores({ ...h.urls, masterKey: newKey });
  await readsAll(s3, h.put);
  await s3.close();
});

test('rotation to another key after an interrupted one abandons the pending key', async () => {
  const oldKey = randomBytes(32);
  const lost = randomBytes(32);
  const newKey = randomBytes(32);
  const h = await home(oldKey);
  const s = await openEncryptedStores({ ...h.urls, masterKey: oldKey });
  await assert.rejects(rotateMasterKey(dyingAfter(s.meta, 1), oldKey, lost), /killed/);
  assert.equal((await rotateMasterKey(s.meta, oldKey, newKey)).rewrapped, 2);
  assert.deepEqual(
    (await s.meta.tenantKeys.masterKeys()).map((m) => [m.id, m.state]).sort(),
    [
      [masterKeyCheck(oldKey).id, 'retired'],
      [masterKeyCheck(newKey).id, 'active'],
    ].sort(),
  );
  await s.close();
  await assert.rejects(openEncryptedStores({ ...h.urls, masterKey: lost }), reason('master_key_mismatch'));
});

test('key file rotation: the new key is written first, replaces the file after the commit, and a crash in between is finished at start', async () => {
  const dir = join(base, randomUUID());
  const urls = embeddedStoreUrls(dir);
  const file = join(dir, MASTER_KEY_FILE);
  const open = () => openEncryptedStores({ ...urls, masterKey: async (meta) => (await loadMasterKey({ home: dir, meta })).key });
  const s1 = await open();
  await s1.meta.tenants.create({ id: 't1', name: 't1' });
  const ref = await s1.blobs.put('t1', Buffer.from('line 3 recipe'));
  const k1 = (await readKeyFile(file))!;
  const r = await rotateMasterKeyFile(s1.meta, file);
  assert.equal(r.rewrapped, 1);
  const k2 = (await readKeyFile(file))!;
  assert.ok(k2.equals(r.newKey) && !k2.equals(k1));
  assert.equal(existsSync(file + NEXT_SUFFIX), false);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  await s1.close();
  const s2 = await open();
  assert.equal((await s2.blobs.get('t1', ref.key)).toString(), 'line 3 recipe');

  // Crash after the store committed but before the file was replaced: the next start finishes it.
  const k3 = randomBytes(32);
  await writeKeyFile(file + NEXT_SUFFIX, k3);
  await rotateMasterKey(s2.meta, k2, k3);
  await s2.close();
  assert.ok((await readKeyFile(file))!.equals(k2), 'still the old key in the file');
  const s3 = await open();
  assert.ok((await readKeyFile(file))!.equals(k3));
  assert.equal(existsSync(file + NEXT_SUFFIX), false);
  assert.equal((await s3.blobs.get('t1', ref.key)).toString(), 'line 3 recipe');

  // Crash before the commit: the old file is still valid, and a re-run reuses the `.next` key.
  const k4 = randomBytes(32);
  await writeKeyFile(file + NEXT_SUFFIX, k4);
  await assert.rejects(rotateMasterKey(dyingAfter(s3.meta, 0), k3, k4), /killed/);
  await s3.close();
  const s4 = await open();
  assert.ok((await readKeyFile(file))!.equals(k3));
  assert.equal((await s4.blobs.get('t1', ref.key)).toString(), 'line 3 recipe');
  const again = await rotateMasterKeyFile(s4.meta, file);
  assert.ok(again.newKey.equals(k4));
  assert.ok((await readKeyFile(file))!.equals(k4));
  // A process still running with the retired key keeps the data keys it unwrapped, but wraps no new one.
  assert.equal((await s4.blobs.get('t1', ref.key)).toString(), 'line 3 recipe');
  await s4.meta.tenants.create({ id: 't2', name: 't2' });
  await assert.rejects(s4.blobs.put('t2', Buffer.from('x')), reason('master_key_not_active', /restart with the current master key/));
  await s4.close();
  const s5 = await open();
  assert.equal((await s5.blobs.put('t2', Buffer.from('x'))).bytes, 1);
  await s5.close();
});
