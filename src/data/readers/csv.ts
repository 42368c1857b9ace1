// readCsv: a streaming CSV reader that parses bytes straight into a columnar Table.
import { AndonError } from '../../errors.js';
import { MAX_COLUMNS, MAX_HEADER_BYTES, checkColumnName, tooManyColumns } from '../limits.js';
import { ColumnBuilder, Table } from '../table.js';
import { detectDelimiter, detectHeader } from './csv-sniff.js';
import { ESCAPED, INCOMPLETE, RowScanner } from './csv-scan.js';
import { parseNumberBytes } from './number-bytes.js';
import { DEFAULT_MAX_BYTES, MAX_ROW_BYTES, uniqueNames, type ReadMode, type ReadResult, type RenamedColumn, type SkippedLine } from './report.js';
import { byteChunks, utf8Text, type ByteSource } from './source.js';
import { TextCache } from './text-cache.js';

export interface CsvOptions {
  /** ',', ';', '\t', '|', any other single ASCII character, or ' ' for runs of spaces and tabs. Default: detected. */
  delimiter?: string;
  /** Whether the first row holds column names. Default 'auto' (see detectHeader); without one, names are column_1…. */
  header?: boolean | 'auto';
  /** 'strict' (default) fails on the first malformed row; 'lenient' skips it and reports its line. */
  mode?: ReadMode;
  /** Size limit in bytes (default 2 GiB): `too_large` as soon as the input is known to be larger. */
  maxBytes?: number;
  /** Bytes per chunk for files and in-memory input (default 1 MiB for files). */
  chunkBytes?: number;
}

/** Bytes looked at to guess the delimiter and the header. */
const SNIFF_BYTES = 64 * 1024;
const SAMPLE_ROWS = 50;
/** Bytes of a field decoded for header detection: longer cells are neither numbers nor names, and a few MB cell need not become a string. */
const SAMPLE_FIELD_BYTES = 64 * 1024;
/** A partial first-row field longer than this is not looked at for being a number. */
const NUMBER_FIELD_BYTES = 1024;

/**
 * Reads CSV text (UTF-8, with or without a BOM; LF or CRLF) chunk by chunk into a Table.
 *
 * - The delimiter and the header are guessed from the first 64 KB unless given (see csv-sniff.ts).
 * - Cells become numbers or text as ColumnBuilder decides ("007" stays text); numbers are parsed from
 *   the bytes while a column is numeric, and only text cells are decoded.
 * - Quoting follows RFC 4180: fields may hold delimiters, "" for a quote, and line breaks.
 * - Malformed rows are a wrong number of fields, a quote inside an unquoted field, a character after
 *   a closing quote and a quote left open at the end of the input. Lenient mode skips such a row; for
 *   a quote left open it skips the row's first line only and reads on from the next one.
 * - Blank lines (empty, or only spaces and tabs) are skipped, so a one-column file cannot hold a missing
 *   value as an empty line.
 * - A header-only file gives a table with those columns and 0 rows; an input without any row (empty,
 *   only a BOM or blank lines) is `empty_input`.
 * - Invalid UTF-8 does not fail: each bad sequence in a text cell becomes U+FFFD, as TextDecoder does.
 * - UTF-16 (recognised by its byte order mark) is refused with `parse_error`: save the file as UTF-8.
 * - Limits (src/data/limits.ts): more than MAX_COLUMNS fields in the first row and a header line over
 *   MAX_HEADER_BYTES are `too_large`, a column name over MAX_COLUMN_NAME_CHARS `invalid_input`. A first line
 *   still unfinished after MAX_HEADER_BYTES is refused there, before it is split into names, unless header is
 *   false or (detection) a field already read is a number, which makes it data.
 */
