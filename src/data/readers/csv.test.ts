// readCsv: quoting, line endings, detection, renaming, strict and lenient errors, limits and chunk boundaries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AndonError } from '../../errors.js';
import type { Cell, Table } from '../table.js';
import { readCsv, type CsvOptions } from './csv.js';

const csv = (text: string | Buffer, options: CsvOptions = {}) => readCsv(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, options);
const rows = (t: Table): Cell[][] => [...t.rows()].map((r) => Object.values(r));

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

test('a header, numbers, text and missing values', async () => {
  const { table, report } = await csv('id,temp,line\n1,20.5,A\n2,,B\n3,NA,007\n');
  assert.deepEqual(table.columnNames, ['id', 'temp', 'line']);
  assert.deepEqual(
    table.columns.map((c) => c.type),
    ['number', 'number', 'string'],
  );
  assert.deepEqual(rows(table), [
    [1, 20.5, 'A'],
    [2, null, 'B'],
    [3, null, '007'],
  ]);
  assert.deepEqual(report, { format: 'csv', delimiter: ',', header: true, rows: 3, skipped: [], renamedColumns: [], bytes: 36 });
});

test('a UTF-8 BOM and CRLF line endings', async () => {
  const { table } = await csv('\ufeffa,b\r\n1,x\r\n2,y\r\n');
  assert.deepEqual(table.columnNames, ['a', 'b']);
  assert.deepEqual(rows(table), [
    [1, 'x'],
    [2, 'y'],
  ]);
});

test('RFC 4180 quoting: delimiters, doubled quotes and line breaks inside fields', async () => {
  const text = 'n,text\r\n1,"a, b"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,"lf\nonly"\n5,""\n"6",plain\n';
  const { table } = await csv(text);
  assert.deepEqual(rows(table), [
    [1, 'a, b'],
    [2, 'say "hi"'],
    [3, 'two\r\nlines'],
    [4, 'lf\nonly'],
    [5, null],
    [6, 'plain'],
  ]);
  // Line numbers count the breaks inside quoted fields: the bad row below starts on line 4.
  await rejects(csv('a,b\n1,"x\ny"\n2,"z\r\nw"\n3\n'), 'parse_error', 6);
});

test('every chunk boundary gives the same table', async () => {
  const text = '\ufeffid;name;v\r\n1;"a;""q""\r\nb";1.5\r\n2;plain;-0\r\n\r\n3;"";1e3\r\n4;é€𝄞;7';
  const whole = await csv(text);
  for (const chunkBytes of [1, 2, 3, 4, 5, 7, 11]) {
    const part = await csv(text, { chunkBytes });
    assert.deepEqual(rows(part.table), rows(whole.table), `chunkBytes ${chunkBytes}`);
    assert.deepEqual(part.report, whole.report);
  }
  assert.deepEqual(rows(whole.table)[0], [1, 'a;"q"\r\nb', 1.5]);
  assert.ok(Object.is(rows(whole.table)[1][2], -0));
  assert.deepEqual(rows(whole.table)[3], [4, 'é€𝄞', 7]);
});

test('a field longer than the sniffed bytes and the chunks', async () => {
  const long = 'x'.repeat(300_000);
  const { table } = await csv(`a,b\n1,"${long}"\n2,"${long}"""\n`, { chunkBytes: 1000 });
  assert.equal(table.get(0, 'b'), long);
  assert.equal(table.get(1, 'b'), `${long}"`);
});

test('delimiter detection: comma, semicolon with decimal commas, tab, pipe; quoted content does not vote', async () => {
  assert.equal((await csv('a,b,c\n1,2,3\n')).report.delimiter, ',');
  const semi = await csv('temp;pressure\n21,5;1013,2\n22,1;1012,8\n');
  assert.equal(semi.report.delimiter, ';');
  assert.deepEqual(rows(semi.table), [
    ['21,5', '1013,2'],
    ['22,1', '1012,8'],
  ]);
  assert.equal((await csv('a\tb\n1\t2\n')).report.delimiter, '\t');
  assert.equal((await csv('a|b\n1|2\n3|4\n')).report.delimiter, '|');
  const quoted = await csv('name;n\n"x, y, z";1\n"p, q, r";2\n');
  assert.equal(quoted.report.delimiter, ';');
  assert.deepEqual(rows(quoted.table), [
    ['x, y, z', 1],
    ['p, q, r', 2],
  ]);
  assert.equal((await csv('just one column\nof text\n')).report.delimiter, ',');
  assert.equal((await csv('a,b\n1,2\n', { delimiter: ';' })).table.columnNames[0], 'a,b');
});

