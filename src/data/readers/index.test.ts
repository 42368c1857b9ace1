// readTable: the reader picked by extension or format, over files, URLs, streams and bytes.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AndonError } from '../../errors.js';
import { formatOf, readTable } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-readers-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

async function rejects(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof AndonError && e.code === code);
}

test('the extension picks the reader', async () => {
  const expected = [
    { a: 1, b: 'x' },
    { a: 2, b: 'y' },
  ];
  const files: [string, string, string][] = [
    ['t.csv', 'a,b\n1,x\n2,y\n', 'csv'],
    ['t.TSV', 'a\tb\n1\tx\n2\ty\n', 'csv'],
    ['t.txt', 'a|b\n1|x\n2|y\n', 'csv'],
    ['t.json', '[{"a":1,"b":"x"},{"a":2,"b":"y"}]', 'json'],
    ['t.jsonl', '{"a":1,"b":"x"}\n{"a":2,"b":"y"}\n', 'jsonl'],
    ['t.ndjson', '{"a":1,"b":"x"}\n{"a":2,"b":"y"}', 'jsonl'],
  ];
  for (const [name, text, format] of files) {
    const { table, report } = await readTable(write(name, text));
    assert.deepEqual([...table.rows()], expected, name);
    assert.equal(report.format, format, name);
    assert.equal(report.bytes, Buffer.byteLength(text));
  }
  assert.equal(formatOf('/x/y.NDJSON'), 'jsonl');
  assert.equal(formatOf('/x/y.parquet'), null);
});

test('file URLs, streams and bytes; format overrides the extension', async () => {
  const path = write('data.log', '{"a": 1}\n{"a": 2}\n');
  await rejects(readTable(path), 'invalid_input');
  assert.equal((await readTable(path, { format: 'jsonl' })).table.rowCount, 2);
  assert.equal((await readTable(pathToFileURL(path), { format: 'jsonl' })).table.rowCount, 2);
  assert.equal((await readTable(createReadStream(path), { format: 'jsonl' })).table.rowCount, 2);
  const csvPath = write('s.csv', 'a;b\n1;2\n');
  const streamed = await readTable(createReadStream(csvPath, { highWaterMark: 3 }));
  assert.deepEqual([...streamed.table.rows()], [{ a: 1, b: 2 }]);
  assert.equal((await readTable(Buffer.from('a\n1\n'))).report.format, 'csv');
  assert.equal((await readTable(new Uint8Array(Buffer.from('[{"a":1}]')), { format: 'json' })).table.get(0, 'a'), 1);
});

test('limits and bad options', async () => {
  const big = write('big.csv', `a\n${'1\n'.repeat(1000)}`);
  await rejects(readTable(big, { maxBytes: 100 }), 'too_large');
  await rejects(readTable(write('x.json', '[]'), { delimiter: ';' }), 'invalid_input');
  await rejects(readTable(Buffer.from('a'), { format: 'xml' as 'csv' }), 'invalid_input');
  await rejects(readTable(dir, { format: 'csv' }), 'invalid_input');
  await rejects(readTable(join(dir, 'missing.csv')), 'not_found');
});
