// Splits: every row in exactly one part, stratified and grouped guarantees, time order, and seed determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../engine/rng.js';
import { isAndonError } from '../errors.js';
import { Table } from './table.js';
import {
  applySplit,
  groupKFold,
  groupSplit,
  kFold,
  makeSplit,
  randomSplit,
  stratifiedKFold,
  stratifiedSplit,
  timeSplit,
  type Fold,
  type Fractions,
  type Split,
} from './split.js';

const F3 = { train: 0.7, validation: 0.15, test: 0.15 };

/** Every row 0..n-1 appears in exactly one part, and each part is ascending. */
function assertPartition(parts: Int32Array[], n: number): void {
  const seen = new Uint8Array(n);
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      assert.ok(p[i] >= 0 && p[i] < n, `row ${p[i]} out of range`);
      assert.equal(seen[p[i]]++, 0, `row ${p[i]} in two parts`);
      if (i) assert.ok(p[i - 1] < p[i], 'parts are sorted');
    }
  }
  assert.equal(
    seen.reduce((a, b) => a + b, 0),
    n,
    'every row lands somewhere',
  );
}
const parts = (s: Split): Int32Array[] => [s.train, s.validation, s.test];
function assertFolds(folds: Fold[], n: number): void {
  for (const f of folds) assertPartition([f.train, f.test], n);
  assertPartition(
    folds.map((f) => f.test),
    n,
  );
}
const invalid = (e: unknown): boolean => isAndonError(e) && e.code === 'invalid_input';

/** A table with a label (imbalanced, with a singleton), a group id, and a time with ties. */
function sample(n: number, seed: number): Table {
  const r = new Rng(seed);
  const rows = Array.from({ length: n }, (_, i) => ({
    label: i === 0 ? 'rare' : r.uniform() < 0.2 ? 'fail' : 'ok',
    machine: `M${r.int(Math.max(1, Math.floor(n / 10)))}`,
    t: r.int(Math.max(1, Math.floor(n / 3))),
  }));
  return Table.fromRows(rows);
}

test('fractions are validated; test defaults to the remainder', () => {
  for (const fractions of [{ train: 0 }, { train: -0.1, test: 1.1 }, { train: 0.5, test: 0.2 }, { train: Number.NaN }, { train: 0.8, validation: 0.3 }]) {
    assert.throws(() => randomSplit(10, { fractions }), invalid, JSON.stringify(fractions));
  }
  assert.throws(() => randomSplit(10, { seed: 1.5 }), invalid);
  const s = randomSplit(10, { fractions: { train: 0.8 } });
  assert.deepEqual([s.train.length, s.validation.length, s.test.length], [8, 0, 2]);
});

test('random split: a partition with sizes within one row of n × fraction, for tiny and larger n', () => {
  for (const n of [0, 1, 2, 3, 7, 10, 101]) {
    for (const fractions of [F3, { train: 0.5, validation: 0.25, test: 0.25 }, { train: 1 }, { train: 0.2, test: 0.8 }] as Fractions[]) {
      const s = randomSplit(n, { fractions, seed: n });
      assertPartition(parts(s), n);
      const f = [fractions.train, fractions.validation ?? 0, fractions.test ?? 0];
      parts(s).forEach((p, i) => assert.ok(Math.abs(p.length - n * f[i]) < 1, `n=${n} part ${i}: ${p.length} vs ${n * f[i]}`));
    }
  }
  assert.equal(randomSplit(1, { fractions: { train: 0.2, test: 0.8 } }).test.length, 1, 'a single row goes where the share is largest');
});

test('same seed gives the same split, a different seed a different one', () => {
  const t = sample(200, 1);
  for (const make of [
    (seed: number) => randomSplit(t, { seed }),
    (seed: number) => stratifiedSplit(t, 'label', { seed }),
    (seed: number) => groupSplit(t, 'machine', { seed }),
  ]) {
    assert.deepEqual(make(5), make(5));
    assert.notDeepEqual(make(5), make(6));
  }
  for (const make of [
    (seed: number) => kFold(t, 5, { seed }),
    (seed: number) => stratifiedKFold(t, 'label', 5, { seed }),
    (seed: number) => groupKFold(t, 'machine', 5, { seed }),
  ]) {
    assert.deepEqual(make(5), make(5));
    assert.notDeepEqual(make(5), make(6));
  }
});

