// The limits on the shape of a table read from outside, and on the text a schema or profile keeps per column.
// The CSV/TSV and JSON/JSONL readers enforce the first three; without them one 50 MB header line became millions of columns, each
// with its own builder, schema entry and profile (the version's JSON grew to 209 MB, the database by 400 MB).
import { AndonError } from '../errors.js';

/** Columns in one table: CSV fields of the first row, distinct JSON keys (PostgreSQL itself caps a query at 1,664). */
export const MAX_COLUMNS = 2000;
/** Characters (code points, after trimming a CSV name) in one column name. */
export const MAX_COLUMN_NAME_CHARS = 256;
/** Bytes of a CSV header line, line break included: 1 MiB. Checked as the line streams in, before it is split. */
export const MAX_HEADER_BYTES = 2 ** 20;
/**
 * Characters of a cell value a profile or schema keeps (top values, tokens, labels and values quoted in
 * reasons and warnings); longer ones are cut and end in "…". With at most 10 top values and 20 tokens per
 * column this keeps a column's profile to a few KB whatever its cells hold.
 */
export const MAX_PROFILE_TEXT_CHARS = 64;

/** `too_large` for a table wider than MAX_COLUMNS; `at` says where (e.g. "line 1"). */
export function tooManyColumns(columns: number, at: string, details: Record<string, unknown> = {}): AndonError {
  return new AndonError('too_large', `${at}: ${columns} columns, over the limit of ${MAX_COLUMNS} columns`, { ...details, columns, maxColumns: MAX_COLUMNS });
}

/**
 * Refuses (`invalid_input`) a column name longer than MAX_COLUMN_NAME_CHARS. `index` is 0-based; the error
 * names the column by number and shows only its start, so a megabyte name is not echoed back.
 */
export function checkColumnName(name: string, index: number, at?: string): void {
  // Each code point is at most two UTF-16 units: a short string needs no counting.
  if (name.length <= MAX_COLUMN_NAME_CHARS) return;
  const chars = codePoints(name);
  if (chars <= MAX_COLUMN_NAME_CHARS) return;
  throw new AndonError(
    'invalid_input',
    `${at ? `${at}: ` : ''}the name of column ${index + 1} is ${chars} characters long, over the limit of ${MAX_COLUMN_NAME_CHARS} characters`,
    {
      column: index + 1,
      chars,
      maxChars: MAX_COLUMN_NAME_CHARS,
      start: clipText(name, 32),
    },
  );
}

/** Code points in s (a surrogate pair counts once). */
export function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i += pairAt(s, i) ? 2 : 1) n++;
  return n;
}

/** s cut to at most `max` code points, the last being "…" when anything was cut; never splits a surrogate pair. */
export function clipText(s: string, max = MAX_PROFILE_TEXT_CHARS): string {
  if (s.length <= max) return s;
  let end = 0,
    kept = 0,
    cut = 0;
  while (end < s.length) {
    if (kept === max - 1) cut = end;
    if (kept === max) return `${s.slice(0, cut)}…`;
    end += pairAt(s, end) ? 2 : 1;
    kept++;
  }
  return s;
}

function pairAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) return false;
  const d = s.charCodeAt(i + 1);
  return d >= 0xdc00 && d <= 0xdfff;
}
