// NumericEncoder: each scaling by hand, constant columns, log1p guards, NaN refusal, training statistics only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { NumericEncoder, type NumericOptions } from './numeric.js';
import { restoreEncoder } from './registry.js';

const col = (xs: (number | string | null)[]) => Table.fromRows(xs.map((x) => ({ x })));
const encode = (o: Omit<NumericOptions, 'columns'>, train: (number | null)[], test = train) => {
  const e = new NumericEncoder({ columns: ['x'], ...o });
  e.fit(col(train));
  return Array.from(e.encode(col(test)).data);
};
const close = (got: number[], want: number[]) => {
  assert.equal(got.length, want.length);
  got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-6, `${g} vs ${want[i]} at ${i}`));
};

test('standard, min-max, robust and none, by hand', () => {
  const s = Math.sqrt(1.25);
  close(encode({}, [1, 2, 3, 4]), [-1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s]);
  close(encode({ scale: 'minmax' }, [2, 4, 6]), [0, 0.5, 1]);
  close(encode({ scale: 'robust' }, [1, 2, 3, 4, 100]), [-1, -0.5, 0, 0.5, 48.5]);
  close(encode({ scale: 'none' }, [1, -2.5]), [1, -2.5]);
});

test('new rows are scaled with the training statistics', () => {
  close(encode({ scale: 'minmax' }, [0, 10], [5, 20, -10]), [0.5, 2, -1]);
  close(encode({}, [1, 3], [2, 5]), [0, 3]);
});

test('a constant column encodes as exactly 0 without dividing by zero', () => {
  for (const scale of ['standard', 'minmax', 'robust'] as const) {
    assert.deepEqual(encode({ scale }, [0.1, 0.1, 0.1], [0.1, 1.1]), [0, 1], scale);
  }
  assert.deepEqual(encode({}, [7]), [0]);
});

test('log1p: negatives are an error by default, or shifted by the training minimum; serving never yields NaN', () => {
  close(encode({ log1p: true, scale: 'none' }, [0, Math.E - 1]), [0, 1]);
  assert.throws(
    () => encode({ log1p: true }, [-1, 2]),
    (e: unknown) => e instanceof AndonError && e.code === 'invalid_input' && e.details.column === 'x',
  );
  close(encode({ log1p: true, negatives: 'shift', scale: 'none' }, [-1, 0], [-1, 0, -50]), [0, Math.log(2), 0]);
});

test('a missing or non-numeric value reaching the encoder is invalid_input naming the column', () => {
  const e = new NumericEncoder({ columns: ['x'] });
  assert.throws(
    () => e.fit(col([1, null])),
    (err: unknown) => err instanceof AndonError && err.code === 'invalid_input' && err.details.column === 'x',
  );
  e.fit(col([1, 2]));
  assert.throws(
    () => e.encode(col([1, null, 3])),
    (err: unknown) => err instanceof AndonError && err.details.column === 'x' && err.details.row === 1,
  );
  assert.throws(
    () => e.encode(col(['abc'])),
    (err: unknown) => err instanceof AndonError && err.code === 'invalid_input',
  );
  close(Array.from(e.encode(col(['2'])).data), [1]); // numbers sent as text still encode
});

test('options are validated; the encoder restores by kind', () => {
  const is = (e: unknown) => e instanceof AndonError && e.code === 'invalid_input';
  assert.throws(() => new NumericEncoder({ columns: ['x'], scale: 'zscore' as never }), is);
  assert.throws(() => new NumericEncoder({ columns: ['x'], log1p: 'yes' as never }), is);
  assert.throws(() => new NumericEncoder({ columns: ['x'], negatives: 'clip' as never }), is);
  const e = new NumericEncoder({ columns: ['x', 'y'], scale: 'robust' });
  const t = Table.fromRows([
    { x: 1, y: 5 },
    { x: 4, y: -2 },
    { x: 9, y: 0 },
  ]);
  e.fit(t);
  const r = restoreEncoder(JSON.parse(JSON.stringify(e.toJSON())));
  assert.deepEqual(r.encode(t), e.encode(t));
  assert.deepEqual(e.encode(t).names, ['x', 'y']);
  assert.throws(
    () => restoreEncoder({ ...e.toJSON(), scale: [0, 1] }),
    (err: unknown) => err instanceof AndonError && err.code === 'parse_error',
  );
});
