// The per-request lookup cache: one load per key and TTL, failures not remembered, peek only after a finished load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TtlCache } from './lookup-cache.js';

function clock() {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

test('one load per key within the TTL, a fresh load after it', async () => {
  const c = clock();
  const cache = new TtlCache<string>(1000, 100, c.now);
  let loads = 0;
  const load = async () => `v${++loads}`;
  assert.equal(await cache.get('k', load), 'v1');
  assert.equal(await cache.get('k', load), 'v1');
  c.advance(999);
  assert.equal(await cache.get('k', load), 'v1');
  c.advance(1);
  assert.equal(await cache.get('k', load), 'v2', 'expired at the TTL');
  cache.delete('k');
  assert.equal(await cache.get('k', load), 'v3', 'a write drops the entry at once');
});

test('peek answers only a finished, fresh load', async () => {
  const c = clock();
  const cache = new TtlCache<number | null>(1000, 100, c.now);
  assert.equal(cache.peek('k'), undefined);
  let release!: (v: number) => void;
  const pending = cache.get(
    'k',
    () =>
      new Promise<number>((r) => {
        release = r;
      }),
  );
  assert.equal(cache.peek('k'), undefined, 'still loading');
  release(7);
  await pending;
  assert.deepEqual(cache.peek('k'), { value: 7 });
  // A cached "nothing there" is a value too, told apart from a miss.
  await cache.get('none', async () => null);
  assert.deepEqual(cache.peek('none'), { value: null });
  c.advance(1000);
  assert.equal(cache.peek('k'), undefined, 'expired');
});

test('a failed load is not remembered, and invalidate drops a whole prefix', async () => {
  const cache = new TtlCache<string>(60_000);
  await assert.rejects(
    cache.get('t1/a', async () => {
      throw new Error('database down');
    }),
    /database down/,
  );
  assert.equal(cache.peek('t1/a'), undefined);
  assert.equal(await cache.get('t1/a', async () => 'back'), 'back');
  await cache.get('t1/b', async () => 'b');
  await cache.get('t2/a', async () => 'other tenant');
  cache.invalidate('t1/');
  assert.equal(cache.peek('t1/a'), undefined);
  assert.equal(cache.peek('t1/b'), undefined);
  assert.deepEqual(cache.peek('t2/a'), { value: 'other tenant' });
});

test('the oldest entry goes beyond the capacity', async () => {
  const cache = new TtlCache<number>(60_000, 2);
  for (const k of ['a', 'b', 'c']) await cache.get(k, async () => k.charCodeAt(0));
  assert.equal(cache.peek('a'), undefined);
  assert.deepEqual(cache.peek('c'), { value: 99 });
});
