// The master key: parsing, the key file (created once, 0600, atomically), and the start-up check that
// refuses a wrong, missing or malformed key with a clear message — through openStores as a server starts.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { AndonError } from '../errors.js';
import { embeddedStoreUrls } from '../store/index.js';
import { openEncryptedStores } from './stores.js';
import { openSqliteMetaStore } from '../store/meta/sqlite.js';
import { formatMasterKey, loadMasterKey, MASTER_KEY_FILE, masterKeyCheck, parseMasterKey, verifyMasterKey } from './master-key.js';

const base = mkdtempSync(join(tmpdir(), 'andon-mk-'));
after(() => rmSync(base, { recursive: true, force: true }));
const freshHome = () => join(base, randomUUID());

function isError(code: string, reason: string, message?: RegExp) {
  return (e: unknown) => {
    assert.ok(e instanceof AndonError, String(e));
    assert.equal(e.code, code, e.message);
    assert.equal(e.details.reason, reason, e.message);
    if (message) assert.match(e.message, message);
    return true;
  };
}

test('parseMasterKey: 64 hex digits or base64 of 32 bytes; anything else is refused without echoing it', () => {
  const key = randomBytes(32);
  assert.ok(parseMasterKey(key.toString('hex')).equals(key));
  assert.ok(parseMasterKey(key.toString('hex').toUpperCase()).equals(key));
  assert.ok(parseMasterKey(key.toString('base64')).equals(key));
  assert.ok(parseMasterKey(` ${key.toString('base64').replace(/=$/, '')}\n`).equals(key));
  assert.ok(parseMasterKey(key.toString('base64url')).equals(key));
  for (const bad of [
    '',
    'correct horse battery staple',
    randomBytes(31).toString('base64'),
    randomBytes(33).toString('base64'),
    key.toString('hex').slice(1),
    `${key.toString('hex')}00`,
    `${key.toString('base64').slice(0, 40)}!!!=`,
    randomBytes(48).toString('base64'),
  ]) {
    assert.throws(
      () => parseMasterKey(bad),
      (e: unknown) => {
        isError('invalid_input', 'master_key_malformed', /ANDON_MASTER_KEY is not a valid master key: it must be 32 bytes/)(e);
        if (bad.length > 4) assert.equal((e as Error).message.includes(bad.trim()), false, 'the value is not echoed');
        return true;
      },
    );
  }
});

test('masterKeyCheck: a stable id and check value that do not reveal the key', () => {
  const key = Buffer.alloc(32, 1);
  const c = masterKeyCheck(key);
  assert.deepEqual(masterKeyCheck(Buffer.alloc(32, 1)), c);
  assert.match(c.id, /^[0-9a-f]{16}$/);
  assert.match(c.checkValue, /^[0-9a-f]{64}$/);
  assert.notEqual(masterKeyCheck(Buffer.alloc(32, 2)).id, c.id);
  assert.equal(c.checkValue.includes(key.toString('hex')), false);
});

test('key file: created at the first start with mode 0600 and reused; concurrent first starts agree', async () => {
  const home = freshHome();
  const meta = await openSqliteMetaStore({ path: ':memory:' });
  const [x, y] = await Promise.all([loadMasterKey({ home, meta }), loadMasterKey({ home, meta })]);
  assert.ok(x.key.equals(y.key));
  assert.deepEqual([x.source, y.source].sort(), ['created', 'file']);
  const file = join(home, MASTER_KEY_FILE);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.deepEqual(readdirSync(home), [MASTER_KEY_FILE], 'no temp file is left');
  assert.ok(parseMasterKey(readFileSync(file, 'utf8')).equals(x.key));
  const again = await loadMasterKey({ home, meta });
  assert.deepEqual([again.source, again.id], ['file', x.id]);
  assert.ok(again.key.equals(x.key));
  chmodSync(file, 0o644);
  await assert.rejects(loadMasterKey({ home, meta }), isError('invalid_input', 'master_key_file_mode', /chmod 600/));
  await meta.close();
});

test('start: a wrong key, or a lost key file, fails with a clear message; a store with keys but no record is damaged', async () => {
  const home = freshHome();
  const meta = await openSqliteMetaStore({ path: ':memory:' });
  await meta.tenants.create({ id: 't1', name: 'T' });
  const { key } = await loadMasterKey({ home, meta });
  const other = randomBytes(32);
  await assert.rejects(
    loadMasterKey({ home, meta, env: formatMasterKey(other) }),
    isError('invalid_input', 'master_key_mismatch', /the master key does not match the one this home was created with/),
  );
  await assert.rejects(loadMasterKey({ home, meta, env: 'not a key' }), isError('invalid_input', 'master_key_malformed'));
  const fromEnv = await loadMasterKey({ home, meta, env: key.toString('hex') });
  assert.deepEqual([fromEnv.source, fromEnv.key.equals(key)], ['env', true]);
  unlinkSync(join(home, MASTER_KEY_FILE));
  await assert.rejects(loadMasterKey({ home, meta }), isError('unavailable', 'master_key_missing', /master key file .* is missing/));
  assert.equal(existsSync(join(home, MASTER_KEY_FILE)), false, 'no new key is made up for a home that had one');
  await meta.close();

  const path = join(freshHome(), 'andon.db');
  const damaged = await openSqliteMetaStore({ path });
  await damaged.tenants.create({ id: 't1', name: 'T' });
  await verifyMasterKey(damaged, key);
  await damaged.tenantKeys.create('t1', { id: 'ab'.repeat(16), wrapped: 'AAAA', masterKeyId: masterKeyCheck(key).id });
  // Someone removed the registry rows: wrapped keys without a master key record must not pass for a first start.
  const db = new Database(path);
  db.exec('PRAGMA foreign_keys = OFF; DELETE FROM master_keys;');
  db.close();
  await assert.rejects(verifyMasterKey(damaged, randomBytes(32)), isError('integrity_error', 'master_key_record_missing', /wrapped data key/));
  await damaged.close();
});

test('openStores: blobs are encrypted with a master key; a wrong or absent key for an encrypted home is refused', async () => {
  const home = freshHome();
  const urls = embeddedStoreUrls(home);
  let first: Buffer | undefined;
  const stores = await openEncryptedStores({ ...urls, masterKey: async (meta) => (first = (await loadMasterKey({ home, meta })).key) });
  await stores.meta.tenants.create({ id: 't1', name: 'T' });
  const ref = await stores.blobs.put('t1', Buffer.from('serial,torque\nSN-99812,41.2\n'));
  await stores.close();
  const files = readdirSync(join(home, 'blobs', 't1', ref.key.slice(0, 2)));
  assert.deepEqual(files, [ref.key]);
  assert.equal(readFileSync(join(home, 'blobs', 't1', ref.key.slice(0, 2), ref.key)).includes('SN-99812'), false);

  await assert.rejects(openEncryptedStores({ ...urls, masterKey: randomBytes(32) }), isError('invalid_input', 'master_key_mismatch', /does not match/));
  await assert.rejects(openEncryptedStores(urls), isError('invalid_input', 'master_key_required', /encrypts its blobs at rest/));
  const again = await openEncryptedStores({ ...urls, masterKey: first! });
  assert.equal((await again.blobs.get('t1', ref.key)).toString(), 'serial,torque\nSN-99812,41.2\n');
  await again.close();
});
