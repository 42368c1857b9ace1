// What every reader returns beside its table: how the input was read, and what was skipped or renamed.
import type { Table } from '../table.js';

export type ReadFormat = 'csv' | 'json' | 'jsonl' | 'sql';

/** A row left out in lenient mode: the line it starts on (1-based; a JSON array element's first line). */
export interface SkippedLine {
  line: number;
  reason: string;
}

/** A column name that had to change: empty names get `column_<n>`, repeated ones a `_2`, `_3`… suffix. */
export interface RenamedColumn {
  index: number;
  from: string;
  to: string;
}

export interface ReadReport {
  format: ReadFormat;
  /** The CSV delimiter used (' ' means runs of spaces and tabs). */
  delimiter?: string;
  /** Whether the first row held column names (always true for JSON and SQL, whose fields are named). */
  header: boolean;
  rows: number;
  skipped: SkippedLine[];
  renamedColumns: RenamedColumn[];
  /** Bytes read from the source (for SQL: the UTF-8 size of the text values received). */
  bytes: number;
}

export interface ReadResult {
  table: Table;
  report: ReadReport;
}

/** How a reader treats a malformed row: fail on the first one, or skip it and report its line. */
export type ReadMode = 'strict' | 'lenient';

/** The default size limit, 2 GiB: generous for a table that must fit in memory; uploads should pass a smaller one. */
export const DEFAULT_MAX_BYTES = 2 ** 31;

/**
 * The largest single row (a CSV record, a JSON element or line): 256 MiB. Beyond it a row is `too_large`
 * rather than a string longer than V8 allows, and an unclosed quote cannot hold the whole input hostage.
 */
export const MAX_ROW_BYTES = 256 * 2 ** 20;

/**
 * Column names that a Table accepts, and the list of changes made to get them. A name that appears in
 * the input keeps priority over a generated one, so renaming never steals a later column's name.
 */
export function uniqueNames(raw: readonly string[]): { names: string[]; renamed: RenamedColumn[] } {
  const taken = new Set(raw.filter((n) => n !== ''));
  const used = new Set<string>();
  const names: string[] = [];
  const renamed: RenamedColumn[] = [];
  raw.forEach((name, index) => {
    let to = name;
    if (name === '' || used.has(name)) {
      const base = name === '' ? `column_${index + 1}` : name;
      to = name === '' ? base : `${base}_2`;
      for (let k = name === '' ? 2 : 3; used.has(to) || taken.has(to); k++) to = `${base}_${k}`;
      renamed.push({ index, from: name, to });
    }
    used.add(to);
    names.push(to);
  });
  return { names, renamed };
}
