// The encrypting BlobStore: the contract suite over a file store, and what an attacker with the blob
// folder can and cannot do — read values, flip or cut bytes (also re-hashing the file so the file
// store's own checksum passes), move a blob to another tenant.
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AndonError } from '../errors.js';
import { BLOB_OVERHEAD, unwrapDataKey } from './envelope.js';
import { TenantKeyring } from './keyring.js';
import { verifyMasterKey } from './master-key.js';
import { openSqliteMetaStore } from '../store/meta/sqlite.js';
import type { MetaStore } from '../store/meta/types.js';
import { blobStoreContract } from '../store/blob/contract.js';
import { EncryptedBlobStore } from './encrypted-blobs.js';
import { FileBlobStore, openFileBlobStore } from '../store/blob/file.js';

const base = mkdtempSync(join(tmpdir(), 'andon-enc-'));
after(() => rmSync(base, { recursive: true, force: true }));
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const A = 'tenant-a';
const B = 'tenant-b';

async function open(options: { meta?: MetaStore; masterKey?: Buffer; root?: string } = {}) {
  const root = options.root ?? join(base, randomUUID());
  const meta = options.meta ?? (await openSqliteMetaStore({ path: ':memory:' }));
  if (!options.meta) for (const id of [A, B]) await meta.tenants.create({ id, name: id });
  const masterKey = options.masterKey ?? randomBytes(32);
  await verifyMasterKey(meta, masterKey);
  const store = new EncryptedBlobStore(await openFileBlobStore({ root }), new TenantKeyring(meta, masterKey));
  return { root, meta, masterKey, store, file: (tenant: string, key: string) => join(root, tenant, key.slice(0, 2), key) };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AndonError, `expected an AndonError, got ${String(e)}`);
    return e.code;
  }
  return 'resolved';
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : [join(dir, d.name)]));
}

/** Writes altered bytes under the name the file store expects for them, as an attacker who knows the layout would. */
function plant(root: string, tenant: string, bytes: Buffer): string {
  const key = sha(bytes);
  mkdirSync(join(root, tenant, key.slice(0, 2)), { recursive: true });
  writeFileSync(join(root, tenant, key.slice(0, 2), key), bytes, { mode: 0o600 });
  return key;
}

blobStoreContract('encrypted over file', async () => {
  const t = await open();
  const tmp = (tenant: string) => join(t.root, tenant, '.tmp');
  return {
    store: t.store,
    keyOf: (tenant, bytes) => t.store.keyOf(tenant, bytes),
    async leavePartial(tenant, bytes) {
      mkdirSync(tmp(tenant), { recursive: true });
      const p = join(tmp(tenant), randomUUID());
      writeFileSync(p, bytes);
      const old = new Date(Date.now() - 2 * 3_600_000);
      utimesSync(p, old, old);
    },
    partials: async (tenant) => (existsSync(tmp(tenant)) ? readdirSync(tmp(tenant)).length : 0),
    cleanPartials: () => new FileBlobStore({ root: t.root }).cleanTemp(),
    async corrupt(tenant, key) {
      const p = t.file(tenant, key);
      writeFileSync(p, Buffer.alloc(statSync(p).size, 0x21));
    },
    dispose: () => t.meta.close(),
  };
});

const CSV = 'UDI,Product ID,Torque [Nm],Operator e-mail\n48213,M14860,42.77,wei.zhang@plant-7.example\n48214,L47181,46.31,ana.silva@plant-7.example\n';

test('encrypted blobs: nothing on disk contains the uploaded values, and names do not reveal the content', async () => {
  const t = await open();
  const ref = await t.store.put(A, Buffer.from(CSV));
  assert.equal(ref.sha256, sha(Buffer.from(CSV)));
  assert.notEqual(ref.key, sha(Buffer.from(CSV)), 'the name is not the plaintext hash');
  const files = filesUnder(t.root);
  assert.equal(files.length, 1);
  const stored = readFileSync(files[0]!);
  assert.equal(stored.length, Buffer.byteLength(CSV) + BLOB_OVERHEAD);
  assert.equal(stored.subarray(0, 4).toString('latin1'), 'ANDE');
  for (const value of ['48213', 'M14860', '42.77', 'wei.zhang', 'plant-7', 'Torque', 'UDI,Product']) {
    for (const enc of ['utf8', 'utf16le'] as const) assert.equal(stored.includes(Buffer.from(value, enc)), false, `${value} (${enc}) is on disk in clear`);
    assert.equal(files[0]!.includes(value), false);
  }
  assert.deepEqual(await t.store.stat(A, ref.key), { bytes: Buffer.byteLength(CSV) });
  // The same content in tenant B is stored under another name with other bytes: equality across tenants does not show.
  const refB = await t.store.put(B, Buffer.from(CSV));
  assert.notEqual(refB.key, ref.key);
  assert.equal(readFileSync(t.file(B, refB.key)).includes(stored.subarray(BLOB_OVERHEAD, BLOB_OVERHEAD + 32)), false);
  await t.meta.close();
});

