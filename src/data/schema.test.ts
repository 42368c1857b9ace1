// Schema and task inference on small generated tables: every semantic type, overrides, dates, and task errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from './table.js';
import { inferSchema, inferTask, parseDatetime, tokenize } from './schema.js';
import { isAndonError } from '../errors.js';

/** A tiny deterministic generator so fixtures never change between runs. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const pick = <T>(r: () => number, xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
const EN = [
  'spindle',
  'bearing',
  'noise',
  'replaced',
  'coolant',
  'leak',
  'found',
  'near',
  'motor',
  'after',
  'shift',
  'operator',
  'reported',
  'vibration',
  'alarm',
  'belt',
];
const ZH = ['主轴', '电机', '轴承', '异响', '过热', '更换', '润滑', '检查', '振动', '报警', '停机', '恢复', '正常', '冷却液', '泄漏'];
const sentence = (r: () => number, words: readonly string[], join: string, n: number) => Array.from({ length: n }, () => pick(r, words)).join(join);

function mixedRows(count = 60, seed = 7): Record<string, unknown>[] {
  const r = lcg(seed);
  return Array.from({ length: count }, (_, i) => ({
    UDI: i + 1,
    'Product ID': `${pick(r, ['L', 'M', 'H'])}${47000 + i * 7}`,
    temperature: 290 + r() * 20,
    cycles: Math.floor(r() * 40),
    failed: r() < 0.3 ? 1 : 0,
    approved: pick(r, ['Yes', 'no', 'YES', 'No']),
    合格: pick(r, ['是', '否']),
    Type: pick(r, ['L', 'M', 'H']),
    note: `${sentence(r, EN, ' ', 6 + Math.floor(r() * 6))}.`,
    备注: `${sentence(r, ZH, '', 5 + Math.floor(r() * 5))}。`,
    ts: new Date(Date.UTC(2024, 0, 1) + i * 3_600_000).toISOString(),
    day: `2024/02/${String(1 + (i % 28)).padStart(2, '0')}`,
    created_at: 1_700_000_000 + i * 60,
    reading: 1_700_000_000 + (i % 7) * 60,
    plant: 'Suzhou',
    empty: null,
  }));
}

test('each column gets the semantic type a person would give it, with roles and reasons', () => {
  const schema = inferSchema(Table.fromRows(mixedRows()));
  const types = Object.fromEntries(schema.columns.map((c) => [c.name, c.type]));
  assert.deepEqual(types, {
    UDI: 'identifier',
    'Product ID': 'identifier',
    temperature: 'number',
    cycles: 'integer',
    failed: 'boolean',
    approved: 'boolean',
    合格: 'boolean',
    Type: 'category',
    note: 'text',
    备注: 'text',
    ts: 'datetime',
    day: 'datetime',
    created_at: 'datetime',
    reading: 'integer',
    plant: 'constant',
    empty: 'constant',
  });
  const byName = Object.fromEntries(schema.columns.map((c) => [c.name, c]));
  assert.equal(byName.UDI.role, 'identifier');
  assert.equal(byName.plant.role, 'ignored');
  assert.equal(byName.Type.role, 'feature');
  assert.equal(byName.Type.storage, 'string');
  assert.equal(byName.Type.distinct, 3);
  assert.equal(byName.empty.missing, 60);
  assert.match(byName['Product ID'].reason, /unique per row/);
  assert.ok(schema.columns.every((c) => c.reason.length > 5));
  assert.equal(schema.rows, 60);
});

test('short repeated strings and few repeated integers are categories or integers, never keys', () => {
  const rows = Array.from({ length: 200 }, (_, i) => ({ line: `Line ${i % 12}`, shift: ['A', 'B', 'C'][i % 3], rating: 1 + (i % 5) }));
  const s = inferSchema(Table.fromRows(rows));
  assert.deepEqual(
    s.columns.map((c) => c.type),
    ['category', 'category', 'integer'],
  );
});

test('users override types by name, and the target gets its role', () => {
  const table = Table.fromRows(mixedRows());
  const s = inferSchema(table, { types: { cycles: 'category', UDI: 'integer' }, target: 'failed' });
  const byName = Object.fromEntries(s.columns.map((c) => [c.name, c]));
  assert.equal(byName.cycles.type, 'category');
  assert.equal(byName.cycles.reason, 'set by the user');
  assert.equal(byName.UDI.role, 'feature');
  assert.equal(byName.failed.role, 'target');
  assert.equal(s.target, 'failed');
  assert.throws(
    () => inferSchema(table, { types: { nope: 'text' } }),
    (e) => isAndonError(e) && e.code === 'unknown_column',
  );
  assert.throws(
    () => inferSchema(table, { types: { cycles: 'float' as never } }),
    (e) => isAndonError(e) && e.code === 'invalid_input',
  );
  assert.throws(
    () => inferSchema(table, { target: 'nope' }),
    (e) => isAndonError(e) && e.code === 'unknown_column',
  );
});

test('inference is deterministic', () => {
  assert.deepEqual(inferSchema(Table.fromRows(mixedRows())), inferSchema(Table.fromRows(mixedRows())));
});

test('datetimes: ISO 8601, space-separated with zones and slashes; ambiguous or invalid ones are refused', () => {
  assert.equal(parseDatetime('2024-03-05'), Date.UTC(2024, 2, 5));
  assert.equal(parseDatetime('2024-03-05T10:20:30Z'), Date.UTC(2024, 2, 5, 10, 20, 30));
  assert.equal(parseDatetime('2024-03-05T10:20:30.5+08:00'), Date.UTC(2024, 2, 5, 2, 20, 30, 500));
  assert.equal(parseDatetime('2015-02-24 11:35:52 -0800'), Date.UTC(2015, 1, 24, 19, 35, 52));
  assert.equal(parseDatetime('2024/03/05 08:00'), Date.UTC(2024, 2, 5, 8));
  assert.equal(parseDatetime('2024-02-29'), Date.UTC(2024, 1, 29));
  assert.equal(parseDatetime('2024-03-05 10:00 +08'), Date.UTC(2024, 2, 5, 2));
  for (const bad of ['2023-02-29', '2024-13-01', '2024-03-05 25:00', '03/04/2024', '2024年3月5日', '1551', 'M14860', '2024-03-05T10'])
    assert.equal(parseDatetime(bad), null, bad);
});

test('tokens: English words by letters, Chinese words through the segmenter', () => {
  assert.deepEqual(tokenize("@VirginAmerica you've added commercials... tacky."), ['virginamerica', "you've", 'added', 'commercials', 'tacky']);
  const zh = tokenize('主轴轴承异响，已更换。');
  assert.ok(zh.length >= 3 && zh.every((t) => !/[，。]/.test(t)), zh.join('|'));
});

test('inferTask: binary, multiclass and regression targets with sorted labels', () => {
  const t = Table.fromRows(
    Array.from({ length: 100 }, (_, i) => ({
      failed: i % 10 === 0 ? 1 : 0,
      ok: i % 3 ? 'yes' : 'no',
      grade: 1 + (i % 4),
      mode: ['TWF', 'HDF', 'PWF'][i % 3],
      torque: 40 + Math.sin(i) * 8,
      count: i * 3,
      nothing: null,
      one: 'x',
    })),
  );
  assert.deepEqual(inferTask(t, 'failed'), { task: 'binary', labels: ['0', '1'], reason: 'two distinct values (0, 1)' });
  assert.deepEqual(inferTask(t, 'ok').labels, ['no', 'yes']);
  assert.deepEqual(inferTask(t, 'grade'), { task: 'multiclass', labels: ['1', '2', '3', '4'], reason: '4 distinct whole numbers' });
  assert.deepEqual(inferTask(t, 'mode').labels, ['HDF', 'PWF', 'TWF']);
  assert.equal(inferTask(t, 'torque').task, 'regression');
  assert.equal(inferTask(t, 'count').task, 'regression');
  assert.throws(
    () => inferTask(t, 'missing'),
    (e) => isAndonError(e) && e.code === 'unknown_column',
  );
  assert.throws(
    () => inferTask(t, 'nothing'),
    (e) => isAndonError(e) && e.code === 'invalid_input',
  );
  assert.throws(
    () => inferTask(t, 'one'),
    (e) => isAndonError(e) && e.code === 'invalid_input',
  );
});