test('header detection, and the header option overriding it', async () => {
  const none = await csv('1,2.5,x\n3,4.5,y\n');
  assert.equal(none.report.header, false);
  assert.deepEqual(none.table.columnNames, ['column_1', 'column_2', 'column_3']);
  assert.equal(none.table.rowCount, 2);
  assert.equal((await csv('sensor,value\nA,1\nB,2\n')).report.header, true);
  assert.equal((await csv('name,comment\nann,"long text here"\nbob,"more"\n')).report.header, true, 'no evidence means header');
  assert.equal((await csv('AB,CD\nEF,GH\nIJ,KL\n')).report.header, false, 'same-length codes in every row');
  assert.equal((await csv('code,CD\nEF,GH\nIJ,KL\n')).report.header, true);
  const forced = await csv('AB,CD\nEF,GH\n', { header: true });
  assert.deepEqual(forced.table.columnNames, ['AB', 'CD']);
  const off = await csv('a,b\n1,2\n', { header: false });
  assert.deepEqual(rows(off.table), [
    ['a', 'b'],
    ['1', '2'],
  ]);
});

test('empty and repeated header names are made unique and reported', async () => {
  const { table, report } = await csv(',id,id, v ,id,column_1\n1,2,3,4,5,6\n');
  assert.deepEqual(table.columnNames, ['column_1_2', 'id', 'id_2', 'v', 'id_3', 'column_1']);
  assert.deepEqual(report.renamedColumns, [
    { index: 0, from: '', to: 'column_1_2' },
    { index: 2, from: 'id', to: 'id_2' },
    { index: 4, from: 'id', to: 'id_3' },
  ]);
});

test('strict mode fails on the first malformed row with its line', async () => {
  await rejects(csv('a,b\n1,2\n3,4,5\n6,7\n'), 'parse_error', 3);
  await rejects(csv('a,b\n1,2\n3\n'), 'parse_error', 3);
  const stray = await rejects(csv('a,b\n1,2\n3,4"x\n'), 'parse_error', 3);
  assert.match(stray.message, /quote inside unquoted field 2/);
  const after = await rejects(csv('a,b\n1,"2"x\n'), 'parse_error', 2);
  assert.match(after.message, /after the closing quote/);
  const open = await rejects(csv('a,b\n1,2\n3,"never closed\n4,5\n'), 'parse_error', 3);
  assert.match(open.message, /unterminated quoted field starting on line 3/);
});

test('lenient mode skips malformed rows and reports each line', async () => {
  const text = 'a,b\n1,2\n3,4,5\n6\n7,8"x\n9,"1"0\n11,12\n13,"open\n14,15\n';
  const { table, report } = await csv(text, { mode: 'lenient' });
  assert.deepEqual(rows(table), [
    [1, 2],
    [11, 12],
    [14, 15],
  ]);
  assert.deepEqual(
    report.skipped.map((s) => s.line),
    [3, 4, 5, 6, 8],
  );
  assert.match(report.skipped[0].reason, /expected 2 fields, found 3/);
  assert.match(report.skipped[4].reason, /unterminated/);
  assert.equal(report.rows, 3);
});

test('maxBytes: too_large as soon as the limit is passed, without reading the rest', async () => {
  await rejects(csv('a,b\n1,2\n', { maxBytes: 5 }), 'too_large');
  let chunksRead = 0;
  async function* endless() {
    for (;;) {
      chunksRead++;
      yield Buffer.from('1,2,3\n'.repeat(1000));
    }
  }
  await rejects(readCsv(endless(), { maxBytes: 100_000 }), 'too_large');
  assert.ok(chunksRead <= 18, `read ${chunksRead} chunks`);
  assert.equal((await csv('a\n1\n', { maxBytes: 4 })).table.rowCount, 1);
});

test('a parse error stops reading and closes the source', async () => {
  let chunksRead = 0,
    closed = false;
  async function* source() {
    try {
      yield Buffer.from('a,b\n1,2\n3,4,5\n');
      for (;;) {
        chunksRead++;
        yield Buffer.from('6,7\n'.repeat(10_000));
      }
    } finally {
      closed = true;
    }
  }
  await rejects(readCsv(source()), 'parse_error', 3);
  assert.ok(closed);
  assert.ok(chunksRead <= 2, `read ${chunksRead} more chunks`);
});

