// DatetimeParts: parts by hand from text and epochs, cycles, unparseable cells counted, options checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { DatetimeParts, parseDateText } from './datetime.js';
import { restoreStep } from './registry.js';

const partsOf = (t: Table, prefix: string) =>
  Object.fromEntries(
    t.columnNames
      .filter((n) => n.startsWith(prefix + '__'))
      .map((n) => [n.slice(prefix.length + 2), Array.from((t.column(n) as { values: Float64Array }).values)]),
  );

test('parts from text: wall-clock as written, weekday 0 = Monday, day of year from 1', () => {
  const s = new DatetimeParts({ columns: ['ts'] });
  const t = Table.fromRows([{ ts: '2024-03-10 14:30:00' }, { ts: '2023-12-31T23:59:59.5+02:00' }, { ts: '2024-01-01' }]);
  s.fit(t);
  assert.deepEqual(partsOf(s.transform(t), 'ts'), {
    year: [2024, 2023, 2024],
    month: [3, 12, 1],
    day: [10, 31, 1],
    weekday: [6, 6, 0],
    hour: [14, 23, 0],
    minute: [30, 59, 0],
    dayofyear: [70, 365, 1],
  });
  assert.deepEqual(
    s.outputColumns,
    ['year', 'month', 'day', 'weekday', 'hour', 'minute', 'dayofyear'].map((p) => `ts__${p}`),
  );
});

test('epoch numbers in seconds or milliseconds (by magnitude, or configured), read in UTC', () => {
  const s = new DatetimeParts({ columns: ['ts'], parts: ['year', 'weekday', 'hour'] });
  const t = Table.fromRows([{ ts: 0 }, { ts: 1_700_000_000_000 }, { ts: 1_700_000_000 }]);
  s.fit(t);
  assert.deepEqual(partsOf(s.transform(t), 'ts'), { year: [1970, 2023, 2023], weekday: [3, 1, 1], hour: [0, 22, 22] });
  const ms = new DatetimeParts({ columns: ['ts'], parts: ['year'], epochUnit: 'ms' });
  ms.fit(t);
  assert.deepEqual(partsOf(ms.transform(t), 'ts').year, [1970, 2023, 1970]);
});

test('unparseable and impossible dates are missing and counted', () => {
  const s = new DatetimeParts({ columns: ['ts'], parts: ['month'] });
  const t = Table.fromRows([{ ts: '2024-02-30' }, { ts: 'yesterday' }, { ts: null }, { ts: '2024-02-29 08:00' }, { ts: '05/01/2024' }]);
  s.fit(t);
  assert.deepEqual(partsOf(s.transform(t), 'ts').month, [NaN, NaN, NaN, 2, NaN]);
  assert.deepEqual(s.trainingReport.ts, { parsed: 1, missing: 1, unparseable: 3, samples: ['2024-02-30', 'yesterday', '05/01/2024'] });
  assert.equal(parseDateText('2023-02-29'), null);
  assert.deepEqual(parseDateText('0050-06-15'), { year: 50, month: 6, day: 15, hour: 0, minute: 0 });
});

test('cyclic parts put December next to January', () => {
  const s = new DatetimeParts({ columns: ['d'], parts: [], cyclic: ['month'] });
  const t = Table.fromRows([{ d: '2024-01-15' }, { d: '2024-12-15' }, { d: '2024-07-15' }]);
  s.fit(t);
  const out = s.transform(t);
  const sin = partsOf(out, 'd').month_sin,
    cos = partsOf(out, 'd').month_cos;
  const dist = (i: number, j: number) => Math.hypot(sin[i] - sin[j], cos[i] - cos[j]);
  assert.ok(dist(0, 1) < 0.6 && dist(0, 2) > 1.9);
  assert.deepEqual(new DatetimeParts({ columns: ['d'], cyclic: true }).outputColumns.slice(-6), [
    'd__month_sin',
    'd__month_cos',
    'd__weekday_sin',
    'd__weekday_cos',
    'd__hour_sin',
    'd__hour_cos',
  ]);
});

test('bad options and name clashes are AndonErrors; restores by kind', () => {
  const is = (e: unknown) => e instanceof AndonError && e.code === 'invalid_input';
  assert.throws(() => new DatetimeParts({ columns: ['d'], parts: ['second' as never] }), is);
  assert.throws(() => new DatetimeParts({ columns: ['d'], parts: [], cyclic: false }), is);
  assert.throws(() => new DatetimeParts({ columns: ['d'], cyclic: ['year' as never] }), is);
  assert.throws(() => new DatetimeParts({ columns: ['d'], epochUnit: 'us' as never }), is);
  assert.throws(() => new DatetimeParts({ columns: ['d'], parts: ['year'] }).fit(Table.fromRows([{ d: '2024-01-01', d__year: 1 }])), is);
  const s = new DatetimeParts({ columns: ['d'], cyclic: true });
  const t = Table.fromRows([{ d: '2024-05-06 07:08:09' }]);
  s.fit(t);
  assert.deepEqual(
    restoreStep(JSON.parse(JSON.stringify(s.toJSON())))
      .transform(t)
      .row(0),
    s.transform(t).row(0),
  );
});
