// Micro-batching: concurrent callers share batches, get their own rows back in order, and fail alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AndonError } from '../errors.js';
import { loadModel, type LoadedModel } from './model.js';
import { createBatcher, type BatchInfo } from './batcher.js';
import { trainedFixture } from './testing.js';

let model: LoadedModel, rows: Record<string, unknown>[];
before(async () => {
  const f = await trainedFixture('binary', 120);
  model = await loadModel(f.files);
  rows = f.rows;
});
after(async () => {
  await model.close();
});

/** Same predictions up to float rounding (a batch may take another kernel path than a single request). */
function same(a: unknown, b: unknown, what: string): void {
  const close = (x: unknown, y: unknown): boolean =>
    typeof x === 'number' && typeof y === 'number'
      ? Math.abs(x - y) <= 1e-6
      : x && y && typeof x === 'object' && typeof y === 'object'
        ? Object.keys(y).length === Object.keys(x).length &&
          Object.keys(y).every((k) => close((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k]))
        : x === y;
  assert.ok(close(a, b), `${what}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
}

/** Requests of 1..4 rows cut from the fixture rows. */
const requests = (n: number): Record<string, unknown>[][] => Array.from({ length: n }, (_, i) => rows.slice(i * 4, i * 4 + 1 + (i % 4)));

test('concurrent callers get their own predictions, in their own order, from shared batches', async () => {
  const batches: BatchInfo[] = [],
    queued: number[] = [];
  const b = createBatcher(model, { maxBatch: 64, maxDelayMs: 5, onBatch: (x) => batches.push(x), onQueueTime: (ms) => queued.push(ms) });
  const reqs = requests(8);
  const got = await Promise.all(reqs.map((r) => b.predict(r)));
  for (let i = 0; i < reqs.length; i++) same(got[i], await model.predict(reqs[i]), `request ${i}`);
  const s = b.stats();
  assert.equal(s.requests, 8);
  assert.ok(s.largestBatch > 1 && s.batches < 8, `batches ${s.batches}, largest ${s.largestBatch}`);
  assert.ok(batches.some((x) => x.requests > 1));
  assert.equal(queued.length, 8);
  assert.ok(queued.every((ms) => ms >= 0));
  await b.close();
});

test('a batch runs as soon as it holds maxBatch rows, and never takes more (whole requests only)', async () => {
  const batches: BatchInfo[] = [];
  // A long delay: only filling the batch (or closing) can run these.
  const b = createBatcher(model, { maxBatch: 4, maxDelayMs: 60_000, onBatch: (x) => batches.push(x) });
  const reqs = [rows.slice(0, 2), rows.slice(2, 4), rows.slice(4, 6), rows.slice(6, 8)];
  const got = await Promise.all(reqs.map((r) => b.predict(r)));
  assert.deepEqual(
    batches.map((x) => [x.rows, x.requests, x.reason]),
    [
      [4, 2, 'full'],
      [4, 2, 'full'],
    ],
  );
  for (let i = 0; i < reqs.length; i++) assert.equal(got[i].length, 2);
  // One request larger than maxBatch runs alone.
  assert.equal((await b.predict(rows.slice(0, 9))).length, 9);
  assert.deepEqual(batches.at(-1), { rows: 9, requests: 1, reason: 'full' });
  assert.equal(b.queueDepth, 0);
  await b.close();
});

test('an invalid request fails alone at once; the others in its batch are answered', async () => {
  const b = createBatcher(model, { maxBatch: 100, maxDelayMs: 5 });
  const reqs = requests(4);
  const results = await Promise.allSettled([
    b.predict(reqs[0]),
    b.predict([{ ...rows[0], temp: 'hot' }]),
    b.predict(reqs[1]),
    b.predict([]),
    b.predict(reqs[2]),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'rejected', 'fulfilled'],
  );
  const bad = (results[1] as PromiseRejectedResult).reason;
  assert.ok(bad instanceof AndonError && bad.code === 'invalid_input' && bad.details.column === 'temp');
  same((results[4] as PromiseFulfilledResult<unknown>).value, await model.predict(reqs[2]), 'request 4');
  assert.equal(b.stats().requests, 3);
  await b.close();
});

test('a request that breaks the shared run is retried alone: it fails, the others still succeed', async () => {
  // A model whose network fails on any run containing a 3-row request.
  const flaky: LoadedModel = Object.create(model, {
    predictTables: {
      value: async (tables: Parameters<LoadedModel['predictTables']>[0]) => {
        if (tables.some((t) => t.rowCount === 3)) throw new AndonError('internal', 'boom');
        return model.predictTables(tables);
      },
    },
  });
  const b = createBatcher(flaky, { maxBatch: 100, maxDelayMs: 5 });
  const results = await Promise.allSettled([b.predict(rows.slice(0, 2)), b.predict(rows.slice(2, 5)), b.predict(rows.slice(5, 6))]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.match(String((results[1] as PromiseRejectedResult).reason), /boom/);
  same((results[0] as PromiseFulfilledResult<unknown>).value, await model.predict(rows.slice(0, 2)), 'request 0');
  await b.close();
});

test('close runs what is queued, then refuses new requests; bad options are refused', async () => {
  const b = createBatcher(model, { maxBatch: 1000, maxDelayMs: 60_000 });
  const pending = b.predict(rows.slice(0, 3));
  assert.equal(b.queueDepth, 1);
  await b.close();
  assert.equal((await pending).length, 3);
  await assert.rejects(b.predict(rows.slice(0, 1)), (e: unknown) => e instanceof AndonError && e.code === 'unavailable');
  assert.throws(() => createBatcher(model, { maxBatch: 0, maxDelayMs: 1 }), /maxBatch/);
  assert.throws(() => createBatcher(model, { maxBatch: 2, maxDelayMs: -1 }), /maxDelayMs/);
});