test('empty inputs, a header-only file, blank lines', async () => {
  for (const text of ['', '\ufeff', '\n\n', '\r\n\r\n', '  \n\t\n']) await rejects(csv(text), 'empty_input');
  const headerOnly = await csv('a,b,c\n');
  assert.deepEqual(headerOnly.table.columnNames, ['a', 'b', 'c']);
  assert.equal(headerOnly.table.rowCount, 0);
  assert.equal(headerOnly.report.rows, 0);
  assert.deepEqual(rows((await csv('a,b\n\n1,2\n\n\n3,4')).table), [
    [1, 2],
    [3, 4],
  ]);
});

test('invalid UTF-8 becomes U+FFFD; UTF-16 is refused', async () => {
  const bytes = Buffer.concat([Buffer.from('a,b\n1,ok\n2,'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')]);
  const { table } = await csv(bytes);
  assert.equal(table.get(1, 'b'), '\ufffd(\ufffd');
  assert.equal(table.get(1, 'a'), 2);
  await rejects(csv(Buffer.from('\ufeffa,b\n1,2\n', 'utf16le')), 'parse_error');
});

test('blank-separated columns: explicit " " and detected, runs of spaces and trailing blanks', async () => {
  const text = '1 1 -0.0007 100.0  \n1 2  0.0019 100.0  \n2   1 0.0043 99.9  \n';
  for (const options of [{ delimiter: ' ' }, {}]) {
    const { table, report } = await csv(text, options);
    assert.equal(report.delimiter, ' ');
    assert.equal(report.header, false);
    assert.deepEqual(rows(table), [
      [1, 1, -0.0007, 100],
      [1, 2, 0.0019, 100],
      [2, 1, 0.0043, 99.9],
    ]);
  }
  const quoted = await csv('name value\n"a b" 1\nc 2\n', { delimiter: ' ' });
  assert.deepEqual(rows(quoted.table), [
    ['a b', 1],
    ['c', 2],
  ]);
});

test('numbers stay exact and codes stay text; a column turns to text at its first word', async () => {
  const { table } = await csv('a,b,c\n0.1,1,x\n-2.5e-3,2,y\n1e400,"3",z\n123456789012345,"4.0",w\n');
  assert.deepEqual(
    table.columns.map((c) => c.type),
    ['number', 'number', 'string'],
  );
  assert.deepEqual(
    rows(table).map((r) => r[0]),
    [0.1, -0.0025, Infinity, 123456789012345],
  );
  // Integers longer than 15 digits (tweet ids, card and ID numbers) would lose digits as doubles: they stay text.
  const ids = await csv('id\n570306133677760513\n570301130888122368\n');
  assert.deepEqual(
    rows(ids.table).map((r) => r[0]),
    ['570306133677760513', '570301130888122368'],
  );
  const mixed = await csv('code\n1\n2\nA7\n');
  assert.deepEqual(
    rows(mixed.table).map((r) => r[0]),
    ['1', '2', 'A7'],
  );
});

test('options are validated', async () => {
  await rejects(csv('a\n1\n', { delimiter: '"' }), 'invalid_input');
  await rejects(csv('a\n1\n', { delimiter: ',,' }), 'invalid_input');
  await rejects(csv('a\n1\n', { mode: 'loose' as 'strict' }), 'invalid_input');
  await rejects(readCsv('/nonexistent/andon/file.csv'), 'not_found');
});

test('column limits: more than 2,000 columns is too_large, for CSV and TSV, with or without a header', async () => {
  const header = (n: number, d = ',') => Array.from({ length: n }, (_, j) => `sensor_${j}`).join(d);
  const data = (n: number, d = ',') => Array.from({ length: n }, (_, j) => String(j % 10)).join(d);
  const e = await rejects(csv(`${header(3000)}\n${data(3000)}\n`), 'too_large', 1);
  assert.deepEqual([e.details.columns, e.details.maxColumns], [3000, 2000]);
  assert.match(e.message, /3000 columns.*2000/);
  await rejects(csv(`${header(2001, '\t')}\n${data(2001, '\t')}\n`, { delimiter: '\t' }), 'too_large', 1);
  await rejects(csv(`${data(5000)}\n${data(5000)}\n`, { header: false }), 'too_large', 1);
  // Exactly at the limit is fine.
  const { table } = await csv(`${header(2000)}\n${data(2000)}\n`);
  assert.equal(table.columns.length, 2000);
  // A later row this wide is only a malformed row: skipped in lenient mode, the columns stay those of the header.
  const lenient = await csv(`a,b\n1,2\n${data(3000)}\n3,4\n`, { mode: 'lenient' });
  assert.deepEqual(rows(lenient.table), [
    [1, 2],
    [3, 4],
  ]);
  assert.match(lenient.report.skipped[0].reason, /expected 2 fields, found 3000/);
});

test('a one-line stream of short names is refused at its first chunks, without reading the line whole', async () => {
  let bytesRead = 0;
  async function* endless() {
    for (;;) {
      const b = Buffer.from('c,'.repeat(32 * 1024));
      bytesRead += b.length;
      yield b;
    }
  }
  const e = await rejects(readCsv(endless()), 'too_large', 1);
  assert.equal(e.details.maxColumns, 2000);
  assert.ok(bytesRead <= 256 * 1024, `read ${bytesRead} bytes`);
});

test('column names: at most 256 characters (code points, after trimming), refused with invalid_input', async () => {
  const e = await rejects(csv(`id,${'n'.repeat(300)},line\n1,2,3\n`), 'invalid_input');
  assert.deepEqual([e.details.column, e.details.chars, e.details.maxChars], [2, 300, 256]);
  assert.match(e.message, /column 2 .*300 characters.*256/);
  assert.ok(e.message.length < 200 && JSON.stringify(e.details).length < 200, 'the long name is not echoed back');
  // 256 characters pass, emoji count once each, and padding around a name does not count.
  const ok = await csv(`${'n'.repeat(256)},${'🌡'.repeat(256)},  ${'p'.repeat(250)}  \n1,2,3\n`);
  assert.deepEqual(
    ok.table.columnNames.map((n) => [...n].length),
    [256, 256, 250],
  );
  await rejects(csv(`${'🌡'.repeat(257)}\n1\n`), 'invalid_input');
  // Without a header there are no names to check: long first-row cells are data.
  assert.equal((await csv(`${'x'.repeat(300)},1\n${'y'.repeat(300)},2\n`, { header: false })).table.rowCount, 2);
});

test('a header line over 1 MiB is too_large; streamed, it is refused before the line has ended', async () => {
  // Names padded with blanks: short once trimmed, but the line is over the limit.
  const padded = Array.from({ length: 10 }, (_, j) => `${' '.repeat(120_000)}c${j}`).join(',');
  const e = await rejects(csv(`${padded}\n${'1,'.repeat(9)}1\n`), 'too_large', 1);
  assert.deepEqual([e.details.bytes, e.details.maxHeaderBytes], [padded.length + 1, 1048576]);
  assert.match(e.message, new RegExp(`${padded.length + 1} bytes.*1048576`));
  await rejects(csv(`${padded}\n${'1,'.repeat(9)}1\n`, { header: true }), 'too_large', 1);

  let bytesRead = 0;
  async function* oneName() {
    for (let i = 0; i < 128; i++) {
      const b = Buffer.from('x'.repeat(64 * 1024));
      bytesRead += b.length;
      yield b;
    }
    yield Buffer.from('\n1\n');
  }
  const streamed = await rejects(readCsv(oneName()), 'too_large', 1);
  assert.equal(streamed.details.maxHeaderBytes, 1048576);
  assert.ok(bytesRead <= 3 * 2 ** 20, `read ${bytesRead} of 8 MiB before refusing`);
});

test('a first row over 1 MiB that is data is read: header false, or a number in it', async () => {
  const long = 'word '.repeat(300_000).trim();
  const explicit = await csv(`"${long}",1\n"${long}",2\n`, { header: false, chunkBytes: 64 * 1024 });
  assert.deepEqual(
    rows(explicit.table).map((r) => r[1]),
    [1, 2],
  );
  const detected = await csv(`1,"${long}"\n2,"${long}"\n`, { chunkBytes: 64 * 1024 });
  assert.equal(detected.report.header, false);
  assert.deepEqual(
    rows(detected.table).map((r) => r[0]),
    [1, 2],
  );
});
