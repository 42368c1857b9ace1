// Envelope encryption: wrapped data keys and sealed blobs round-trip, and every alteration, truncation
// or substitution an attacker could try is an integrity_error.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { AndonError } from '../errors.js';
import { BLOB_HEADER_BYTES, BLOB_OVERHEAD, newDataKey, openBlob, openBlobWith, parseBlobHeader, sealBlob, unwrapDataKey, wrapDataKey } from './envelope.js';

function integrity(fn: () => unknown, label = ''): AndonError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof AndonError, `${label}: expected an AndonError, got ${String(e)}`);
    assert.equal(e.code, 'integrity_error', `${label}: ${e.message}`);
    return e;
  }
  assert.fail(`${label}: expected integrity_error`);
}

test('data keys: wrapped under the master key, bound to tenant and key id', () => {
  const master = randomBytes(32);
  const dk = newDataKey();
  assert.match(dk.id, /^[0-9a-f]{32}$/);
  const wrapped = wrapDataKey(master, 'ten_a', dk);
  assert.notEqual(wrapDataKey(master, 'ten_a', dk), wrapped, 'random nonce per wrapping');
  assert.equal(Buffer.from(wrapped, 'base64').includes(dk.key), false);
  assert.ok(unwrapDataKey(master, 'ten_a', dk.id, wrapped).key.equals(dk.key));
  assert.match(integrity(() => unwrapDataKey(randomBytes(32), 'ten_a', dk.id, wrapped), 'wrong master').message, /wrong master key/);
  integrity(() => unwrapDataKey(master, 'ten_b', dk.id, wrapped), 'moved to another tenant');
  integrity(() => unwrapDataKey(master, 'ten_a', newDataKey().id, wrapped), 'moved to another key id');
  const raw = Buffer.from(wrapped, 'base64');
  for (let i = 0; i < raw.length; i++) {
    const bad = Buffer.from(raw);
    bad[i]! ^= 0x04;
    integrity(() => unwrapDataKey(master, 'ten_a', dk.id, bad.toString('base64')), `byte ${i}`);
  }
  integrity(() => unwrapDataKey(master, 'ten_a', dk.id, raw.subarray(0, raw.length - 1).toString('base64')), 'truncated');
  integrity(() => unwrapDataKey(master, 'ten_a', dk.id, ''), 'empty');
});

test('blobs: sealed with an authenticated header; deterministic per key and context unless random', async () => {
  const dk = newDataKey();
  const plain = Buffer.from('temp,pressure\n21.5,1.01\n');
  const sealed = sealBlob(dk, plain, 'ten_a');
  assert.equal(sealed.length, plain.length + BLOB_OVERHEAD);
  assert.equal(sealed.includes(plain.subarray(0, 8)), false);
  const header = parseBlobHeader(sealed);
  assert.deepEqual([header.version, header.keyId, header.nonce.length], [1, dk.id, 12]);
  assert.ok(sealBlob(dk, plain, 'ten_a').equals(sealed), 'the same plaintext gives the same blob (deduplication)');
  assert.ok(!sealBlob(dk, plain, 'ten_b').equals(sealed), 'another context gives another blob');
  assert.ok(
    !sealBlob(dk, Buffer.from('temp,pressure\n21.5,1.02\n'), 'ten_a').subarray(0, BLOB_HEADER_BYTES).equals(sealed.subarray(0, BLOB_HEADER_BYTES)),
    'a different plaintext gets a different nonce',
  );
  const r1 = sealBlob(dk, plain, 'ten_a', { random: true });
  assert.ok(!r1.equals(sealBlob(dk, plain, 'ten_a', { random: true })));
  assert.ok(openBlobWith(dk, r1, 'ten_a').equals(plain));
  assert.ok((await openBlob(sealed, 'ten_a', (id) => (id === dk.id ? dk : null))).equals(plain));
  assert.equal(openBlobWith(dk, sealBlob(dk, new Uint8Array(0), 'ten_a'), 'ten_a').length, 0);
  const nonces = new Set(Array.from({ length: 2000 }, (_, i) => parseBlobHeader(sealBlob(dk, Buffer.from(`row ${i}`), 'ten_a')).nonce.toString('hex')));
  assert.equal(nonces.size, 2000);
});

test('blobs: every flipped bit position and every truncation fails authentication', () => {
  const dk = newDataKey();
  const sealed = sealBlob(dk, Buffer.from('spindle=7'), 'ten_a');
  for (let i = 0; i < sealed.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= bit;
      integrity(() => openBlobWith(dk, bad, 'ten_a'), `byte ${i} bit ${bit}`);
    }
  }
  for (let len = 0; len < sealed.length; len++) integrity(() => openBlobWith(dk, sealed.subarray(0, len), 'ten_a'), `truncated to ${len}`);
  integrity(() => openBlobWith(dk, Buffer.concat([sealed, Buffer.of(0)]), 'ten_a'), 'extended');
  assert.match(integrity(() => openBlobWith(dk, sealed.subarray(0, 20), 'ten_a')).message, /truncated/);
  const v2 = Buffer.from(sealed);
  v2[4] = 2;
  assert.match(integrity(() => parseBlobHeader(v2)).message, /format version 2/);
  assert.match(integrity(() => openBlobWith(dk, Buffer.from('PK\x03\x04 not a sealed blob at all, long enough to parse'), 'ten_a')).message, /magic/);
});

test('blobs: another context, another key, or a header from another blob fails', async () => {
  const k1 = newDataKey();
  const k2 = newDataKey();
  const b1 = sealBlob(k1, Buffer.from('recipe: 180C for 40 min'), 'ten_a');
  const b2 = sealBlob(k2, Buffer.from('recipe: 200C for 35 min'), 'ten_a');
  integrity(() => openBlobWith(k1, b1, 'ten_b'), 'other tenant context');
  integrity(() => openBlobWith(k2, b1, 'ten_a'), 'other key');
  const keys = (id: string) => (id === k1.id ? k1 : id === k2.id ? k2 : null);
  // The header of a blob of another key on this blob's body, and the other way round.
  const swapped = Buffer.concat([b2.subarray(0, BLOB_HEADER_BYTES), b1.subarray(BLOB_HEADER_BYTES)]);
  await assert.rejects(openBlob(swapped, 'ten_a', keys), (e: unknown) => e instanceof AndonError && e.code === 'integrity_error');
  // Only the key id rewritten: the nonce and body are right for k1, but the header is authenticated.
  const relabelled = Buffer.from(b1);
  Buffer.from(k2.id, 'hex').copy(relabelled, 5);
  await assert.rejects(openBlob(relabelled, 'ten_a', keys), (e: unknown) => e instanceof AndonError && e.code === 'integrity_error');
  await assert.rejects(
    openBlob(b1, 'ten_a', () => null),
    (e: unknown) => e instanceof AndonError && e.code === 'integrity_error' && /does not have/.test(e.message),
  );
});
