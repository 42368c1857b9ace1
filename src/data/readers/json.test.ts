// readJson and readJsonLines: records to columns, bad records by line in strict and lenient mode, limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AndonError } from '../../errors.js';
import type { Cell, Table } from '../table.js';
import { readJson, readJsonLines, type JsonOptions } from './json.js';

const json = (text: string, options: JsonOptions = {}) => readJson(Buffer.from(text, 'utf8'), options);
const jsonl = (text: string, options: JsonOptions = {}) => readJsonLines(Buffer.from(text, 'utf8'), options);
const rows = (t: Table): Record<string, Cell>[] => [...t.rows()];

async function rejects(p: Promise<unknown>, code: string, line?: number): Promise<AndonError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AndonError, `expected an AndonError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (line !== undefined) assert.equal(e.details.line, line, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

test('a JSON array of objects: columns in first-seen order, missing keys, nested values as JSON text', async () => {
  const text = `[
    {"id": 1, "temp": 20.5, "ok": true, "tags": ["a", "b"]},
    {"id": 2, "extra": {"x": 1}, "temp": null},
    {"id": "3", "temp": "21.5", "ok": false, "note": "say \\"hi\\", [then] {go}"}
  ]`;
  const { table, report } = await json(text);
  assert.deepEqual(table.columnNames, ['id', 'temp', 'ok', 'tags', 'extra', 'note']);
  assert.deepEqual(rows(table), [
    { id: 1, temp: 20.5, ok: 'true', tags: '["a","b"]', extra: null, note: null },
    { id: 2, temp: null, ok: null, tags: null, extra: '{"x":1}', note: null },
    { id: 3, temp: 21.5, ok: 'false', tags: null, extra: null, note: 'say "hi", [then] {go}' },
  ]);
  assert.equal(table.column('id').type, 'number');
  assert.deepEqual({ ...report, bytes: 0 }, { format: 'json', header: true, rows: 3, skipped: [], renamedColumns: [], bytes: 0 });
});

test('JSON arrays across every chunk boundary, with a BOM and unicode', async () => {
  const text = '\ufeff[{"a": "é€𝄞", "b": 1}, {"a": "x,]}", "b": 2.5}]';
  const whole = await json(text);
  for (const chunkBytes of [1, 2, 3, 5, 8]) {
    assert.deepEqual(rows((await json(text, { chunkBytes })).table), rows(whole.table));
  }
  assert.deepEqual(rows(whole.table), [
    { a: 'é€𝄞', b: 1 },
    { a: 'x,]}', b: 2.5 },
  ]);
});

test('bad array elements: strict names the line, lenient skips and reports them', async () => {
  const text = '[\n{"a": 1},\n{"a": 2,},\n42,\n{"a": 3},\n,\n{"a": 4}\n]';
  await rejects(json(text), 'parse_error', 3);
  const { table, report } = await json(text, { mode: 'lenient' });
  assert.deepEqual(
    rows(table).map((r) => r.a),
    [1, 3, 4],
  );
  assert.deepEqual(
    report.skipped.map((s) => s.line),
    [3, 4, 6],
  );
  assert.match(report.skipped[1].reason, /expected an object, found number/);
});

test('truncated and malformed JSON arrays', async () => {
  await rejects(json('[{"a": 1}, {"a": 2'), 'parse_error', 1);
  const cut = await json('[{"a": 1},\n{"a": 2}', { mode: 'lenient' });
  assert.deepEqual(
    rows(cut.table).map((r) => r.a),
    [1, 2],
  );
  assert.match(cut.report.skipped[0].reason, /not closed/);
  await rejects(json('{"a": 1}'), 'parse_error');
  await rejects(json('[{"a": 1}] x'), 'parse_error');
  await rejects(json('[{"a": 1},]'), 'parse_error');
  await rejects(json(''), 'empty_input');
  await rejects(json('  []  '), 'empty_input');
  await rejects(json('[{}, {}]'), 'empty_input');
});

test('JSON Lines: one object per line, CRLF, blank lines; bad lines by number', async () => {
  const text = '{"a": 1, "b": "x"}\r\n\r\n{"b": "y", "c": [1]}\n{"a": 2}';
  const { table, report } = await jsonl(text);
  assert.deepEqual(rows(table), [
    { a: 1, b: 'x', c: null },
    { a: null, b: 'y', c: '[1]' },
    { a: 2, b: null, c: null },
  ]);
  assert.equal(report.format, 'jsonl');
  for (const chunkBytes of [1, 3, 7]) assert.deepEqual(rows((await jsonl(text, { chunkBytes })).table), rows(table));

  const bad = '{"a": 1}\n{"a": \n[1, 2]\n"text"\n{"a": 5}\n';
  await rejects(jsonl(bad), 'parse_error', 2);
  const lenient = await jsonl(bad, { mode: 'lenient' });
  assert.deepEqual(
    rows(lenient.table).map((r) => r.a),
    [1, 5],
  );
  assert.deepEqual(
    lenient.report.skipped.map((s) => s.line),
    [2, 3, 4],
  );
  assert.match(lenient.report.skipped[0].reason, /invalid JSON/);
  await rejects(jsonl('\n\n'), 'empty_input');
  await rejects(jsonl('nope\n', { mode: 'lenient' }), 'parse_error');
});

test('empty keys are renamed; limits and options', async () => {
  const { table, report } = await json('[{"": 1, "column_1": 2}]');
  assert.deepEqual(table.columnNames, ['column_1_2', 'column_1']);
  assert.deepEqual(report.renamedColumns, [{ index: 0, from: '', to: 'column_1_2' }]);
  await rejects(jsonl('{"a": 1}\n'.repeat(100), { maxBytes: 50 }), 'too_large');
  await rejects(json('[{"a": 1}]', { mode: 'loose' as 'strict' }), 'invalid_input');
});

test('column limits: more than 2,000 distinct keys is too_large, a key over 256 characters invalid_input', async () => {
  const wide = (n: number, from = 0) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, j) => [`k${from + j}`, j])));
  const e = await rejects(json(`[${wide(1)},\n${wide(100_000)}]`), 'too_large', 2);
  assert.deepEqual([e.details.columns, e.details.maxColumns], [100_000, 2000]);
  assert.match(e.message, /100000 columns.*2000/);
  // Keys add up over records: 1,500 on line 1 and 1,500 others on line 2 are 3,000 columns.
  const spread = await rejects(jsonl(`${wide(1500)}\n${wide(1500, 1500)}\n`), 'too_large', 2);
  assert.equal(spread.details.columns, 3000);
  assert.equal((await jsonl(`${wide(1000)}\n${wide(1000, 1000)}\n`)).table.columns.length, 2000);
  // Limits are not malformed rows: lenient mode refuses them too.
  await rejects(jsonl(`${wide(2001)}\n`, { mode: 'lenient' }), 'too_large', 1);

  const long = await rejects(jsonl(`{"a": 1}\n{"${'k'.repeat(1_000_000)}": 2}\n`), 'invalid_input', undefined);
  assert.deepEqual([long.details.column, long.details.chars, long.details.maxChars], [2, 1_000_000, 256]);
  assert.match(long.message, /^line 2: .*1000000 characters.*256/);
  assert.ok(long.message.length < 200 && JSON.stringify(long.details).length < 200, 'the key is not echoed back');
  await rejects(json(`[{"${'é'.repeat(257)}": 1}]`), 'invalid_input');
  assert.deepEqual((await json(`[{"${'é'.repeat(256)}": 1}]`)).table.columnNames, ['é'.repeat(256)]);
});