export async function readCsv(source: ByteSource, options: CsvOptions = {}): Promise<ReadResult> {
  const delimiter = options.delimiter;
  if (delimiter !== undefined && !validDelimiter(delimiter)) {
    throw new AndonError('invalid_input', 'a delimiter is one ASCII character other than a quote or a line break', { delimiter });
  }
  const pending = new Pending(byteChunks(source, { maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES, chunkBytes: options.chunkBytes }));
  try {
    // Enough bytes to guess the layout from: a few KB, and at least one whole row.
    let reader: CsvParser | null = null;
    let start = 0;
    for (let want = SNIFF_BYTES; !reader; want = 2 * pending.length) {
      await pending.fill(want);
      const buf = pending.joined();
      if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
        throw new AndonError('parse_error', 'the input is UTF-16; save it as UTF-8', { encoding: 'utf-16' });
      }
      start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
      const delim = delimiter ?? detectDelimiter(buf, start, buf.length, pending.eof);
      const sample = sampleRows(buf, start, delim, pending.eof, options.header ?? 'auto');
      if (sample.length === 0 && !pending.eof) {
        rowTooLarge(pending.length, 1);
        continue;
      }
      const header = options.header === undefined || options.header === 'auto' ? detectHeader(sample) : options.header;
      reader = new CsvParser(delim, header, options.mode ?? 'strict');
    }
    let buf = pending.joined();
    for (;;) {
      const used = reader.consume(buf, start, pending.eof);
      if (pending.eof) break;
      pending.keep(buf, used);
      if (used <= start) rowTooLarge(pending.length, reader.line);
      // A row longer than the buffer is scanned again from its start once more bytes are in; waiting for twice
      // its bytes each time keeps that linear even for a quoted field of many megabytes.
      await pending.fill(used <= start ? 2 * pending.length + 1 : pending.length + 1);
      buf = pending.joined();
      start = 0;
    }
    return reader.finish(pending.bytes);
  } finally {
    // On every way out, a parse error included: closes the file or destroys the caller's stream.
    await pending.close();
  }
}

/** The bytes not parsed yet: the unfinished end of the last buffer and the chunks that came since. */
class Pending {
  private parts: Buffer[] = [];
  length = 0;
  bytes = 0;
  eof = false;
  constructor(private readonly chunks: AsyncGenerator<Buffer>) {}

  /** Reads chunks until at least `length` bytes are pending or the input ends. */
  async fill(length: number): Promise<void> {
    while (this.length < length && !this.eof) {
      const next = await this.chunks.next();
      if (next.done) {
        this.eof = true;
        break;
      }
      this.parts.push(next.value);
      this.length += next.value.length;
      this.bytes += next.value.length;
    }
  }

  joined(): Buffer {
    const buf = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.length);
    this.parts = [buf];
    return buf;
  }

  /** Keeps buf from `from` on: the start of a row that is not complete yet. */
  keep(buf: Buffer, from: number): void {
    this.parts = from < buf.length ? [buf.subarray(from)] : [];
    this.length = buf.length - from;
  }

  async close(): Promise<void> {
    await this.chunks.return(undefined);
  }
}

function rowTooLarge(bytes: number, line: number): void {
  if (bytes > MAX_ROW_BYTES) {
    throw new AndonError('too_large', `line ${line}: a row of more than ${MAX_ROW_BYTES} bytes (an unclosed quote?)`, { line, maxRowBytes: MAX_ROW_BYTES });
  }
}

function validDelimiter(d: string): boolean {
  return d.length === 1 && d.charCodeAt(0) < 0x80 && d !== '"' && d !== '\n' && d !== '\r';
}

/**
 * The first well-formed, non-blank rows as text, for guessing whether the first one is a header. The column
 * limits are first checked here, so a hostile first line is refused before it is split into names.
 */
function sampleRows(buf: Buffer, start: number, delimiter: string, eof: boolean, header: boolean | 'auto'): string[][] {
  const scanner = new RowScanner(delimiter, MAX_COLUMNS);
  const rows: string[][] = [];
  let p = start;
  while (rows.length < SAMPLE_ROWS) {
    const next = scanner.scan(buf, p, buf.length, eof);
    if (next === INCOMPLETE) {
      if (rows.length === 0) checkUnfinishedFirstRow(scanner, buf, p, header);
      break;
    }
    if (scanner.count === 0) break;
    if (scanner.count > MAX_COLUMNS) {
      // The first row sets the columns; a later row this wide is malformed anyway and does not vote.
      if (rows.length === 0 && scanner.error === null) throw tooManyColumns(scanner.count, `line ${scanner.rowLine}`, { line: scanner.rowLine });
    } else if (scanner.error === null && !isBlankRow(scanner, buf)) rows.push(fieldTexts(buf, scanner, SAMPLE_FIELD_BYTES));
    p = next;
  }
  return rows;
}

