// Feature hashing: FNV-1a over UTF-8 gives fixed ids on every machine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fnv1a32, HashingIndex } from './hashing.js';
import { AndonError } from '../../errors.js';

test('FNV-1a 32 matches values worked out from the definition', () => {
  // "" is the offset basis itself. "a": (0x811c9dc5 XOR 0x61) = 0x811c9da4; × 0x01000193 mod 2³² = 0xe40c292c.
  assert.equal(fnv1a32(''), 0x811c9dc5);
  assert.equal(fnv1a32('a'), 0xe40c292c);
  assert.equal(fnv1a32('foobar'), 0xbf9cf968);
  assert.equal(fnv1a32('good'), 0xfa6031d8);
  assert.equal(fnv1a32('not good'), 0xf186fd77);
  // Multi-byte UTF-8: 坏 is E5 9D 8F; 😀 is a surrogate pair in JS but the four bytes F0 9F 98 80 here.
  assert.equal(fnv1a32('坏'), 0x908545d8);
  assert.equal(fnv1a32('😀'), 0x33a29608);
  assert.equal(fnv1a32('c:机器'), 0x3ccbe8b6);
});

test('the hash agrees with hashing TextEncoder bytes', () => {
  const viaBytes = (s: string) => {
    let h = 0x811c9dc5;
    for (const b of new TextEncoder().encode(s)) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    return h;
  };
  for (const s of ['naïve', '设备 overheating 了', '👨‍👩‍👧', 'a\uD800b', '\uDC00']) assert.equal(fnv1a32(s), viaBytes(s), s);
});

test('ids are 2 + hash mod buckets, leaving 0 and 1 reserved', () => {
  const h = new HashingIndex(1000);
  assert.equal(h.size, 1002);
  assert.equal(h.id('a'), 2 + (0xe40c292c % 1000)); // 222
  assert.equal(h.id('a'), 222);
  assert.equal(h.id('good'), 218);
  assert.equal(h.id('坏'), 274);
  assert.equal(h.id('not good'), 769);
  assert.equal(new HashingIndex(1).id('anything'), 2);
  assert.deepEqual(HashingIndex.fromJSON(JSON.parse(JSON.stringify(h))).buckets, 1000);
  assert.throws(
    () => new HashingIndex(0),
    (e: unknown) => e instanceof AndonError && e.code === 'invalid_input',
  );
  assert.throws(
    () => HashingIndex.fromJSON({ type: 'hashing', hash: 'md5', buckets: 3 }),
    (e: unknown) => e instanceof AndonError && e.code === 'parse_error',
  );
});
