// readSql against a real PostgreSQL (ANDON_TEST_POSTGRES_URL): types, NULLs, unicode, parameters, batches, errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { AndonError } from '../../errors.js';
import { isoTimestamp, readSql } from './sql.js';

const url = process.env.ANDON_TEST_POSTGRES_URL;
const skip = url ? false : 'ANDON_TEST_POSTGRES_URL is not set (CI sets it to postgres://postgres@127.0.0.1:5432/test)';
const table = `andon_readers_${randomBytes(6).toString('hex')}`;
const INJECTION = `x'); DROP TABLE ${table}; --`;

async function withClient<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function rejects(p: Promise<unknown>, code: string): Promise<AndonError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof AndonError, `expected an AndonError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

before(async () => {
  if (skip) return;
  await withClient(async (c) => {
    await c.query(`CREATE TABLE ${table} (id int4, big int8, small int2, f4 real, f8 float8, amount numeric(12,3), ok boolean,
      at timestamp, at_tz timestamptz, day date, name text, code varchar(10), extra jsonb, list int[])`);
    const insert = `INSERT INTO ${table} VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`;
    await c.query(insert, [
      1,
      '9007199254740991',
      7,
      1.5,
      0.1,
      '12.345',
      true,
      '2024-03-01 08:00:00.25',
      '2024-03-01 09:00:00+01',
      '2024-03-01',
      'Pump 7 — 温度 🌡',
      '0012',
      '{"k": [1, 2]}',
      '{1,2}',
    ]);
    await c.query(insert, [2, null, null, null, null, null, false, null, null, null, null, null, null, null]);
    await c.query(insert, [
      3,
      '-5',
      -1,
      -2.25,
      -1e-300,
      'NaN',
      null,
      '1999-12-31 23:59:59',
      '1999-12-31 23:59:59.123456+00',
      '1999-12-31',
      INJECTION,
      'NA',
      'null',
      '{}',
    ]);
    for (let id = 4; id <= 7; id++) await c.query(`INSERT INTO ${table} (id, name) VALUES ($1, $2)`, [id, `row ${id}`]);
  });
});

after(async () => {
  if (!skip) await withClient((c) => c.query(`DROP TABLE IF EXISTS ${table}`));
});

test('types, NULLs, unicode and a parameter that looks like SQL injection, fetched in batches', { skip }, async () => {
  const { table: t, report } = await readSql({
    connectionString: url!,
    sql: `SELECT * FROM ${table} WHERE id <= $1 OR name = $2 ORDER BY id`,
    params: [2, INJECTION],
    batchSize: 2,
  });
  assert.equal(report.format, 'sql');
  assert.equal(report.rows, 3);
  assert.ok(report.bytes > 0);
  assert.deepEqual(
    t.columns.map((c) => `${c.name}:${c.type}`),
    [
      'id:number',
      'big:number',
      'small:number',
      'f4:number',
      'f8:number',
      'amount:number',
      'ok:string',
      'at:string',
      'at_tz:string',
      'day:string',
      'name:string',
      'code:string',
      'extra:string',
      'list:string',
    ],
  );
  assert.deepEqual(t.row(0), {
    id: 1,
    big: 9007199254740991,
    small: 7,
    f4: 1.5,
    f8: 0.1,
    amount: 12.345,
    ok: 'true',
    at: '2024-03-01T08:00:00.25',
    at_tz: '2024-03-01T08:00:00Z',
    day: '2024-03-01',
    name: 'Pump 7 — 温度 🌡',
    code: '0012',
    extra: '{"k": [1, 2]}',
    list: '{1,2}',
  });
  assert.deepEqual(t.row(1), {
    id: 2,
    big: null,
    small: null,
    f4: null,
    f8: null,
    amount: null,
    ok: 'false',
    at: null,
    at_tz: null,
    day: null,
    name: null,
    code: null,
    extra: null,
    list: null,
  });
  const r3 = t.row(2);
  assert.equal(r3.name, INJECTION, 'the parameter is data, never SQL');
  assert.equal(r3.amount, null, 'numeric NaN is missing');
  assert.equal(r3.f8, -1e-300);
  assert.equal(r3.code, 'NA', 'a varchar stays text, even one that reads as missing in a CSV');
  assert.equal(r3.at_tz, '1999-12-31T23:59:59.123456Z');
  // The table survived its own name in a parameter.
  assert.equal((await readSql({ connectionString: url!, sql: `SELECT count(*) AS n FROM ${table}` })).table.get(0, 'n'), 7);
});

test('every batch boundary gives all rows; an empty result keeps its columns', { skip }, async () => {
  for (const batchSize of [1, 3, 7, 10_000]) {
    const { table: t } = await readSql({ connectionString: url!, sql: `SELECT id FROM ${table} ORDER BY id;`, batchSize });
    assert.deepEqual(
      [...t.rows()].map((r) => r.id),
      [1, 2, 3, 4, 5, 6, 7],
    );
  }
  const none = await readSql({ connectionString: url!, sql: `SELECT id, name FROM ${table} WHERE false` });
  assert.deepEqual(none.table.columnNames, ['id', 'name']);
  assert.equal(none.table.rowCount, 0);
  const dup = await readSql({ connectionString: url!, sql: 'SELECT 1 AS a, 2 AS a, 3 AS "?column?"' });
  assert.deepEqual(dup.table.columnNames, ['a', 'a_2', '?column?']);
  assert.deepEqual(dup.report.renamedColumns, [{ index: 1, from: 'a', to: 'a_2' }]);
});

test('errors: bad SQL, writes, limits, an unreachable server, missing options', { skip }, async () => {
  const bad = await rejects(readSql({ connectionString: url!, sql: 'SELEC 1' }), 'invalid_input');
  assert.equal(bad.details.sqlstate, '42601');
  await rejects(readSql({ connectionString: url!, sql: `SELECT * FROM ${table}_missing` }), 'invalid_input');
  await rejects(readSql({ connectionString: url!, sql: `DELETE FROM ${table}` }), 'invalid_input');
  await rejects(readSql({ connectionString: url!, sql: `SELECT 1; DROP TABLE ${table}` }), 'invalid_input');
  await rejects(readSql({ connectionString: url!, sql: `SELECT * FROM ${table}`, maxBytes: 10 }), 'too_large');
  const down = await rejects(readSql({ connectionString: 'postgres://postgres:secret@127.0.0.1:1/test', sql: 'SELECT 1' }), 'unavailable');
  assert.ok(!down.message.includes('secret'));
  await rejects(readSql({ connectionString: '', sql: 'SELECT 1' }), 'invalid_input');
  await rejects(readSql({ connectionString: url!, sql: ' ' }), 'invalid_input');
  await rejects(readSql({ connectionString: url!, sql: 'SELECT 1', batchSize: 0 }), 'invalid_input');
  assert.equal((await readSql({ connectionString: url!, sql: `SELECT count(*) AS n FROM ${table}` })).table.get(0, 'n'), 7);
});

test('timestamps become ISO 8601 text', () => {
  assert.equal(isoTimestamp('2024-03-01 08:00:00'), '2024-03-01T08:00:00');
  assert.equal(isoTimestamp('2024-03-01 08:00:00.5+00'), '2024-03-01T08:00:00.5Z');
  assert.equal(isoTimestamp('infinity'), 'infinity');
  assert.equal(isoTimestamp('0044-03-15 12:00:00+00 BC'), '0044-03-15 12:00:00+00 BC');
});