/**
 * The first row has not ended in the bytes read so far (from p to the end of buf): refuse it early when it
 * already has too many fields, or when it is past MAX_HEADER_BYTES and is to be a header. With detection a
 * row that holds a number is data (detectHeader's first rule), and data rows may be long.
 */
function checkUnfinishedFirstRow(sc: RowScanner, buf: Buffer, p: number, header: boolean | 'auto'): void {
  const at = `line ${sc.rowLine}`;
  if (sc.count > MAX_COLUMNS) throw tooManyColumns(sc.count, `${at} (read so far)`, { line: sc.rowLine });
  const bytes = buf.length - p;
  if (bytes <= MAX_HEADER_BYTES || header === false) return;
  if (header === 'auto') {
    for (let i = 0; i < sc.count; i++) {
      if (sc.ends[i] - sc.starts[i] > NUMBER_FIELD_BYTES) continue;
      const v = parseNumberBytes(buf, sc.starts[i], sc.ends[i]);
      if (v === v) return;
    }
  }
  throw headerTooLarge(sc.rowLine, bytes, false);
}

function headerTooLarge(line: number, bytes: number, ended: boolean): AndonError {
  const size = ended ? `is ${bytes} bytes` : `has not ended after ${bytes} bytes`;
  return new AndonError('too_large', `line ${line}: the header line ${size}, over the limit of ${MAX_HEADER_BYTES} bytes (1 MiB)`, {
    line,
    bytes,
    maxHeaderBytes: MAX_HEADER_BYTES,
  });
}

/** An empty line, or one of only spaces and tabs: nothing to read, in any column layout. */
function isBlankRow(s: RowScanner, buf: Buffer): boolean {
  if (s.count !== 1 || s.flags[0] !== 0) return false;
  for (let p = s.starts[0]; p < s.ends[0]; p++) if (buf[p] !== 0x20 && buf[p] !== 0x09 && buf[p] !== 0x0d) return false;
  return true;
}

function fieldText(buf: Buffer, s: number, e: number, flags: number): string {
  const text = utf8Text(buf, s, e);
  return flags & ESCAPED ? text.replaceAll('""', '"') : text;
}

/** The row's fields as text; `maxBytes` cuts each (for sampling, where only short cells matter). */
function fieldTexts(buf: Buffer, scanner: RowScanner, maxBytes = Infinity): string[] {
  const out: string[] = [];
  for (let i = 0; i < scanner.count; i++)
    out.push(fieldText(buf, scanner.starts[i], Math.min(scanner.ends[i], scanner.starts[i] + maxBytes), scanner.flags[i]));
  return out;
}

/** Turns scanned rows into columns; holds what must survive from one chunk to the next. */
class CsvParser {
  private readonly scanner: RowScanner;
  private builders: ColumnBuilder[] | null = null;
  private caches: TextCache[] = [];
  private renamed: RenamedColumn[] = [];
  private readonly skipped: SkippedLine[] = [];
  private readonly strict: boolean;
  /** Bytes handed to consume, and bytes scanned again after unterminated quotes: the second stays within
   *  16 MiB plus twice the first, so lenient recovery cannot turn quadratic on a hostile file. */
  private seen = 0;
  private rescanned = 0;

  constructor(
    private readonly delimiter: string,
    private readonly header: boolean,
    mode: ReadMode,
  ) {
    if (mode !== 'strict' && mode !== 'lenient') throw new AndonError('invalid_input', `mode is "strict" or "lenient", not "${String(mode)}"`);
    this.scanner = new RowScanner(delimiter, MAX_COLUMNS);
    this.strict = mode === 'strict';
  }

