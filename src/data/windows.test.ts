// Windows and RUL targets: hand-checked tables, manual slicing, padding, refusals, and the real C-MAPSS FD001 file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '../engine/rng.js';
import { isAndonError } from '../errors.js';
import { Table, type NumberColumn } from './table.js';
import { lastWindowPerGroup, makeWindows, rulTargets, sequences, windowTargets, type Windows } from './windows.js';

/** Unit A has 5 cycles given out of order; unit B has 2. x = 10·cycle for A, 100 + cycle for B. */
const small = Table.fromRows([
  { unit: 'A', cycle: 3, x: 30, y: -3 },
  { unit: 'A', cycle: 1, x: 10, y: -1 },
  { unit: 'B', cycle: 1, x: 101, y: -1 },
  { unit: 'A', cycle: 2, x: 20, y: -2 },
  { unit: 'A', cycle: 5, x: 50, y: -5 },
  { unit: 'B', cycle: 2, x: 102, y: -2 },
  { unit: 'A', cycle: 4, x: 40, y: -4 },
]);
const base = { groupColumn: 'unit', timeColumn: 'cycle', featureColumns: ['x', 'y'] } as const;
const invalid = (e: unknown): boolean => isAndonError(e) && e.code === 'invalid_input';

/** Window i as rows of features. */
function windowAt(w: Windows, i: number): number[][] {
  return Array.from({ length: w.window }, (_, j) => Array.from(w.data.subarray((i * w.window + j) * w.features, (i * w.window + j + 1) * w.features)));
}

test('windows follow time within a unit, never cross units, and skip a short unit without padding', () => {
  const w = makeWindows(small, { ...base, window: 3 });
  assert.equal(w.count, 3);
  assert.deepEqual([w.window, w.features, w.featureNames], [3, 2, ['x', 'y']]);
  assert.deepEqual(w.group, ['A', 'A', 'A']);
  assert.deepEqual(Array.from(w.endRow), [0, 6, 4], 'ends at cycles 3, 4, 5 of A');
  assert.deepEqual(windowAt(w, 0), [
    [10, -1],
    [20, -2],
    [30, -3],
  ]);
  assert.deepEqual(windowAt(w, 2), [
    [30, -3],
    [40, -4],
    [50, -5],
  ]);
  assert.deepEqual(Array.from(w.padded), [0, 0, 0]);
});

test('padding gives a short unit one window ending at its last row', () => {
  const rep = makeWindows(small, { ...base, window: 3, pad: 'repeat-first' });
  assert.equal(rep.count, 4);
  assert.equal(rep.group[3], 'B');
  assert.deepEqual(windowAt(rep, 3), [
    [101, -1],
    [101, -1],
    [102, -2],
  ]);
  assert.equal(rep.padded[3], 1);
  assert.equal(rep.endRow[3], 5);
  const zeros = makeWindows(small, { ...base, window: 4, pad: 'zeros' });
  assert.deepEqual(zeros.group, ['A', 'A', 'B']);
  assert.deepEqual(windowAt(zeros, 2), [
    [0, 0],
    [0, 0],
    [101, -1],
    [102, -2],
  ]);
  const one = makeWindows(small, { ...base, window: 1 });
  assert.equal(one.count, small.rowCount, 'window 1: one window per row');
});

test('windows match manual slicing, with strides counted back from the last row', () => {
  const r = new Rng(11);
  const rows: Record<string, number>[] = [];
  const lengths = [1, 4, 9, 12, 20];
  lengths.forEach((len, u) => {
    for (let c = 1; c <= len; c++) rows.push({ u, c, a: r.normal(), b: r.normal() });
  });
  r.shuffle(rows);
  const t = Table.fromRows(rows);
  for (const stride of [1, 2, 5]) {
    const w = makeWindows(t, { groupColumn: 'u', timeColumn: 'c', featureColumns: ['a', 'b'], window: 4, stride });
    const expected: number[][][] = [];
    const seen = [...new Set(rows.map((x) => x.u))]; // groups in order of first appearance
    for (const u of seen) {
      const seq = rows.filter((x) => x.u === u).sort((p, q) => p.c - q.c);
      const ends = [];
      for (let e = seq.length - 1; e >= 3; e -= stride) ends.unshift(e);
      for (const e of ends) expected.push(seq.slice(e - 3, e + 1).map((x) => [Math.fround(x.a), Math.fround(x.b)]));
    }
    assert.equal(w.count, expected.length, `stride ${stride}`);
    expected.forEach((win, i) => assert.deepEqual(windowAt(w, i), win));
    for (let i = 0; i < w.count; i++) assert.equal(t.get(w.endRow[i], 'u'), w.group[i]);
  }
});

test('duplicate times are an error unless kept; missing features and bad options are refused', () => {
  const dup = Table.fromRows([
    { u: 1, t: 1, x: 1 },
    { u: 1, t: 1, x: 2 },
    { u: 1, t: 2, x: 3 },
  ]);
  const opts = { groupColumn: 'u', timeColumn: 't', featureColumns: ['x'], window: 2 };
  assert.throws(
    () => makeWindows(dup, opts),
    (e) => invalid(e) && /two rows/.test((e as Error).message),
  );
  assert.equal(makeWindows(dup, { ...opts, duplicateTimes: 'keep' }).count, 2);
  const nan = Table.fromRows([
    { u: 1, t: 1, x: 1 },
    { u: 1, t: 2, x: null },
  ]);
  assert.throws(
    () => makeWindows(nan, opts),
    (e) => invalid(e) && (e as { details: { row: number } }).details.row === 1,
  );
  const text = Table.fromRows([{ u: 1, t: 1, x: 'on' }]);
  assert.throws(() => makeWindows(text, opts), invalid);
  const noGroup = Table.fromRows([{ u: null, t: 1, x: 1 }]);
  assert.throws(() => makeWindows(noGroup, opts), invalid);
  for (const bad of [{ window: 0 }, { window: 2.5 }, { stride: 0 }, { featureColumns: [] }, { pad: 'edge' as 'zeros' }]) {
    assert.throws(() => makeWindows(small, { ...base, window: 2, ...bad }), invalid, JSON.stringify(bad));
  }
  assert.throws(
    () => makeWindows(small, { ...base, featureColumns: ['z'], window: 2 }),
    (e) => isAndonError(e) && e.code === 'unknown_column',
  );
});

