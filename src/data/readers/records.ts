// RecordColumns: builds a Table from JSON objects whose keys may differ from row to row.
import { AndonError } from '../../errors.js';
import { MAX_COLUMNS, checkColumnName, tooManyColumns } from '../limits.js';
import { ColumnBuilder, Table, type Column } from '../table.js';
import { uniqueNames, type RenamedColumn } from './report.js';

/**
 * Columns appear in the order their key is first seen; a key that shows up late gets missing values
 * for the rows before it, and a row without a key gets a missing value there. Numbers stay numbers,
 * strings go through the table's own inference (so "12.5" is a number and "007" text, as in a CSV),
 * booleans become "true"/"false" text and nested objects and arrays their JSON text. A key longer than
 * MAX_COLUMN_NAME_CHARS is `invalid_input`, and more than MAX_COLUMNS distinct keys `too_large`: both are
 * checked before a record's new columns are made.
 */
export class RecordColumns {
  private readonly builders: ColumnBuilder[] = [];
  private readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  rows = 0;

  /** Appends one record, which starts on `line` (for errors). */
  add(record: Record<string, unknown>, line: number): void {
    for (const key in record) {
      if (!Object.prototype.hasOwnProperty.call(record, key) || this.index.has(key)) continue;
      if (this.builders.length === MAX_COLUMNS) throw tooManyColumns(this.keys.length + this.newKeys(record), `line ${line}`, { line });
      checkColumnName(key, this.builders.length, `line ${line}`);
      const b = new ColumnBuilder(key);
      for (let i = 0; i < this.rows; i++) b.appendMissing();
      this.index.set(key, this.builders.length);
      this.builders.push(b);
      this.keys.push(key);
    }
    for (let j = 0; j < this.builders.length; j++) {
      const key = this.keys[j];
      const v = Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
      if (v === undefined || v === null) this.builders[j].appendMissing();
      else if (typeof v === 'number') this.builders[j].appendNumber(v);
      else this.builders[j].append(v);
    }
    this.rows++;
  }

  /** How many of the record's keys are not columns yet. */
  private newKeys(record: Record<string, unknown>): number {
    let n = 0;
    for (const key in record) if (Object.prototype.hasOwnProperty.call(record, key) && !this.index.has(key)) n++;
    return n;
  }

  /** The table, with empty keys renamed to column_<n>; no columns at all is `empty_input`. */
  build(what: string): { table: Table; renamed: RenamedColumn[] } {
    if (!this.builders.length) throw new AndonError('empty_input', `${what} holds no fields`, { rows: this.rows });
    const { names, renamed } = uniqueNames(this.keys);
    const columns = this.builders.map((b, i): Column => ({ ...b.build(), name: names[i] }));
    return { table: new Table(columns), renamed };
  }
}

/** A plain JSON object (not an array, null or scalar): what one row must be. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why JSON.parse refused a row, shortened to one line. */
export function jsonReason(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return `invalid JSON: ${message.split('\n')[0].slice(0, 200)}`;
}
