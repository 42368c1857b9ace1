// The per-process cache of loaded versions: shared loads, the synchronous peek of the prediction path, least-recently-used eviction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModelCache, type ServingModel } from './serving.js';

function fake(name: string, closed: string[]): ServingModel {
  return {
    name,
    close: async () => {
      closed.push(name);
    },
  } as unknown as ServingModel;
}

test('loads of one key share a promise; peek answers only once the load has finished', async () => {
  const cache = new ModelCache(4);
  const closed: string[] = [];
  let loads = 0,
    finish!: (m: ServingModel) => void;
  const load = () => {
    loads++;
    return new Promise<ServingModel>((r) => {
      finish = r;
    });
  };
  const a = cache.get('t/v1', load),
    b = cache.get('t/v1', load);
  assert.equal(a, b);
  assert.equal(loads, 1);
  assert.equal(cache.peek('t/v1'), undefined, 'still loading');
  const model = fake('v1', closed);
  finish(model);
  assert.equal(await a, model);
  assert.equal(cache.peek('t/v1'), model);
  assert.equal(cache.peek('t/other'), undefined);
});

test('a failed load is forgotten, so the next call loads again', async () => {
  const cache = new ModelCache(4);
  await assert.rejects(cache.get('t/v1', () => Promise.reject(new Error('blob missing'))));
  await new Promise((r) => setImmediate(r));
  assert.equal(cache.size, 0);
  const closed: string[] = [];
  assert.equal(await cache.get('t/v1', async () => fake('v1', closed)), cache.peek('t/v1'));
});

test('beyond its capacity the least recently used version is closed and dropped', async () => {
  const cache = new ModelCache(2);
  const closed: string[] = [];
  await cache.get('t/a', async () => fake('a', closed));
  await cache.get('t/b', async () => fake('b', closed));
  cache.peek('t/a'); // a prediction on a: b is now the least recently used
  await cache.get('t/c', async () => fake('c', closed));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, ['b']);
  assert.ok(cache.has('t/a') && cache.has('t/c') && !cache.has('t/b'));
  await cache.get('t/a', async () => fake('a2', closed)); // a hit: no new load, a is the newest again
  await cache.get('t/d', async () => fake('d', closed));
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(closed, ['b', 'c']);
  await cache.close();
  assert.deepEqual(closed.sort(), ['a', 'b', 'c', 'd']);
});
