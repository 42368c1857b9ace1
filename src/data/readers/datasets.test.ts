// Acceptance: every real dataset in ../shared/datasets loads with the row and column counts its SOURCE.md states.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Table } from '../table.js';
import { readTable } from './index.js';

const root = fileURLToPath(new URL('../../../../shared/datasets/', import.meta.url));
const skip = existsSync(root) ? false : `${root} is missing (the shared datasets are not on this machine)`;
const file = (path: string) => `${root}${path}`;

/** How often each value of a column occurs, after trimming the padding some exports add. */
function counts(t: Table, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of t.rows()) {
    const k = String(r[name]).trim();
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

test('AI4I 2020: BOM, CRLF, 10,000 rows × 14 columns', { skip }, async () => {
  const { table, report } = await readTable(file('ai4i2020/ai4i2020.csv'));
  assert.equal(table.rowCount, 10_000);
  assert.deepEqual(table.columnNames, [
    'UDI',
    'Product ID',
    'Type',
    'Air temperature [K]',
    'Process temperature [K]',
    'Rotational speed [rpm]',
    'Torque [Nm]',
    'Tool wear [min]',
    'Machine failure',
    'TWF',
    'HDF',
    'PWF',
    'OSF',
    'RNF',
  ]);
  assert.equal(report.header, true);
  assert.deepEqual(report.skipped, []);
  assert.deepEqual(counts(table, 'Type'), { M: 2997, L: 6000, H: 1003 });
  assert.equal(counts(table, 'Machine failure')['1'], 339);
  assert.equal(table.column('Torque [Nm]').type, 'number');
});

test('Twitter airline sentiment: CRLF inside quoted tweets, 14,640 rows × 15 columns', { skip }, async () => {
  const { table } = await readTable(file('twitter-airline-sentiment/Tweets.csv'));
  assert.equal(table.rowCount, 14_640);
  assert.equal(table.columns.length, 15);
  assert.equal(table.columnNames[10], 'text');
  assert.deepEqual(counts(table, 'airline_sentiment'), { neutral: 3099, positive: 2363, negative: 9178 });
  assert.ok(
    [...table.rows()].some((r) => String(r.text).includes('\r\n')),
    'a multi-line tweet keeps its line break',
  );
});

test('C-MAPSS FD001: blank-separated, no header, 26 columns', { skip }, async () => {
  const train = await readTable(file('cmapss-fd001/train_FD001.txt'));
  assert.equal(train.report.delimiter, ' ');
  assert.equal(train.report.header, false);
  assert.equal(train.table.rowCount, 20_631);
  assert.equal(train.table.columns.length, 26);
  assert.ok(train.table.columns.every((c) => c.type === 'number'));
  assert.equal(Object.keys(counts(train.table, 'column_1')).length, 100, '100 engines');
  const test_ = await readTable(file('cmapss-fd001/test_FD001.txt'), { delimiter: ' ' });
  assert.equal(test_.table.rowCount, 13_096);
  assert.equal(test_.table.columns.length, 26);
  const rul = await readTable(file('cmapss-fd001/RUL_FD001.txt'));
  assert.equal(rul.table.rowCount, 100);
  const values = [...rul.table.rows()].map((r) => r.column_1 as number);
  assert.deepEqual([Math.min(...values), Math.max(...values)], [7, 145]);
});

test('FAA maintenance incidents: 2,748 rows × 181 columns, the empty first name renamed', { skip }, async () => {
  const { table, report } = await readTable(file('faa-maintenance-incidents/Maintenance_Text_data_nona.csv'));
  assert.equal(table.rowCount, 2748);
  assert.equal(table.columns.length, 181);
  assert.deepEqual(report.renamedColumns, [{ index: 0, from: '', to: 'column_1' }]);
  assert.deepEqual(counts(table, 'c1'), { A: 1376, I: 1372 });
  assert.equal(counts(table, 'c78').II, 1942);
});

test('MaintNet aviation logbook: BOM, CRLF, 6,169 rows × 3 columns', { skip }, async () => {
  const { table } = await readTable(file('maintnet-aviation-logbook/Aircraft_Annotation_DataFile.csv'));
  assert.deepEqual(table.columnNames, ['IDENT', 'PROBLEM', 'ACTION']);
  assert.equal(table.rowCount, 6169);
  assert.equal(table.get(0, 'IDENT'), 100001);
  assert.equal(table.get(0, 'ACTION'), "TRIED TO ADJUST IDLE SEVERAL TIMES, WOULDN'T ADJUST.");
});
