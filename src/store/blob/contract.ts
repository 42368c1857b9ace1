// The BlobStore contract suite. An implementation's test registers it with a factory that opens an
// empty store, plus hooks for what only the implementation can do: leave the debris of a crashed put,
// and alter stored bytes behind the store's back.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { AndonError } from '../../errors.js';
import type { BlobStore } from './types.js';

export interface BlobUnderTest {
  store: BlobStore;
  /** Leaves what a put killed mid-write would leave (a partial temp file of these bytes). */
  leavePartial?(tenantId: string, bytes: Uint8Array): Promise<void>;
  /** How many partial writes are lying around for the tenant. */
  partials?(tenantId: string): Promise<number>;
  /** What the implementation does at start about partial writes; returns how many it removed. */
  cleanPartials?(): Promise<number>;
  /**
   * The key a put of these bytes by the tenant returns. Default: their sha256 (a plain content-addressed
   * store). An encrypting store names blobs by what it stores, so its keys differ per tenant.
   */
  keyOf?(tenantId: string, bytes: Uint8Array): Promise<string>;
  /** Alters the stored bytes of a blob without going through the store. */
  corrupt?(tenantId: string, key: string): Promise<void>;
  dispose?(): Promise<void>;
}

export type BlobFactory = () => Promise<BlobUnderTest>;

