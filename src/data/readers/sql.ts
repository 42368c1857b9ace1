// readSql: the rows of a parameterised PostgreSQL query, fetched through a server-side cursor in batches.
import pg from 'pg';
import { AndonError, type ErrorCode } from '../../errors.js';
import { ColumnBuilder, Table, type Column } from '../table.js';
import { DEFAULT_MAX_BYTES, uniqueNames, type ReadResult } from './report.js';

export interface SqlOptions {
  /** postgres://user@host:port/database; it never appears in errors. */
  connectionString: string;
  /** One SELECT (or VALUES/TABLE) statement; values go in params as $1, $2…, never into this text. */
  sql: string;
  params?: readonly unknown[];
  /** Rows per FETCH (default 10,000): the most rows held as JavaScript objects at once. */
  batchSize?: number;
  /** Limit on the UTF-8 bytes of the values received (default 2 GiB): `too_large` once passed. */
  maxBytes?: number;
  /** How long to wait for the connection (default 10 s). */
  connectTimeoutMs?: number;
}

const CURSOR = 'andon_read';
/** Every value arrives as PostgreSQL's text output; the converters below read it by column type. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };
const NUMBER_TYPES = new Set([20, 21, 23, 26, 700, 701, 1700]); // int8 int2 int4 oid float4 float8 numeric
const BOOL = 16,
  TIMESTAMP = 1114,
  TIMESTAMPTZ = 1184;

/**
 * Runs the query inside a READ ONLY transaction (a query that writes fails instead of writing) with the
 * session time zone set to UTC, behind `DECLARE … CURSOR`, and FETCHes batchSize rows at a time, so a
 * large result streams into the columns instead of sitting in memory as row objects.
 *
 * Types: int2/4/8, oid, float4/8 and numeric become numbers (int8 and numeric beyond 2^53 lose digits;
 * NaN is missing); booleans become "true"/"false"; timestamps ISO 8601 text ("2024-03-01T08:00:00",
 * with "Z" for timestamptz); everything else PostgreSQL's own text for the value, kept as text even if
 * it looks like a number. NULL is a missing value. A query without rows gives its columns and 0 rows.
 * The column limits of files (src/data/limits.ts) need no check here: PostgreSQL returns at most 1,664
 * columns and cuts names to 63 bytes.
 */
export async function readSql(options: SqlOptions): Promise<ReadResult> {
  const { connectionString, params = [] } = options;
  if (typeof connectionString !== 'string' || !connectionString) throw new AndonError('invalid_input', 'connectionString is required');
  if (typeof options.sql !== 'string' || !options.sql.trim()) throw new AndonError('invalid_input', 'sql is required');
  if (!Array.isArray(params)) throw new AndonError('invalid_input', 'params is an array of values for $1, $2…');
  const batchSize = options.batchSize ?? 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new AndonError('invalid_input', 'batchSize is a positive integer', { batchSize });
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const sql = options.sql.trim().replace(/;+\s*$/, '');

  const client = new pg.Client({ connectionString, connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000 });
  // An idle connection that drops emits 'error' on the client; without a listener that would crash the process.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (e) {
    await client.end().catch(() => {});
    throw sqlError(e, 'cannot connect to PostgreSQL');
  }
  try {
    await client.query('BEGIN READ ONLY');
    await client.query("SET LOCAL TimeZone = 'UTC'");
    await client.query("SET LOCAL DateStyle = 'ISO, YMD'");
    await client.query(`DECLARE ${CURSOR} NO SCROLL CURSOR FOR ${sql}`, params as unknown[]);
    let columns: SqlColumn[] | null = null;
    let renamed: ReturnType<typeof uniqueNames>['renamed'] = [];
    let bytes = 0,
      rows = 0;
    for (;;) {
      const batch = await client.query<unknown[]>({ text: `FETCH FORWARD ${batchSize} FROM ${CURSOR}`, rowMode: 'array', types: RAW_TEXT });
      if (columns === null) {
        const named = uniqueNames(batch.fields.map((f) => f.name));
        renamed = named.renamed;
        columns = batch.fields.map((f, i) => sqlColumn(named.names[i], f.dataTypeID));
      }
      for (const row of batch.rows) {
        for (let j = 0; j < columns.length; j++) {
          const v = row[j] as string | null;
          if (v !== null) bytes += Buffer.byteLength(v);
          columns[j].add(v);
        }
      }
      rows += batch.rows.length;
      if (bytes > maxBytes) throw new AndonError('too_large', `the query returned more than ${maxBytes} bytes`, { maxBytes, rows });
      if (batch.rows.length < batchSize) break;
    }
    await client.query('ROLLBACK');
    if (!columns!.length) throw new AndonError('empty_input', 'the query returns no columns');
    const table = new Table(columns!.map((c) => c.build()));
    return { table, report: { format: 'sql', header: true, rows, skipped: [], renamedColumns: renamed, bytes } };
  } catch (e) {
    throw sqlError(e, 'the query failed');
  } finally {
    await client.end().catch(() => {});
  }
}

