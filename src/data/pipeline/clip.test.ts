// Clip: quantile bounds learned on training rows, applied to new rows; missing stays missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { Clip } from './clip.js';
import { restoreStep } from './registry.js';

const code = (c: string) => (e: unknown) => e instanceof AndonError && e.code === c;
const nums = (t: Table, n: string) => Array.from((t.column(n) as { values: Float64Array }).values);

test('bounds are interpolated training quantiles; new rows are clipped to them', () => {
  const train = Table.fromRows(Array.from({ length: 101 }, (_, i) => ({ x: i })));
  const s = new Clip({ columns: ['x'], lower: 0.1, upper: 0.9 });
  s.fit(train);
  assert.deepEqual(s.bounds, [[10, 90]]);
  const out = s.transform(Table.fromRows([{ x: -5 }, { x: 50 }, { x: 1000 }, { x: null }]));
  assert.deepEqual(nums(out, 'x'), [10, 50, 90, NaN]);
  assert.deepEqual(s.lastReport.x, { clippedLow: 1, clippedHigh: 1 });
});

test('defaults are p01/p99 with interpolation; a side can be switched off', () => {
  const train = Table.fromRows([{ x: 0 }, { x: 10 }, { x: 20 }]);
  const s = new Clip({ columns: ['x'] });
  s.fit(train);
  assert.deepEqual(s.bounds, [[0.2, 19.8]]);
  const hiOnly = new Clip({ columns: ['x'], lower: null, upper: 0.5 });
  hiOnly.fit(train);
  assert.deepEqual(nums(hiOnly.transform(Table.fromRows([{ x: -100 }, { x: 15 }])), 'x'), [-100, 10]);
});

test('a column without training values passes through; restoring reproduces the bounds', () => {
  const s = new Clip({ columns: ['x', 'y'] });
  s.fit(
    Table.fromRows([
      { x: null, y: 1 },
      { x: null, y: 3 },
    ]),
  );
  assert.deepEqual(s.bounds![0], [null, null]);
  const r = restoreStep(JSON.parse(JSON.stringify(s.toJSON())));
  const t = Table.fromRows([{ x: 5, y: 99 }]);
  assert.deepEqual(r.transform(t).row(0), s.transform(t).row(0));
});

test('bad options are AndonErrors', () => {
  assert.throws(() => new Clip({ columns: ['x'], lower: 0.9, upper: 0.1 }), code('invalid_input'));
  assert.throws(() => new Clip({ columns: ['x'], upper: 2 }), code('invalid_input'));
  assert.throws(() => new Clip({ columns: 'x' as never }), code('invalid_input'));
  assert.throws(() => new Clip({ columns: ['x'] }).fit(Table.fromRows([{ x: 'abc' }])), code('invalid_input'));
  assert.throws(() => new Clip({ columns: ['x'] }).fit(Table.fromRows([{ y: 1 }])), code('unknown_column'));
});
