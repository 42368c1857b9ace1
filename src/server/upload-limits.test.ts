// Uploads shaped to blow up metadata: a huge header, too many columns, a long column name are refused with nothing stored; huge cells keep the version small.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './test-support.js';

/** Bytes of the database as it sits on disk: the file and its write-ahead log, where fresh writes land first. */
function databaseBytes(home: string): number {
  return ['andon.db', 'andon.db-wal']
    .map((f) => join(home, f))
    .filter(existsSync)
    .reduce((n, f) => n + statSync(f).size, 0);
}

function fileCount(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? fileCount(join(dir, e.name)) : 1), 0);
}

/** A CSV with the given header line and two rows of small numbers under it. */
function csvWithHeader(names: string[]): string {
  const row = (k: number) => names.map((_, j) => String((j + k) % 10)).join(',');
  return `${names.join(',')}\n${row(1)}\n${row(2)}\n`;
}

describe('upload limits on the shape of a dataset', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  async function refused(name: string, csv: string, status: number, code: string, limit: number, value: number): Promise<void> {
    const before = {
      db: databaseBytes(s.home),
      blobs: fileCount(join(s.home, 'blobs')),
      names: (await s.call('GET', '/api/v1/datasets')).body.items.map((d: { name: string }) => d.name),
    };
    const r = await s.call('POST', `/api/v1/datasets?name=${name}&filename=${name}.csv`, { body: csv, type: 'text/csv' });
    assert.equal(r.status, status, r.text.slice(0, 500));
    assert.equal(r.body.error.code, code);
    // The message names the limit and the value found, so the user knows what to change.
    assert.match(r.body.error.message, new RegExp(`\\b${limit}\\b`), r.body.error.message);
    assert.match(r.body.error.message, new RegExp(`\\b${value}\\b`), r.body.error.message);
    assert.ok(r.text.length < 2000, `the error body stays short (${r.text.length} bytes)`);
    const names = (await s.call('GET', '/api/v1/datasets')).body.items.map((d: { name: string }) => d.name);
    assert.deepEqual(names, before.names, 'no dataset was added');
    assert.equal(fileCount(join(s.home, 'blobs')), before.blobs, 'no blob was written');
    // Audit rows and the like may add a page or two; a stored header would add megabytes.
    assert.ok(databaseBytes(s.home) - before.db < 256 * 1024, `the database grew by ${databaseBytes(s.home) - before.db} bytes`);
  }

  test('a header line of ~5 MB is refused with 413 naming the 1 MiB limit', async () => {
    // 1,000 columns of 5,000 characters each: within the column count, far over the header length.
    const names = Array.from({ length: 1000 }, (_, j) => `c${j}_${'x'.repeat(5000)}`);
    const csv = csvWithHeader(names);
    const headerBytes = csv.indexOf('\n') + 1;
    assert.ok(headerBytes > 5_000_000);
    await refused('huge-header', csv, 413, 'too_large', 1048576, headerBytes);
  });

  test('the attack shape: megabytes of short names on one line are refused by their column count', async () => {
    const line = Array.from({ length: 1_000_000 }, (_, j) => `c${j % 1000}`).join(',');
    assert.ok(line.length > 4_000_000);
    await refused('one-line', `${line}\n`, 413, 'too_large', 2000, 1_000_000);
  });

  test('3,000 columns are refused with 413 naming the 2,000-column limit', async () => {
    await refused('wide', csvWithHeader(Array.from({ length: 3000 }, (_, j) => `sensor_${j}`)), 413, 'too_large', 2000, 3000);
  });

  test('a column name of 300 characters is refused with 400 naming the 256-character limit', async () => {
    await refused('long-name', csvWithHeader(['id', `temperature_${'t'.repeat(288)}`, 'line']), 400, 'invalid_input', 256, 300);
  });

  test('a column of 200 KB cells is accepted and the version stays small', async () => {
    // A hex dump per row (one long "word") and a category whose two values are 200 KB each.
    const hex = (k: number) => Array.from({ length: 200_000 }, (_, i) => ((i * 7 + k * 13 + (i >> 5)) % 16).toString(16)).join('');
    const modes = ['A'.repeat(200_000), 'B'.repeat(200_000)];
    const lines = ['id,temp,mode,dump'];
    for (let i = 0; i < 12; i++) lines.push(`${i + 1},${(20 + i * 0.5).toFixed(1)},${modes[i % 2]},${hex(i)}`);
    const up = await s.call('POST', '/api/v1/datasets?name=big-cells&filename=big-cells.csv', { body: `${lines.join('\n')}\n`, type: 'text/csv' });
    assert.equal(up.status, 201, up.text.slice(0, 500));
    assert.equal(up.body.version.rows, 12);
    assert.ok(up.text.length < 64 * 1024, `the upload answer is ${up.text.length} bytes`);
    const version = await s.call('GET', '/api/v1/datasets/big-cells/versions/1');
    assert.equal(version.status, 200);
    assert.ok(version.text.length < 64 * 1024, `the version's JSON is ${version.text.length} bytes`);
    // Still useful: the columns and their types are all there, values shortened rather than dropped.
    const profile = version.body.profile;
    assert.deepEqual(
      profile.columns.map((c: { name: string }) => c.name),
      ['id', 'temp', 'mode', 'dump'],
    );
    const mode = profile.columns.find((c: { name: string }) => c.name === 'mode');
    assert.equal(mode.top.length, 2);
    assert.deepEqual(
      mode.top.map((t: { count: number }) => t.count),
      [6, 6],
    );
    assert.ok(mode.top[0].value.startsWith('AAAA') && mode.top[0].value.endsWith('…'), mode.top[0].value.slice(0, 80));
    const preview = await s.call('GET', '/api/v1/datasets/big-cells/preview?rows=1');
    assert.equal(preview.body.rows[0].mode.length, 200_000, 'the data itself is stored whole');
  });
});