test('stratified split: each class within one row of its share per part, and part totals too (property)', () => {
  const r = new Rng(99);
  for (let trial = 0; trial < 150; trial++) {
    const classes = 1 + r.int(6);
    const labels: number[] = [];
    for (let c = 0; c < classes; c++) for (let k = 1 + r.int(trial % 3 === 0 ? 3 : 40); k > 0; k--) labels.push(c);
    r.shuffle(labels);
    const a = r.uniform(),
      b = r.uniform() * (1 - a);
    const fractions = { train: Math.max(a, 0.05), validation: b, test: Math.max(0, 1 - Math.max(a, 0.05) - b) };
    const t = Table.fromRows(labels.map((label) => ({ label })));
    const s = stratifiedSplit(t, 'label', { fractions, seed: trial });
    assertPartition(parts(s), labels.length);
    const f = [fractions.train, fractions.validation, fractions.test];
    parts(s).forEach((p, i) => {
      assert.ok(Math.abs(p.length - labels.length * f[i]) < 1 + 1e-9, `trial ${trial} part ${i} total`);
      for (let c = 0; c < classes; c++) {
        const nc = labels.filter((l) => l === c).length;
        const got = Array.from(p).filter((row) => labels[row] === c).length;
        assert.ok(Math.abs(got - nc * f[i]) < 1 + 1e-9, `trial ${trial} class ${c} part ${i}: ${got} vs ${nc * f[i]}`);
      }
    });
  }
});

test('stratified split: a one-row class lands in train; missing labels form their own class', () => {
  const t = sample(60, 3);
  const s = stratifiedSplit(t, 'label', { fractions: F3, seed: 1 });
  assertPartition(parts(s), 60);
  assert.ok(s.train.includes(0), 'the singleton "rare" row is in train');
  const withMissing = Table.fromRows([...Array(10)].map((_, i) => ({ y: i < 4 ? null : i % 2 ? 'a' : 'b' })));
  const m = stratifiedSplit(withMissing, 'y', { fractions: { train: 0.5, test: 0.5 } });
  assert.equal(Array.from(m.train).filter((row) => row < 4).length, 2, 'half of the 4 missing-label rows in train');
});

test('time split: earliest train, latest test, ties never cut; text dates work', () => {
  for (let seed = 0; seed < 20; seed++) {
    const t = sample(50 + seed, seed);
    const time = t.column('t');
    const s = timeSplit(t, 't', { fractions: F3 });
    assertPartition(parts(s), t.rowCount);
    const v = (p: Int32Array): number[] => Array.from(p, (row) => (time.type === 'number' ? time.values[row] : NaN));
    const [tr, va, te] = parts(s).map(v);
    if (tr.length && te.length) assert.ok(Math.max(...tr) < Math.min(...te));
    if (tr.length && va.length) assert.ok(Math.max(...tr) < Math.min(...va));
    if (va.length && te.length) assert.ok(Math.max(...va) < Math.min(...te));
    assert.ok(Math.abs(tr.length - 0.7 * t.rowCount) <= t.rowCount * 0.2, 'train is roughly 70%');
  }
  const dates = Table.fromRows(['2024-03-02', '2024-01-05', '2024-02-01', '2024-01-05T12:00:00Z'].map((d) => ({ d })));
  assert.deepEqual(timeSplit(dates, 'd', { fractions: { train: 0.5, test: 0.5 } }), {
    train: Int32Array.from([1, 3]),
    validation: new Int32Array(0),
    test: Int32Array.from([0, 2]),
  });
  assert.throws(() => timeSplit(Table.fromRows([{ d: 'yesterday' }]), 'd'), invalid);
  assert.throws(() => timeSplit(Table.fromRows([{ d: 1 }, { d: null }]), 'd'), invalid);
  const allSame = timeSplit(Table.fromRows([{ t: 1 }, { t: 1 }, { t: 1 }]), 't', { fractions: F3 });
  assert.equal(allSame.train.length, 3, 'one time value cannot be cut');
});