test('RUL per row, capped, with a final RUL for units cut off early, and per window', () => {
  assert.deepEqual(Array.from(rulTargets(small, { groupColumn: 'unit', timeColumn: 'cycle' })), [2, 4, 1, 3, 0, 0, 1]);
  assert.deepEqual(Array.from(rulTargets(small, { groupColumn: 'unit', timeColumn: 'cycle', cap: 2 })), [2, 2, 1, 2, 0, 0, 1]);
  const finalRul = new Map([
    ['A', 10],
    ['B', 0],
  ]);
  assert.deepEqual(Array.from(rulTargets(small, { groupColumn: 'unit', timeColumn: 'cycle', finalRul })), [12, 14, 1, 13, 10, 0, 11]);
  assert.throws(() => rulTargets(small, { groupColumn: 'unit', timeColumn: 'cycle', finalRul: new Map([['A', 1]]) }), invalid);
  assert.throws(() => rulTargets(small, { groupColumn: 'unit', timeColumn: 'cycle', cap: 0 }), invalid);
  const w = makeWindows(small, { ...base, window: 3 });
  assert.deepEqual(Array.from(windowTargets(w, rulTargets(small, { groupColumn: 'unit', timeColumn: 'cycle' }))), [2, 1, 0]);
});

test('last window per unit scores every unit, padding short ones by default', () => {
  const w = lastWindowPerGroup(small, { ...base, window: 3 });
  assert.deepEqual(w.group, ['A', 'B']);
  assert.deepEqual(Array.from(w.endRow), [4, 5]);
  assert.deepEqual(windowAt(w, 0), [
    [30, -3],
    [40, -4],
    [50, -5],
  ]);
  assert.deepEqual(windowAt(w, 1), [
    [101, -1],
    [101, -1],
    [102, -2],
  ]);
  assert.deepEqual(lastWindowPerGroup(small, { ...base, window: 3, pad: 'none' }).group, ['A']);
  const seq = sequences(small, { groupColumn: 'unit', timeColumn: 'cycle' });
  assert.deepEqual(
    [Array.from(seq.rows), Array.from(seq.start), seq.groups],
    [
      [1, 3, 0, 6, 4, 2, 5],
      [0, 5, 7],
      ['A', 'B'],
    ],
  );
});

const FD001 = fileURLToPath(new URL('../../../shared/datasets/cmapss-fd001/train_FD001.txt', import.meta.url));
const NAMES = ['unit', 'cycle', 'setting_1', 'setting_2', 'setting_3', ...Array.from({ length: 21 }, (_, i) => `sensor_${i + 1}`)];

test(
  'C-MAPSS FD001 train: 100 units, one window per full 30-cycle span, RUL from failure',
  {
    skip: existsSync(FD001) ? false : '../shared/datasets (C-MAPSS FD001) is not present',
  },
  () => {
    const lines = readFileSync(FD001, 'utf8')
      .split('\n')
      .filter((l) => l.trim());
    const cols = NAMES.map(() => new Float64Array(lines.length));
    lines.forEach((line, r) => {
      const cells = line.trim().split(/\s+/);
      assert.equal(cells.length, 26, `line ${r + 1}`);
      cells.forEach((c, j) => {
        cols[j][r] = Number(c);
      });
    });
    const table = new Table(NAMES.map((name, j): NumberColumn => ({ type: 'number', name, values: cols[j] })));
    assert.equal(table.rowCount, 20631);

    const len = new Map<number, number>();
    for (const u of cols[0]) len.set(u, (len.get(u) ?? 0) + 1);
    assert.equal(len.size, 100);
    const opts = { groupColumn: 'unit', timeColumn: 'cycle', featureColumns: NAMES.slice(2), window: 30 };
    const w = makeWindows(table, opts);
    assert.equal(
      w.count,
      [...len.values()].reduce((a, l) => a + Math.max(0, l - 29), 0),
    );
    assert.equal(w.features, 24);
    // The first window is unit 1's cycles 1..30, straight from the file.
    for (let j = 0; j < 30; j++) for (let f = 0; f < 24; f++) assert.equal(w.data[j * 24 + f], Math.fround(cols[f + 2][j]));

    const rul = rulTargets(table, { groupColumn: 'unit', timeColumn: 'cycle' });
    const first = new Map<number, number>(),
      last = new Map<number, number>();
    for (let r = 0; r < table.rowCount; r++) {
      if (!first.has(cols[0][r])) first.set(cols[0][r], r);
      last.set(cols[0][r], r);
    }
    for (const [u, l] of len) {
      assert.equal(rul[last.get(u)!], 0, `unit ${u} last row`);
      assert.equal(rul[first.get(u)!], l - 1, `unit ${u} first row`);
    }
    const targets = windowTargets(w, rulTargets(table, { groupColumn: 'unit', timeColumn: 'cycle', cap: 125 }));
    assert.equal(Math.max(...targets), 125);
    assert.equal(Math.min(...targets), 0);
    const lastW = lastWindowPerGroup(table, opts);
    assert.equal(lastW.count, 100);
    assert.ok(Array.from(lastW.endRow).every((r) => rul[r] === 0));
  },
);