  /** The line the next row starts on. */
  get line(): number {
    return this.scanner.line;
  }

  /** Appends every whole row in buf from p; returns where the first incomplete row starts. */
  consume(buf: Buffer, p: number, eof: boolean): number {
    const sc = this.scanner;
    const end = buf.length;
    this.seen += end - p;
    for (;;) {
      const next = sc.scan(buf, p, end, eof);
      if (next === INCOMPLETE) return p;
      if (sc.count === 0) return next;
      if (sc.error !== null) {
        this.bad(sc.rowLine, sc.error);
        if (sc.unterminated) {
          // Lenient: the quote probably was not meant to open a field; read on from the row's next line.
          const lf = buf.indexOf(0x0a, p);
          this.rescanned += end - p;
          if (lf < 0 || lf + 1 >= end) return end;
          if (this.rescanned > 16 * 2 ** 20 + 2 * this.seen) {
            this.skipped.push({ line: sc.rowLine + 1, reason: 'the rest of the input: too many unterminated quotes to recover from' });
            return end;
          }
          sc.line = sc.rowLine + 1;
          p = lf + 1;
          continue;
        }
      } else if (!isBlankRow(sc, buf)) {
        if (this.builders === null) this.start(buf, next - p);
        else if (sc.count !== this.builders.length) this.bad(sc.rowLine, `expected ${this.builders.length} fields, found ${sc.count}`);
        else this.append(buf);
      }
      p = next;
    }
  }

  /** The first row (`bytes` long): column names, or the first data row of columns named column_1…. */
  private start(buf: Buffer, bytes: number): void {
    const sc = this.scanner;
    if (sc.count > MAX_COLUMNS) throw tooManyColumns(sc.count, `line ${sc.rowLine}`, { line: sc.rowLine });
    if (this.header && bytes > MAX_HEADER_BYTES) throw headerTooLarge(sc.rowLine, bytes, true);
    const raw = this.header ? fieldTexts(buf, sc).map((n) => n.trim()) : Array.from({ length: sc.count }, (_, i) => `column_${i + 1}`);
    if (this.header) raw.forEach((n, i) => checkColumnName(n, i, `line ${sc.rowLine}`));
    const { names, renamed } = uniqueNames(raw);
    this.renamed = renamed;
    this.builders = names.map((n) => new ColumnBuilder(n));
    this.caches = names.map(() => new TextCache());
    if (!this.header) this.append(buf);
  }

  /** The hot loop: numbers go from bytes to the column while it is numeric; only text cells are decoded. */
  private append(buf: Buffer): void {
    const sc = this.scanner;
    const builders = this.builders!;
    const starts = sc.starts,
      ends = sc.ends,
      flags = sc.flags;
    for (let i = 0; i < builders.length; i++) {
      const col = builders[i];
      const s = starts[i],
        e = ends[i];
      if (flags[i] & ESCAPED) {
        col.append(fieldText(buf, s, e, ESCAPED));
        continue;
      }
      if (col.numeric) {
        if (s === e) {
          col.appendMissing();
          continue;
        }
        const v = parseNumberBytes(buf, s, e);
        if (v === v) {
          col.appendNumber(v);
          continue;
        }
      }
      col.append(this.caches[i].text(buf, s, e));
    }
  }

  private bad(line: number, reason: string): void {
    if (this.strict) throw new AndonError('parse_error', `line ${line}: ${reason}`, { line, reason });
    this.skipped.push({ line, reason });
  }

  finish(bytes: number): ReadResult {
    if (this.builders === null) throw new AndonError('empty_input', 'the input holds no rows', { bytes });
    const table = new Table(this.builders.map((b) => b.build()));
    return {
      table,
      report: {
        format: 'csv',
        delimiter: this.delimiter,
        header: this.header,
        rows: table.rowCount,
        skipped: this.skipped,
        renamedColumns: this.renamed,
        bytes,
      },
    };
  }
}
