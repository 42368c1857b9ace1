// Category encoders: one-hot names and buckets, unseen values at serving, ordinal codes and orders.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { OneHotEncoder, OrdinalEncoder } from './categorical.js';
import { restoreEncoder } from './registry.js';

const col = (xs: (number | string | null)[]) => Table.fromRows(xs.map((type) => ({ type })));
const rows = (data: Float32Array, width: number) =>
  Array.from({ length: data.length / width }, (_, r) => Array.from(data.subarray(r * width, (r + 1) * width)));

test('one-hot: feature names like type=L, unseen and missing are all zeros', () => {
  const e = new OneHotEncoder({ columns: ['type'] });
  e.fit(col(['M', 'L', 'H', 'L']));
  const b = e.encode(col(['L', 'X', null, 'H']));
  assert.deepEqual(b.names, ['type=H', 'type=L', 'type=M']);
  assert.deepEqual(rows(b.data, b.width), [
    [0, 1, 0],
    [0, 0, 0],
    [0, 0, 0],
    [1, 0, 0],
  ]);
});

test('one-hot: beyond maxCategories or under minFrequency values share "other", as do unseen ones', () => {
  const e = new OneHotEncoder({ columns: ['type'], maxCategories: 2 });
  e.fit(col(['a', 'a', 'a', 'b', 'b', 'c', 'd']));
  const b = e.encode(col(['a', 'c', 'zzz', 'b']));
  assert.deepEqual(b.names, ['type=a', 'type=b', 'type=(other)']);
  assert.deepEqual(rows(b.data, b.width), [
    [1, 0, 0],
    [0, 0, 1],
    [0, 0, 1],
    [0, 1, 0],
  ]);
  const f = new OneHotEncoder({ columns: ['type'], minFrequency: 2, other: true });
  f.fit(col(['a', 'a', 'b']));
  assert.deepEqual(f.featureNames, ['type=a', 'type=(other)']);
});

test('categories compare as text whatever the storage', () => {
  const e = new OneHotEncoder({ columns: ['type'] });
  e.fit(col(['1', '2', 'x'])); // a text column
  const b = e.encode(col([2, 1])); // numbers at serving
  assert.deepEqual(rows(b.data, b.width), [
    [0, 1, 0],
    [1, 0, 0],
  ]);
});

test('ordinal: sorted codes or a given order; unseen and missing get the reserved code', () => {
  const e = new OrdinalEncoder({ columns: ['type'] });
  e.fit(col(['M', 'L', 'H']));
  assert.deepEqual(Array.from(e.encode(col(['H', 'L', 'M', 'Q', null])).data), [0, 1, 2, -1, -1]);
  const o = new OrdinalEncoder({ columns: ['type'], order: { type: ['L', 'M', 'H'] }, unknownCode: 3 });
  o.fit(col(['M', 'L']));
  assert.deepEqual(Array.from(o.encode(col(['L', 'M', 'H', 'Q'])).data), [0, 1, 2, 3]);
  assert.throws(
    () => o.fit(col(['L', 'XL'])),
    (err: unknown) => err instanceof AndonError && err.details.column === 'type',
  );
});

test('bad options are AndonErrors; both restore by kind', () => {
  const is = (e: unknown) => e instanceof AndonError && e.code === 'invalid_input';
  assert.throws(() => new OneHotEncoder({ columns: ['type'], maxCategories: 0 }), is);
  assert.throws(() => new OneHotEncoder({ columns: ['type'], maxCategories: 2.5 }), is);
  assert.throws(() => new OrdinalEncoder({ columns: ['type'], order: { other: ['a'] } }), is);
  assert.throws(() => new OrdinalEncoder({ columns: ['type'], order: { type: ['a', 'a'] } }), is);
  assert.throws(() => new OrdinalEncoder({ columns: ['type'], unknownCode: 0 }).fit(col(['a'])), is);
  assert.throws(
    () => new OneHotEncoder({ columns: ['type'] }).fit(col([]).select([])),
    (e: unknown) => e instanceof AndonError && e.code === 'unknown_column',
  );
  const t = col(['a', 'b', 'b', 'c']);
  for (const e of [new OneHotEncoder({ columns: ['type'], maxCategories: 1 }), new OrdinalEncoder({ columns: ['type'] })]) {
    e.fit(t);
    const r = restoreEncoder(JSON.parse(JSON.stringify(e.toJSON())));
    assert.deepEqual(r.encode(col(['a', 'b', 'q'])), e.encode(col(['a', 'b', 'q'])));
  }
});
