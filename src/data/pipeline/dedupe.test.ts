// Training-only row filters: duplicates and rows with missing values, with kept indices for aligning targets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { dropDuplicateRows, dropMissingRows } from './dedupe.js';

test('dropDuplicateRows keeps the first of equal rows; missing equals missing', () => {
  const t = Table.fromRows([
    { a: 1, b: 'x' },
    { a: 1, b: 'x' },
    { a: 2, b: null },
    { a: 2, b: null },
    { a: 3, b: 'x' },
  ]);
  const r = dropDuplicateRows(t);
  assert.deepEqual(Array.from(r.kept), [0, 2, 4]);
  assert.equal(r.removed, 2);
  assert.equal(r.table.rowCount, 3);
  assert.deepEqual(Array.from(dropDuplicateRows(t, { columns: ['b'] }).kept), [0, 2]);
  const separators = Table.fromRows([
    { a: 'x","y', b: 'z' },
    { a: 'x', b: 'y","z' },
  ]);
  assert.equal(dropDuplicateRows(separators).removed, 0, 'text containing separators cannot collide');
});

test('dropMissingRows drops rows missing any listed column and counts per column', () => {
  const t = Table.fromRows([
    { a: 1, b: 'x', y: 0 },
    { a: null, b: 'x', y: 1 },
    { a: 3, b: null, y: 0 },
    { a: 4, b: 'z', y: 1 },
  ]);
  const r = dropMissingRows(t, ['a', 'b']);
  assert.deepEqual(Array.from(r.kept), [0, 3]);
  assert.deepEqual(r.missing, { a: 1, b: 1 });
  assert.deepEqual(
    Array.from({ length: 2 }, (_, i) => r.table.get(i, 'y')),
    [0, 1],
    'targets travel with their rows',
  );
  assert.throws(
    () => dropMissingRows(t, ['nope']),
    (e: unknown) => e instanceof AndonError && e.code === 'unknown_column',
  );
  assert.throws(
    () => dropMissingRows(Table.fromRows([{ a: null }]), ['a']),
    (e: unknown) => e instanceof AndonError && e.code === 'empty_input',
  );
});