interface SqlColumn {
  add(text: string | null): void;
  build(): Column;
}

function sqlColumn(name: string, typeId: number): SqlColumn {
  if (NUMBER_TYPES.has(typeId)) {
    const b = new ColumnBuilder(name);
    return {
      add(v) {
        const n = v === null ? NaN : Number(v);
        if (Number.isNaN(n)) b.appendMissing();
        else b.appendNumber(n);
      },
      build: () => b.build(),
    };
  }
  const text = new TextColumn(name);
  if (typeId === BOOL) return { add: (v) => text.add(v === null ? null : v === 't' ? 'true' : 'false'), build: () => text.build() };
  if (typeId === TIMESTAMP || typeId === TIMESTAMPTZ) return { add: (v) => text.add(v === null ? null : isoTimestamp(v)), build: () => text.build() };
  return text;
}

/** "2024-03-01 08:00:00.25+00" → "2024-03-01T08:00:00.25Z"; infinity and BC dates stay as PostgreSQL wrote them. */
export function isoTimestamp(v: string): string {
  const m = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(\+00)?$/.exec(v);
  return m ? `${m[1]}T${m[2]}${m[3] ? 'Z' : ''}` : v;
}

/**
 * A text column that keeps every value as text: ColumnBuilder would turn "0012" or "1.50" from a varchar
 * into numbers, but here the database already said what the column is.
 */
class TextColumn implements SqlColumn {
  private codes = new Int32Array(1024);
  private readonly dictionary: string[] = [];
  private readonly index = new Map<string, number>();
  private length = 0;
  constructor(private readonly name: string) {}
  add(v: string | null): void {
    if (this.length === this.codes.length) {
      const c = new Int32Array(this.length * 2);
      c.set(this.codes);
      this.codes = c;
    }
    if (v === null) {
      this.codes[this.length++] = -1;
      return;
    }
    let code = this.index.get(v);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(v);
      this.index.set(v, code);
    }
    this.codes[this.length++] = code;
  }
  build(): Column {
    return { type: 'string', name: this.name, codes: this.codes.slice(0, this.length), dictionary: this.dictionary };
  }
}

/** PostgreSQL's SQLSTATE classes → Andon codes; the connection string (and its password) is never repeated. */
function sqlError(e: unknown, context: string): AndonError {
  if (e instanceof AndonError) return e;
  const err = e as { code?: string; message?: string; position?: string };
  const code = typeof err?.code === 'string' ? err.code : '';
  const text = err?.message ?? String(e);
  let andon: ErrorCode = 'internal';
  if (/^(08|53|57|58)/.test(code) || /^E(CONN|HOST|NET|PIPE|TIMEDOUT|AI_AGAIN|NOTFOUND)/.test(code)) andon = 'unavailable';
  else if (/^[0-9A-Z]{5}$/.test(code))
    andon = 'invalid_input'; // the query, its parameters or the credentials
  else if (/timeout|terminated|connect/i.test(text)) andon = 'unavailable';
  const message = `${context}: ${text}`;
  return new AndonError(andon, message, { sqlstate: code || undefined, position: err?.position });
}