test('group split: no group in two parts, row fractions approximate, every part gets a group when possible', () => {
  for (let seed = 0; seed < 20; seed++) {
    const t = sample(300, seed);
    const s = groupSplit(t, 'machine', { fractions: F3, seed });
    assertPartition(parts(s), 300);
    const groupsOf = (p: Int32Array): Set<unknown> => new Set(Array.from(p, (row) => t.get(row, 'machine')));
    const [a, b, c] = parts(s).map(groupsOf);
    for (const g of a) assert.ok(!b.has(g) && !c.has(g), `group ${g} shared`);
    for (const g of b) assert.ok(!c.has(g), `group ${g} shared`);
    assert.ok(Math.abs(s.train.length - 210) < 40, `train rows ${s.train.length}`);
  }
  const three = Table.fromRows([...Array(12)].map((_, i) => ({ g: i < 10 ? 'big' : `small${i}` })));
  const s = groupSplit(three, 'g', { fractions: F3, seed: 4 });
  assert.ok(
    parts(s).every((p) => p.length > 0),
    'three groups fill three parts',
  );
  assert.equal(groupSplit(Table.fromRows([{ g: 1 }, { g: 1 }]), 'g', { fractions: F3 }).train.length, 2, 'one group → train');
});

test('k-fold: folds partition the rows, sizes within one row; k is validated', () => {
  for (const n of [2, 5, 17, 100])
    for (const k of [2, 3, 5]) {
      if (k > n) continue;
      const folds = kFold(n, k, { seed: n + k });
      assert.equal(folds.length, k);
      assertFolds(folds, n);
      const sizes = folds.map((f) => f.test.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n=${n} k=${k} sizes ${sizes}`);
    }
  assert.throws(() => kFold(3, 4), invalid);
  assert.throws(() => kFold(10, 1), invalid);
  assert.throws(() => kFold(10, 2.5), invalid);
});

test('stratified and grouped k-fold keep their guarantees', () => {
  const t = sample(203, 8);
  const labels = Array.from({ length: t.rowCount }, (_, i) => t.get(i, 'label'));
  const sf = stratifiedKFold(t, 'label', 5, { seed: 2 });
  assertFolds(sf, t.rowCount);
  for (const cls of new Set(labels)) {
    const nc = labels.filter((l) => l === cls).length;
    for (const f of sf) assert.ok(Math.abs(Array.from(f.test).filter((r) => labels[r] === cls).length - nc / 5) < 1);
  }
  const gf = groupKFold(t, 'machine', 4, { seed: 3 });
  assertFolds(gf, t.rowCount);
  for (const f of gf) {
    const testGroups = new Set(Array.from(f.test, (r) => t.get(r, 'machine')));
    for (const r of f.train) assert.ok(!testGroups.has(t.get(r, 'machine')));
  }
  assert.throws(() => groupKFold(Table.fromRows([{ g: 1 }, { g: 2 }]), 'g', 3), invalid);
});

test('applySplit and makeSplit hand back tables of the chosen rows', () => {
  const t = Table.fromRows([...Array(10)].map((_, i) => ({ id: i, g: i % 3, t: i })));
  const s = makeSplit(t, { method: 'time', column: 't', fractions: { train: 0.6, validation: 0.2, test: 0.2 } });
  const out = applySplit(t, s);
  assert.deepEqual(
    [...out.train.rows()].map((r) => r.id),
    [0, 1, 2, 3, 4, 5],
  );
  assert.deepEqual(
    [...out.test.rows()].map((r) => r.id),
    [8, 9],
  );
  const g = makeSplit(t, { method: 'group', column: 'g', seed: 1 });
  assertPartition(parts(g), 10);
  const fold = applySplit(t, kFold(t, 2)[0]);
  assert.equal(fold.train.rowCount + fold.test.rowCount, 10);
  assert.throws(
    () => makeSplit(t, { method: 'stratified', column: 'nope' }),
    (e) => isAndonError(e) && e.code === 'unknown_column',
  );
});
