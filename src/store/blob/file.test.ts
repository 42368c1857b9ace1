// The file BlobStore: the contract suite, plus its layout on disk and the temp-file cleanup at open.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AndonError } from '../../errors.js';
import { blobStoreContract } from './contract.js';
import { FileBlobStore, openFileBlobStore } from './file.js';

const base = mkdtempSync(join(tmpdir(), 'andon-blob-'));
after(() => rmSync(base, { recursive: true, force: true }));
const freshRoot = () => join(base, randomUUID());
const tmpDir = (root: string, tenant: string) => join(root, tenant, '.tmp');
const count = (dir: string) => (existsSync(dir) ? readdirSync(dir).length : 0);

blobStoreContract('file', async () => {
  const root = freshRoot();
  const store = await openFileBlobStore({ root });
  return {
    store,
    async leavePartial(tenant, bytes) {
      mkdirSync(tmpDir(root, tenant), { recursive: true });
      const p = join(tmpDir(root, tenant), randomUUID());
      writeFileSync(p, bytes);
      // Left by a process that died a while ago.
      const old = new Date(Date.now() - 2 * 3_600_000);
      utimesSync(p, old, old);
    },
    partials: async (tenant) => count(tmpDir(root, tenant)),
    cleanPartials: () => new FileBlobStore({ root }).cleanTemp(),
    async corrupt(tenant, key) {
      const p = join(root, tenant, key.slice(0, 2), key);
      const size = statSync(p).size;
      writeFileSync(p, Buffer.alloc(size, 0x21));
    },
  };
});

test('file blobs: laid out as <tenant>/<ab>/<sha256>, owner-only, no temp file left', async () => {
  const root = freshRoot();
  const store = await openFileBlobStore({ root });
  const ref = await store.put('t1', Buffer.from('hello'));
  const p = join(root, 't1', ref.key.slice(0, 2), ref.key);
  assert.ok(existsSync(p));
  assert.equal(statSync(p).mode & 0o777, 0o600);
  assert.equal(count(tmpDir(root, 't1')), 0);
});

test('file blobs: opening removes old temp files but not ones a live put may still be writing', async () => {
  const root = freshRoot();
  mkdirSync(tmpDir(root, 't1'), { recursive: true });
  const old = join(tmpDir(root, 't1'), 'old');
  const young = join(tmpDir(root, 't1'), 'young');
  writeFileSync(old, 'x');
  writeFileSync(young, 'y');
  const then = new Date(Date.now() - 2 * 3_600_000);
  utimesSync(old, then, then);
  await openFileBlobStore({ root });
  assert.deepEqual(readdirSync(tmpDir(root, 't1')), ['young']);
  assert.equal(await new FileBlobStore({ root }).cleanTemp(0), 1);
});

test('file blobs: the store-wide size limit applies unless a put sets its own', async () => {
  const store = await openFileBlobStore({ root: freshRoot(), maxBytes: 4 });
  await assert.rejects(store.put('t1', Buffer.from('12345')), (e: unknown) => e instanceof AndonError && e.code === 'too_large' && e.details.limit === 4);
  assert.equal((await store.put('t1', Buffer.from('12345'), { maxBytes: 5 })).bytes, 5);
});

test('file blobs: an unreachable root is unavailable', async () => {
  const file = join(base, 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(openFileBlobStore({ root: join(file, 'blobs') }), (e: unknown) => e instanceof AndonError && e.code === 'unavailable');
  const store = new FileBlobStore({ root: join(base, 'never-made') });
  await assert.rejects(store.ping(), (e: unknown) => e instanceof AndonError && e.code === 'unavailable');
});