const A = 'tenant-a';
const B = 'tenant-b';
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function* chunks(parts: Uint8Array[], failAfter?: number): AsyncIterable<Uint8Array> {
  let i = 0;
  for (const p of parts) {
    if (failAfter !== undefined && i++ === failAfter) throw new Error('client went away');
    await new Promise((res) => setImmediate(res));
    yield p;
  }
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

async function keys(store: BlobStore, tenant: string): Promise<string[]> {
  const out: string[] = [];
  for await (const k of store.list(tenant)) out.push(k);
  return out.sort();
}

async function drain(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function using(factory: BlobFactory, fn: (t: BlobUnderTest) => Promise<void>): Promise<void> {
  const t = await factory();
  t.keyOf ??= async (_tenant, bytes) => sha(bytes);
  try {
    await fn(t);
  } finally {
    await t.store.close();
    await t.dispose?.();
  }
}

export function blobStoreContract(name: string, factory: BlobFactory): void {
  describe(`BlobStore contract: ${name}`, () => {
    test('put is content-addressed; get, stat, has, list and streams return the bytes; a second put is a no-op', async () => {
      await using(factory, async ({ store, keyOf }) => {
        const bytes = Buffer.from('timestamp,temp\n1,20.5\n');
        const ref = await store.put(A, bytes);
        assert.deepEqual(ref, { key: await keyOf!(A, bytes), sha256: sha(bytes), bytes: bytes.length });
        assert.deepEqual(await store.get(A, ref.key), bytes);
        assert.deepEqual(await store.stat(A, ref.key), { bytes: bytes.length });
        assert.equal(await store.has(A, ref.key), true);
        assert.deepEqual(await drain(await store.createReadStream(A, ref.key)), bytes);
        assert.deepEqual(await store.put(A, Buffer.from(bytes)), ref);
        assert.deepEqual(await keys(store, A), [ref.key]);
        const empty = await store.put(A, new Uint8Array(0));
        assert.deepEqual([empty.bytes, (await store.get(A, empty.key)).length], [0, 0]);
        await store.ping();
      });
    });

    test('streamed puts equal buffered ones, across chunk boundaries and concurrent writers', async () => {
      await using(factory, async ({ store, keyOf }) => {
        const big = Buffer.alloc(300_000);
        for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
        const parts = [big.subarray(0, 1), big.subarray(1, 65_537), big.subarray(65_537)];
        const refs = await Promise.all([store.put(A, chunks(parts)), store.put(A, chunks(parts)), store.put(A, big)]);
        const key = await keyOf!(A, big);
        assert.ok(refs.every((r) => r.key === key && r.sha256 === sha(big) && r.bytes === big.length));
        assert.deepEqual(await keys(store, A), [key]);
        assert.ok((await store.get(A, key)).equals(big));
        assert.ok((await drain(await store.createReadStream(A, key))).equals(big));
      });
    });

    test("tenants are apart: another tenant's key is not found, not listed, not deleted", async () => {
      await using(factory, async ({ store, keyOf }) => {
        const ref = await store.put(A, Buffer.from('secret recipe'));
        assert.equal(await code(store.get(B, ref.key)), 'not_found');
        assert.equal(await code(store.createReadStream(B, ref.key)), 'not_found');
        assert.equal(await store.has(B, ref.key), false);
        assert.equal(await store.stat(B, ref.key), null);
        assert.equal(await store.delete(B, ref.key), false);
        assert.deepEqual(await keys(store, B), []);
        assert.equal(await store.has(A, ref.key), true);
        const refB = await store.put(B, Buffer.from('secret recipe'));
        assert.deepEqual(refB, { ...ref, key: await keyOf!(B, Buffer.from('secret recipe')) }, "the same bytes in tenant B are B's own copy");
        assert.equal(await store.delete(B, refB.key), true);
        assert.equal(await store.has(A, ref.key), true);
        assert.deepEqual(await store.get(A, ref.key), Buffer.from('secret recipe'));
      });
    });

    test('delete removes a blob; missing blobs are not_found', async () => {
      await using(factory, async ({ store }) => {
        const ref = await store.put(A, Buffer.from('x'));
        assert.equal(await store.delete(A, ref.key), true);
        assert.equal(await store.delete(A, ref.key), false);
        assert.equal(await store.has(A, ref.key), false);
        assert.equal(await code(store.get(A, ref.key)), 'not_found');
        assert.deepEqual(await keys(store, A), []);
      });
    });

    test('size limit: a streamed put over the limit is too_large and leaves nothing', async () => {
      await using(factory, async (t) => {
        const parts = Array.from({ length: 10 }, () => Buffer.alloc(1000, 1));
        assert.equal(await code(t.store.put(A, chunks(parts), { maxBytes: 9999 })), 'too_large');
        assert.equal(await code(t.store.put(A, Buffer.alloc(10), { maxBytes: 9 })), 'too_large');
        assert.deepEqual(await keys(t.store, A), []);
        if (t.partials) assert.equal(await t.partials(A), 0, 'the temp file is removed');
        assert.equal((await t.store.put(A, chunks(parts), { maxBytes: 10_000 })).bytes, 10_000);
      });
    });

    test('a source that fails mid-stream stores nothing', async () => {
      await using(factory, async (t) => {
        await assert.rejects(t.store.put(A, chunks([Buffer.from('a'), Buffer.from('b'), Buffer.from('c')], 2)), /client went away/);
        assert.deepEqual(await keys(t.store, A), []);
        if (t.partials) assert.equal(await t.partials(A), 0);
      });
    });

    test('malformed keys and tenant ids (path traversal) are invalid_input', async () => {
      await using(factory, async ({ store }) => {
        const ref = await store.put(A, Buffer.from('x'));
        const bad = [
          '',
          '..',
          `../${ref.key}`,
          `${ref.key.slice(0, 2)}/${ref.key}`,
          `${ref.key}/..`,
          ref.key.toUpperCase(),
          ref.key.slice(1),
          `${ref.key}0`,
          '../../../../etc/passwd',
          `..%2f${ref.key.slice(6)}`,
          `${ref.key.slice(0, 63)}\0`,
        ];
        for (const key of bad) {
          for (const op of [store.get(A, key), store.createReadStream(A, key), store.has(A, key), store.stat(A, key), store.delete(A, key)]) {
            assert.equal(await code(op), 'invalid_input', `key ${JSON.stringify(key)}`);
          }
        }
        for (const tenant of ['..', '../tenant-a', 'a/b', '', '.tmp', 'x\0']) {
          assert.equal(await code(store.put(tenant, Buffer.from('x'))), 'invalid_input', `tenant ${JSON.stringify(tenant)}`);
          assert.equal(await code(store.get(tenant, ref.key)), 'invalid_input', `tenant ${JSON.stringify(tenant)}`);
        }
      });
    });

    test('a crash mid-put leaves nothing that reads as a blob, and the debris is cleaned', async (ctx) => {
      const probe = await factory();
      const supported = Boolean(probe.leavePartial && probe.partials && probe.cleanPartials);
      await probe.store.close();
      await probe.dispose?.();
      if (!supported) {
        ctx.skip('the implementation has no partial writes to simulate');
        return;
      }
      await using(factory, async (t) => {
        const kept = await t.store.put(A, Buffer.from('complete'));
        const partial = Buffer.from('half of a dataset');
        await t.leavePartial!(A, partial);
        assert.equal(await t.partials!(A), 1);
        assert.deepEqual(await keys(t.store, A), [kept.key], 'the partial write is not listed');
        assert.equal(await t.store.has(A, await t.keyOf!(A, partial)), false);
        assert.equal(await code(t.store.get(A, await t.keyOf!(A, partial))), 'not_found');
        const ref = await t.store.put(A, partial);
        assert.ok((await t.store.get(A, ref.key)).equals(partial), 'putting the content again stores it whole');
        assert.equal(await t.cleanPartials!(), 1);
        assert.equal(await t.partials!(A), 0);
        assert.deepEqual(await keys(t.store, A), [kept.key, ref.key].sort());
      });
    });

    test('bytes altered behind the store are an integrity_error, never returned', async (ctx) => {
      await using(factory, async (t) => {
        if (!t.corrupt) {
          ctx.skip('no way to alter stored bytes');
          return;
        }
        const ref = await t.store.put(A, Buffer.from('torque,speed\n40,1500\n'));
        await t.corrupt(A, ref.key);
        assert.equal(await code(t.store.get(A, ref.key)), 'integrity_error');
        assert.equal(await code(drain(await t.store.createReadStream(A, ref.key))), 'integrity_error');
      });
    });
  });
}
