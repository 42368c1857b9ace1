// The seeded generator: reproducible, well spread, and independent across seeds and forks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from './rng.js';

test('same seed, same stream; different seeds differ', () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43);
  const sa = Array.from({ length: 100 }, () => a.nextUint32());
  assert.deepEqual(
    sa,
    Array.from({ length: 100 }, () => b.nextUint32()),
  );
  assert.notDeepEqual(
    sa,
    Array.from({ length: 100 }, () => c.nextUint32()),
  );
});

test('uniform and normal have the right moments', () => {
  const r = new Rng(1);
  const n = 200_000;
  let s = 0,
    s2 = 0,
    ns = 0,
    ns2 = 0,
    lo = 1,
    hi = 0;
  for (let i = 0; i < n; i++) {
    const u = r.uniform();
    s += u;
    s2 += u * u;
    lo = Math.min(lo, u);
    hi = Math.max(hi, u);
    const z = r.normal();
    ns += z;
    ns2 += z * z;
  }
  assert.ok(Math.abs(s / n - 0.5) < 0.005 && Math.abs(s2 / n - (s * s) / n / n - 1 / 12) < 0.002);
  assert.ok(lo >= 0 && hi < 1);
  assert.ok(Math.abs(ns / n) < 0.01 && Math.abs(ns2 / n - 1) < 0.02);
});

test('permutation is a permutation and int stays in range', () => {
  const r = new Rng(7);
  const p = Array.from(r.permutation(1000)).sort((x, y) => x - y);
  assert.deepEqual(
    p,
    Array.from({ length: 1000 }, (_, i) => i),
  );
  for (let i = 0; i < 1000; i++) {
    const k = r.int(3);
    assert.ok(k >= 0 && k < 3 && Number.isInteger(k));
  }
  assert.throws(() => new Rng(1.5), /integer/);
});
