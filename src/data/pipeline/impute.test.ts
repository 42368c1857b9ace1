// Impute: fills learned on training rows only, kept storage, indicators, the 'drop' guard, options and restoring.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { Impute } from './impute.js';
import { restoreStep } from './registry.js';

const code = (c: string) => (e: unknown) => e instanceof AndonError && e.code === c;
const nums = (t: Table, n: string) => Array.from((t.column(n) as { values: Float64Array }).values);
const texts = (t: Table, n: string) => Array.from({ length: t.rowCount }, (_, r) => t.get(r, n));

test('mean, median, most frequent and constant fill what training taught', () => {
  const train = Table.fromRows([{ x: 1 }, { x: null }, { x: 3 }, { x: 10 }, { x: 3 }]);
  const fillOf = (o: ConstructorParameters<typeof Impute>[0]) => {
    const s = new Impute(o);
    s.fit(train);
    return nums(s.transform(train), 'x')[1];
  };
  assert.equal(fillOf({ columns: ['x'], strategy: 'mean' }), 17 / 4);
  assert.equal(fillOf({ columns: ['x'], strategy: 'median' }), 3);
  assert.equal(fillOf({ columns: ['x'], strategy: 'most_frequent' }), 3);
  assert.equal(fillOf({ columns: ['x'], strategy: 'constant', value: -1 }), -1);
});

test('transform on new rows uses the training statistics, not the new rows', () => {
  const s = new Impute({ columns: ['x'], strategy: 'mean' });
  s.fit(Table.fromRows([{ x: 2 }, { x: 4 }]));
  const out = s.transform(Table.fromRows([{ x: 100 }, { x: null }, { x: 300 }]));
  assert.deepEqual(nums(out, 'x'), [100, 3, 300]);
  assert.equal(s.lastReport.x.filled, 1);
});

test('text categories: most frequent with deterministic ties, and the indicator column', () => {
  const s = new Impute({ columns: ['t'], strategy: 'most_frequent', indicator: true });
  s.fit(Table.fromRows([{ t: 'M' }, { t: 'L' }, { t: null }, { t: 'M' }, { t: 'L' }]));
  const out = s.transform(Table.fromRows([{ t: null }, { t: 'H' }]));
  assert.deepEqual(texts(out, 't'), ['L', 'H']);
  assert.deepEqual(nums(out, 't__missing'), [1, 0]);
  assert.deepEqual(s.indicatorColumns, ['t__missing']);
});

test('categorical: a number-stored category stays a category when text arrives at serving', () => {
  const s = new Impute({ columns: ['m'], strategy: 'most_frequent', categorical: true });
  s.fit(Table.fromRows([{ m: 1 }, { m: 2 }, { m: 2 }]));
  assert.deepEqual(s.fills, ['2']);
  const out = s.transform(Table.fromRows([{ m: 'A7' }, { m: null }, { m: 1 }]));
  assert.deepEqual(texts(out, 'm'), ['A7', '2', '1']);
});

test('numeric fill parses numbers that arrive as text; what does not parse is filled and counted', () => {
  const s = new Impute({ columns: ['x'], strategy: 'median' });
  s.fit(Table.fromRows([{ x: 1 }, { x: 5 }]));
  const out = s.transform(Table.fromRows([{ x: '7' }, { x: 'oops' }, { x: 'NA' }]));
  assert.deepEqual(nums(out, 'x'), [7, 3, 3]);
  assert.deepEqual(s.lastReport.x, { filled: 2, unparseable: 1 });
});

test('a column with no training values uses the fallback; ±Infinity counts as missing', () => {
  const s = new Impute({ columns: ['x', 'y'], strategy: 'median', fallback: 7 });
  s.fit(
    Table.fromRows([
      { x: null, y: Infinity },
      { x: null, y: 2 },
    ]),
  );
  assert.deepEqual(s.fills, [7, 2]);
  const d = new Impute({ columns: ['x'], strategy: 'most_frequent' });
  d.fit(Table.fromRows([{ x: null }]));
  assert.deepEqual(d.fills, [0]);
});

test("'drop' refuses missing training values and serving rows, naming the column", () => {
  const s = new Impute({ columns: ['x'], strategy: 'drop' });
  assert.throws(
    () => s.fit(Table.fromRows([{ x: 1 }, { x: null }])),
    (e: unknown) => code('invalid_input')(e) && /"x".*dropMissingRows/.test((e as Error).message),
  );
  s.fit(Table.fromRows([{ x: 1 }]));
  assert.equal(s.transform(Table.fromRows([{ x: 4 }])).get(0, 'x'), 4);
  assert.throws(
    () => s.transform(Table.fromRows([{ x: null }])),
    (e: unknown) => code('invalid_input')(e) && (e as AndonError).details.column === 'x',
  );
});

test('bad options and unknown columns are AndonErrors', () => {
  assert.throws(() => new Impute({ columns: [], strategy: 'mean' }), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'], strategy: 'avg' as never }), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'], strategy: 'constant' }), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'], strategy: 'mean', value: 1 }), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'], strategy: 'drop', indicator: true }), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'], stratgy: 'mean' } as never), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'], strategy: 'mean' }).fit(Table.fromRows([{ y: 1 }])), code('unknown_column'));
  assert.throws(() => new Impute({ columns: ['x'], strategy: 'mean' }).fit(Table.fromRows([{ x: 'a' }])), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'], indicator: true }).fit(Table.fromRows([{ x: 1, x__missing: 0 }])), code('invalid_input'));
  assert.throws(() => new Impute({ columns: ['x'] }).transform(Table.fromRows([{ x: 1 }])), code('invalid_input'));
});

test('restores from JSON by kind and refuses malformed state', () => {
  const s = new Impute({ columns: ['x', 't'], strategy: 'most_frequent', indicator: true });
  const train = Table.fromRows([
    { x: -0, t: 'a' },
    { x: null, t: null },
  ]);
  s.fit(train);
  const r = restoreStep(JSON.parse(JSON.stringify(s.toJSON())));
  assert.deepEqual(r.transform(train).rows().next().value, s.transform(train).rows().next().value);
  assert.ok(Object.is((s.fills as number[])[0], 0), '−0 is canonicalised before saving');
  assert.throws(() => restoreStep({ kind: 'impute', options: { columns: ['x'] }, fills: [] }), code('parse_error'));
});