test('encrypted blobs: a flipped byte anywhere is an integrity_error, even when the file is re-hashed to pass the checksum', async () => {
  const t = await open();
  const ref = await t.store.put(A, Buffer.from(CSV));
  const sealed = readFileSync(t.file(A, ref.key));
  // magic, version, key id, nonce, ciphertext start and middle, tag
  for (const at of [0, 4, 5, 20, 21, 32, 33, 60, sealed.length - 16, sealed.length - 1]) {
    const bad = Buffer.from(sealed);
    bad[at]! ^= 0x01;
    const key = plant(t.root, A, bad);
    const e = await t.store.get(A, key).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(e instanceof AndonError && e.code === 'integrity_error', `byte ${at}: ${String(e)}`);
    assert.equal(
      await code(
        (async () => {
          for await (const _ of await t.store.createReadStream(A, key)) {
            /* drain */
          }
        })(),
      ),
      'integrity_error',
    );
  }
  // In place, without re-hashing: the file store's checksum already refuses it.
  const bad = Buffer.from(sealed);
  bad[40]! ^= 0x80;
  writeFileSync(t.file(A, ref.key), bad);
  assert.equal(await code(t.store.get(A, ref.key)), 'integrity_error');
  await t.meta.close();
});

test('encrypted blobs: a truncated or extended file is an integrity_error', async () => {
  const t = await open();
  const ref = await t.store.put(A, Buffer.from(CSV));
  const sealed = readFileSync(t.file(A, ref.key));
  for (const bytes of [
    sealed.subarray(0, sealed.length - 1),
    sealed.subarray(0, sealed.length - 16),
    sealed.subarray(0, 40),
    sealed.subarray(0, BLOB_OVERHEAD - 1),
    sealed.subarray(0, 3),
    Buffer.alloc(0),
    Buffer.concat([sealed, Buffer.of(0)]),
  ]) {
    assert.equal(await code(t.store.get(A, plant(t.root, A, Buffer.from(bytes)))), 'integrity_error', `${bytes.length} bytes`);
  }
  writeFileSync(t.file(A, ref.key), sealed.subarray(0, sealed.length - 5));
  assert.equal(await code(t.store.get(A, ref.key)), 'integrity_error');
  await t.meta.close();
});

test('encrypted blobs: another tenant cannot read a blob, even copied into its own folder', async () => {
  const t = await open();
  const ref = await t.store.put(A, Buffer.from(CSV));
  assert.equal(await code(t.store.get(B, ref.key)), 'not_found');
  const copied = plant(t.root, B, readFileSync(t.file(A, ref.key)));
  assert.equal(copied, ref.key);
  const e = await t.store.get(B, copied).then(
    () => null,
    (err: unknown) => err,
  );
  assert.ok(e instanceof AndonError && e.code === 'integrity_error', String(e));
  // B has a key of its own now; A's blob is still not readable as B's.
  await t.store.put(B, Buffer.from('b data'));
  assert.equal(await code(t.store.get(B, copied)), 'integrity_error');
  assert.equal((await t.store.get(A, ref.key)).toString(), CSV);
  await t.meta.close();
});

test('encrypted blobs: data keys persist wrapped; racing first uses in two processes agree on one key', async () => {
  const dir = join(base, randomUUID());
  const path = join(dir, 'andon.db');
  const meta1 = await openSqliteMetaStore({ path });
  await meta1.tenants.create({ id: A, name: 'A' });
  const t1 = await open({ meta: meta1, root: join(dir, 'blobs') });
  const meta2 = await openSqliteMetaStore({ path });
  const t2 = await open({ meta: meta2, masterKey: t1.masterKey, root: t1.root });
  const [r1, r2] = await Promise.all([t1.store.put(A, Buffer.from('one')), t2.store.put(A, Buffer.from('two'))]);
  assert.equal((await meta1.tenantKeys.list(A)).length, 1);
  assert.equal((await t2.store.get(A, r1.key)).toString(), 'one');
  assert.equal((await t1.store.get(A, r2.key)).toString(), 'two');
  const row = (await meta1.tenantKeys.list(A))[0]!;
  const db = Buffer.concat([path, `${path}-wal`].filter(existsSync).map((p) => readFileSync(p)));
  assert.equal(db.includes(Buffer.from(row.wrapped)), true, 'the wrapped key is what is stored');
  const raw = unwrapDataKey(t1.masterKey, A, row.id, row.wrapped).key;
  for (const form of [raw, Buffer.from(raw.toString('hex')), Buffer.from(raw.toString('base64'))])
    assert.equal(db.includes(form), false, 'the data key is never stored in clear');
  await meta2.close();
  await meta1.close();
  // A fresh process with the same master key reads the blobs back.
  const meta3 = await openSqliteMetaStore({ path });
  const t3 = await open({ meta: meta3, masterKey: t1.masterKey, root: t1.root });
  assert.equal((await t3.store.get(A, r2.key)).toString(), 'two');
  await meta3.close();
});
