// Request validation: each bad request is an invalid_input naming the row and column, before any work is done.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AndonError } from '../errors.js';
import type { StoredManifest } from '../ml/bundle.js';
import { validateRows } from './validate.js';
import { loadModel } from './model.js';
import { trainedFixture } from './testing.js';

const manifest = {
  input_schema: [
    { name: 'temp', type: 'number' },
    { name: 'count', type: 'integer' },
    { name: 'line', type: 'category' },
    { name: 'flag', type: 'boolean' },
    { name: 'note', type: 'text' },
    { name: 'at', type: 'datetime' },
  ],
  pipeline: {
    encoders: [
      {
        kind: 'one_hot',
        options: { columns: ['line', 'flag'] },
        categories: [
          ['A', 'B'],
          ['no', 'yes'],
        ],
      },
    ],
  },
} as unknown as StoredManifest;
const rul = {
  input_schema: [{ name: 's1', type: 'number' }],
  rul: { group_column: 'unit', time_column: 'cycle', window: 5, cap: 100 },
  pipeline: { encoders: [] },
} as unknown as StoredManifest;

const good = { temp: 1.5, count: 3, line: 'A', flag: true, note: 'all fine', at: '2024-05-01T10:00:00Z' };

function rejects(name: string, m: StoredManifest, rows: unknown, message: RegExp, details: Record<string, unknown> = {}, maxRows?: number): void {
  test(`invalid: ${name}`, () => {
    assert.throws(
      () => validateRows(m, rows, { maxRows }),
      (e: unknown) => {
        assert.ok(e instanceof AndonError);
        assert.equal(e.code, 'invalid_input');
        assert.match(e.message, message);
        for (const [k, v] of Object.entries(details)) assert.deepEqual(e.details[k], v, `details.${k}`);
        return true;
      },
    );
  });
}

rejects('rows not an array', manifest, { temp: 1 }, /rows must be an array/);
rejects('rows empty', manifest, [], /rows is empty/);
rejects('more rows than maxRows', manifest, [good, good, good], /too many rows: 3, at most 2/, { max_rows: 2 }, 2);
rejects('a row that is not an object', manifest, [good, 7], /row 1 must be an object/, { row: 1 });
rejects('a row that is an array', manifest, [[1, 2]], /row 0 must be an object/, { row: 0 });
rejects('unknown columns are listed', manifest, [good, { ...good, tmep: 1, colour: 'red' }], /row 1: unknown columns "tmep", "colour"/, {
  row: 1,
  unknown: ['tmep', 'colour'],
});
rejects(
  'a column absent from every row',
  manifest,
  [
    { ...good, note: undefined },
    { temp: 2, count: 1, line: 'B', flag: false, at: null },
  ],
  /missing column "note"/,
  { missing: ['note'] },
);
rejects('a number column given text', manifest, [good, { ...good, temp: 'hot' }], /row 1, column "temp": expected a number/, { row: 1, column: 'temp' });
rejects('a number column given "NaN"', manifest, [{ ...good, temp: 'NaN' }], /row 0, column "temp"/, { row: 0, column: 'temp' });
rejects('a number column given NaN', manifest, [{ ...good, temp: NaN }], /finite number/, { row: 0, column: 'temp' });
rejects('a number column given Infinity', manifest, [{ ...good, count: Infinity }], /row 0, column "count"/, { column: 'count' });
rejects('a number column given an object', manifest, [{ ...good, temp: { v: 1 } }], /got an object/, { column: 'temp' });
rejects('a number column given an array', manifest, [{ ...good, temp: [1] }], /got an array/, { column: 'temp' });
rejects('a number column given a boolean', manifest, [{ ...good, temp: true }], /column "temp"/, { column: 'temp' });
rejects('a text column given a number', manifest, [{ ...good, note: 42 }], /row 0, column "note": expected text/, { column: 'note' });
rejects('a boolean column given a non yes/no word', manifest, [{ ...good, flag: 'maybe' }], /column "flag": expected true or false/, { column: 'flag' });
rejects('a category column given an object', manifest, [{ ...good, line: { a: 1 } }], /column "line"/, { column: 'line' });
rejects('a datetime column given a boolean', manifest, [{ ...good, at: false }], /column "at"/, { column: 'at' });
rejects(
  'RUL: a row without its unit',
  rul,
  [
    { unit: 1, cycle: 1, s1: 2 },
    { cycle: 2, s1: 3 },
  ],
  /row 1, column "unit"/,
  { row: 1, column: 'unit' },
);
rejects('RUL: a row without its time', rul, [{ unit: 1, cycle: null, s1: 2 }], /row 0, column "cycle"/, { column: 'cycle' });
rejects('RUL: unit and time absent from every row', rul, [{ s1: 2 }], /missing columns "unit", "cycle"/, { missing: ['unit', 'cycle'] });

test('valid: nulls and absent cells are missing values; numeric strings are numbers; booleans map to the trained keys', () => {
  const t = validateRows(manifest, [good, { temp: '2.5', count: null, line: 'B', flag: 'no', at: 1714557600000 }, { line: 9, flag: 1 }]);
  assert.equal(t.rowCount, 3);
  assert.deepEqual(t.columnNames, ['temp', 'count', 'line', 'flag', 'note', 'at']);
  assert.deepEqual(t.row(1).temp, 2.5);
  assert.equal(t.get(1, 'count'), null);
  assert.equal(t.get(2, 'temp'), null);
  assert.deepEqual([t.get(0, 'flag'), t.get(1, 'flag'), t.get(2, 'flag')], ['yes', 'no', 'yes']);
  assert.equal(t.get(2, 'line'), '9');
  assert.equal(t.get(2, 'note'), null);
});

test('valid: RUL accepts its unit and time columns', () => {
  const t = validateRows(rul, [
    { unit: 'M1', cycle: 1, s1: 2 },
    { unit: 'M1', cycle: '2', s1: null },
  ]);
  assert.deepEqual(t.columnNames, ['s1', 'unit', 'cycle']);
});

test('predict validates before any work, and a loaded model honours maxRows', async () => {
  const { files, rows } = await trainedFixture('binary', 120);
  const m = await loadModel(files, { maxRows: 5 });
  await assert.rejects(m.predict(rows.slice(0, 6)), /too many rows: 6, at most 5/);
  await assert.rejects(
    m.predict([{ ...rows[0], speed: 'fast' }]),
    (e: unknown) => e instanceof AndonError && e.details.column === 'speed' && e.details.row === 0,
  );
  const partial = await m.predict([
    { temp: 0.2, line: 'A' },
    { ...rows[1], flag: null },
  ]);
  assert.equal(partial.length, 2);
  await m.close();
});
