// readJson and readJsonLines: JSON arrays of objects and JSON Lines, streamed one record at a time into a Table.
// Both take UTF-8 with or without a BOM (invalid sequences become U+FFFD), build columns as RecordColumns
// describes, and count lines from 1 for their reports. No records at all is `empty_input`; records that all
// failed is `parse_error` even in lenient mode, since an empty table would hide the problem.
import { AndonError } from '../../errors.js';
import { RecordColumns, isRecord, jsonReason } from './records.js';
import { DEFAULT_MAX_BYTES, MAX_ROW_BYTES, type ReadMode, type ReadResult, type SkippedLine } from './report.js';
import { byteChunks, withoutBom, type ByteSource } from './source.js';

export interface JsonOptions {
  /** 'strict' (default) fails on the first bad record; 'lenient' skips it and reports its line. */
  mode?: ReadMode;
  /** Size limit in bytes (default 2 GiB): `too_large` as soon as the input is known to be larger. */
  maxBytes?: number;
  chunkBytes?: number;
}

const LF = 0x0a,
  QUOTE = 0x22,
  BACKSLASH = 0x5c;

/** Collects one record's bytes across chunks and the outcome of every record. */
class Records {
  readonly columns = new RecordColumns();
  readonly skipped: SkippedLine[] = [];
  private parts: Buffer[] = [];
  private length = 0;
  private readonly strict: boolean;
  constructor(mode: ReadMode | undefined) {
    if (mode !== undefined && mode !== 'strict' && mode !== 'lenient') {
      throw new AndonError('invalid_input', `mode is "strict" or "lenient", not "${String(mode)}"`);
    }
    this.strict = mode !== 'lenient';
  }
  collect(bytes: Buffer, line: number): void {
    if (!bytes.length) return;
    this.parts.push(bytes);
    this.length += bytes.length;
    if (this.length > MAX_ROW_BYTES) {
      throw new AndonError('too_large', `line ${line}: a record of more than ${MAX_ROW_BYTES} bytes`, { line, maxRowBytes: MAX_ROW_BYTES });
    }
  }
  /** Parses the collected bytes as one record that started on `line`. */
  finish(line: number): void {
    const text = (this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts)).toString('utf8').trim();
    this.parts = [];
    this.length = 0;
    if (!text) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.bad(line, jsonReason(e));
      return;
    }
    if (!isRecord(value)) {
      this.bad(line, `expected an object, found ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`);
      return;
    }
    this.columns.add(value, line);
  }
  bad(line: number, reason: string): void {
    if (this.strict) throw new AndonError('parse_error', `line ${line}: ${reason}`, { line, reason });
    this.skipped.push({ line, reason });
  }
}

/**
 * JSON Lines: one object per line; blank lines are skipped. A line that is not valid JSON, or not an
 * object, fails in strict mode and is skipped and reported in lenient mode. Lines may end in CRLF.
 */
export async function readJsonLines(source: ByteSource, options: JsonOptions = {}): Promise<ReadResult> {
  const records = new Records(options.mode);
  let line = 1,
    bytes = 0;
  for await (const chunk of withoutBom(
    counted(source, options, (n) => {
      bytes += n;
    }),
  )) {
    let p = 0;
    for (let lf = chunk.indexOf(LF, p); lf >= 0; lf = chunk.indexOf(LF, p)) {
      records.collect(chunk.subarray(p, lf), line);
      records.finish(line++);
      p = lf + 1;
    }
    records.collect(chunk.subarray(p), line);
  }
  records.finish(line);
  return result(records, 'jsonl', bytes, 'the JSON Lines input');
}

/**
 * A JSON array of objects, e.g. `[{"a": 1}, {"a": 2}]`. The array is cut into its elements as bytes
 * arrive (tracking strings and nesting), and each element is parsed on its own, so a bad element is
 * reported with the line it starts on and, in lenient mode, skipped while its neighbours are kept.
 */
export async function readJson(source: ByteSource, options: JsonOptions = {}): Promise<ReadResult> {
  const records = new Records(options.mode);
  // Where the scan is: before the [, between elements, inside one, or after the closing ].
  let state = 'before' as 'before' | 'between' | 'element' | 'after';
  let depth = 0,
    inString = false,
    escaped = false,
    line = 1,
    elementLine = 1,
    bytes = 0;
  let afterComma = false;
  const fail = (reason: string): never => {
    throw new AndonError('parse_error', `line ${line}: ${reason}`, { line, reason });
  };
  for await (const chunk of withoutBom(
    counted(source, options, (n) => {
      bytes += n;
    }),
  )) {
    let from = 0; // where the current element's bytes start in this chunk
    for (let p = 0; p < chunk.length; p++) {
      const c = chunk[p];
      if (c === LF) line++;
      if (state === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) inString = false;
        } else if (c === QUOTE) inString = true;
        else if (c === 0x7b || c === 0x5b)
          depth++; // { [
        else if ((c === 0x7d || c === 0x5d) && depth > 0)
          depth--; // } ]
        else if (depth === 0 && (c === 0x2c || c === 0x5d)) {
          // , or the array's ]
          records.collect(chunk.subarray(from, p), elementLine);
          records.finish(elementLine);
          state = c === 0x2c ? 'between' : 'after';
          afterComma = c === 0x2c;
        }
        continue;
      }
      if (isSpace(c)) continue;
      if (state === 'before') {
        if (c !== 0x5b)
          fail(c === 0x7b ? 'expected a JSON array of objects, found an object (JSON Lines? use format "jsonl")' : 'expected a JSON array of objects');
        state = 'between';
      } else if (state === 'between') {
        if (c === 0x5d) {
          if (afterComma) records.bad(line, 'a trailing comma before the closing ]');
          state = 'after';
        } else if (c === 0x2c) {
          records.bad(line, 'an empty element between commas');
        } else {
          state = 'element';
          elementLine = line;
          from = p;
          p--; // scan this byte again as part of the element
        }
      } else {
        fail('unexpected content after the closing ] of the array');
      }
    }
    if (state === 'element') records.collect(chunk.subarray(from), elementLine);
  }
  if (state === 'before') throw new AndonError('empty_input', 'the JSON input is empty', { bytes });
  if (state !== 'after') {
    // The last element first: strict mode then names it if it is cut short; lenient mode keeps it if it parses.
    if (state === 'element') records.finish(elementLine);
    records.bad(line, 'unexpected end of input: the array is not closed');
  }
  return result(records, 'json', bytes, 'the JSON array');
}

function result(records: Records, format: 'json' | 'jsonl', bytes: number, what: string): ReadResult {
  if (records.columns.rows === 0 && !records.skipped.length) throw new AndonError('empty_input', `${what} holds no records`, { bytes });
  if (records.columns.rows === 0) throw new AndonError('parse_error', `${what} holds no valid record`, { bytes, skipped: records.skipped.slice(0, 20) });
  const { table, renamed } = records.columns.build(what);
  return { table, report: { format, header: true, rows: table.rowCount, skipped: records.skipped, renamedColumns: renamed, bytes } };
}

/** The source's chunks, each counted (BOM included) before anything else sees it. */
async function* counted(source: ByteSource, options: JsonOptions, count: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of byteChunks(source, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES, chunkBytes: options.chunkBytes })) {
    count(chunk.length);
    yield chunk;
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
