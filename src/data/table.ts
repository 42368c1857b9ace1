// Table: an in-memory columnar table — Float64Array for numbers (NaN = missing), dictionary codes for text.
import { AndonError } from '../errors.js';

export type Cell = number | string | null;

export interface NumberColumn {
  readonly type: 'number';
  readonly name: string;
  readonly values: Float64Array;
}
/** Text as codes into a dictionary of distinct values; code −1 is a missing value. */
export interface StringColumn {
  readonly type: 'string';
  readonly name: string;
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}
export type Column = NumberColumn | StringColumn;

export function cellOf(column: Column, row: number): Cell {
  if (column.type === 'number') {
    const v = column.values[row];
    return Number.isNaN(v) ? null : v;
  }
  const c = column.codes[row];
  return c < 0 ? null : column.dictionary[c];
}

export class Table {
  readonly rowCount: number;
  readonly columnNames: readonly string[];
  private readonly byName: Map<string, Column>;

  constructor(readonly columns: readonly Column[]) {
    this.rowCount = columns.length ? lengthOf(columns[0]) : 0;
    this.byName = new Map();
    for (const c of columns) {
      if (this.byName.has(c.name)) throw new AndonError('invalid_input', `duplicate column name "${c.name}"`, { column: c.name });
      if (lengthOf(c) !== this.rowCount) throw new AndonError('invalid_input', `column "${c.name}" has ${lengthOf(c)} rows, expected ${this.rowCount}`);
      this.byName.set(c.name, c);
    }
    this.columnNames = columns.map((c) => c.name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The named column; an unknown name is the caller's error and lists what exists. */
  column(name: string): Column {
    const c = this.byName.get(name);
    if (!c) throw new AndonError('unknown_column', `unknown column "${name}"`, { column: name, available: this.columnNames });
    return c;
  }

  get(row: number, name: string): Cell {
    return cellOf(this.column(name), row);
  }

  row(i: number): Record<string, Cell> {
    const out: Record<string, Cell> = {};
    for (const c of this.columns) out[c.name] = cellOf(c, i);
    return out;
  }

  *rows(): IterableIterator<Record<string, Cell>> {
    for (let i = 0; i < this.rowCount; i++) yield this.row(i);
  }

  /** The rows at the given indices, in that order (indices may repeat). */
  take(indices: ArrayLike<number>): Table {
    return new Table(
      this.columns.map((c): Column => {
        if (c.type === 'number') {
          const v = new Float64Array(indices.length);
          for (let i = 0; i < indices.length; i++) v[i] = c.values[indices[i]];
          return { type: 'number', name: c.name, values: v };
        }
        const codes = new Int32Array(indices.length);
        for (let i = 0; i < indices.length; i++) codes[i] = c.codes[indices[i]];
        return { type: 'string', name: c.name, codes, dictionary: c.dictionary };
      }),
    );
  }

  select(names: readonly string[]): Table {
    return new Table(names.map((n) => this.column(n)));
  }

  drop(names: readonly string[]): Table {
    for (const n of names) this.column(n); // unknown names are errors, not silently ignored
    return new Table(this.columns.filter((c) => !names.includes(c.name)));
  }

  withColumn(column: Column): Table {
    return new Table([...this.columns.filter((c) => c.name !== column.name), column]);
  }

  /** Builds a table from row objects (JSON records, SQL rows); column order is first appearance. */
  static fromRows(rows: readonly Record<string, unknown>[], names?: readonly string[]): Table {
    const cols = names ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const builder = new TableBuilder(cols);
    for (const r of rows) builder.appendValues(cols.map((n) => r[n]));
    return builder.build();
  }
}

function lengthOf(c: Column): number {
  return c.type === 'number' ? c.values.length : c.codes.length;
}

/** Cells that mean "no value" in the files factories export. */
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL', 'None', '#N/A', '-']);
export function isMissingText(s: string): boolean {
  return MISSING.has(s.trim());
}

/**
 * A number written the way numbers are written, without the leading zeros of codes like "007" that
 * must stay text; hex, binary, "Infinity" and integers longer than 15 digits are text too.
 */
const NUMBER_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** Longer plain integers than this lose digits as doubles; they are identifiers, so they stay text. */
export const MAX_INTEGER_DIGITS = 15;
const LONG_INTEGER_RE = new RegExp(`^[+-]?\\d{${MAX_INTEGER_DIGITS + 1},}$`);
export function parseNumberText(s: string): number | null {
  const t = s.trim();
  if (!NUMBER_RE.test(t) || LONG_INTEGER_RE.test(t)) return null;
  const digits = t.replace(/^[+-]/, '');
  if (digits.length > 1 && digits[0] === '0' && digits[1] !== '.' && digits[1] !== 'e' && digits[1] !== 'E') return null;
  return Number(t);
}

/**
 * Grows one column as cells arrive. It starts numeric (no strings kept, so a million sensor readings
 * cost 8 MB) and turns into a text column the first time a cell is not a number; earlier numbers are
 * then written back as text in their shortest form.
 */
export class ColumnBuilder {
  private numbers: Float64Array | null = new Float64Array(1024);
  private codes: Int32Array | null = null;
  private dictionary: string[] = [];
  private index = new Map<string, number>();
  length = 0;

  constructor(readonly name: string) {}

  append(value: unknown): void {
    if (value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value))) {
      this.push(NaN, -1);
      return;
    }
    if (typeof value === 'number') {
      if (this.numbers) this.push(value, 0);
      else this.pushText(String(value));
      return;
    }
    if (typeof value === 'boolean') {
      this.pushText(String(value));
      return;
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (isMissingText(text)) {
      this.push(NaN, -1);
      return;
    }
    if (this.numbers) {
      const n = parseNumberText(text);
      if (n !== null) {
        this.push(n, 0);
        return;
      }
    }
    this.pushText(text);
  }

  /** True while every cell so far was a number or missing; readers may then parse numbers from bytes. */
  get numeric(): boolean {
    return this.numbers !== null;
  }

  /** Fast paths for readers that already parsed the cell. */
  appendNumber(n: number): void {
    if (this.numbers) this.push(n, 0);
    else this.pushText(String(n));
  }
  appendMissing(): void {
    this.push(NaN, -1);
  }

  private push(n: number, missingCode: number): void {
    if (this.numbers) {
      if (this.length === this.numbers.length) this.numbers = grow(this.numbers) as Float64Array;
      this.numbers[this.length++] = n;
    } else {
      this.ensureCodes();
      this.codes![this.length++] = missingCode < 0 ? -1 : this.code(String(n));
    }
  }

  private pushText(text: string): void {
    if (this.numbers) this.toText();
    this.ensureCodes();
    this.codes![this.length++] = this.code(text);
  }

  private code(text: string): number {
    let c = this.index.get(text);
    if (c === undefined) {
      c = this.dictionary.length;
      this.dictionary.push(text);
      this.index.set(text, c);
    }
    return c;
  }

  private ensureCodes(): void {
    if (this.length === this.codes!.length) this.codes = grow(this.codes!) as Int32Array;
  }

  private toText(): void {
    const nums = this.numbers!;
    this.numbers = null;
    this.codes = new Int32Array(Math.max(1024, nums.length));
    for (let i = 0; i < this.length; i++) this.codes[i] = Number.isNaN(nums[i]) ? -1 : this.code(String(nums[i]));
  }

  build(): Column {
    if (this.numbers) return { type: 'number', name: this.name, values: this.numbers.slice(0, this.length) };
    return { type: 'string', name: this.name, codes: this.codes!.slice(0, this.length), dictionary: this.dictionary };
  }
}

function grow(a: Float64Array | Int32Array): Float64Array | Int32Array {
  const b = new (a.constructor as Float64ArrayConstructor | Int32ArrayConstructor)(a.length * 2);
  b.set(a);
  return b;
}

/** Appends rows of cells to one ColumnBuilder per column. */
export class TableBuilder {
  private readonly builders: ColumnBuilder[];
  constructor(names: readonly string[]) {
    const seen = new Set<string>();
    for (const n of names) {
      if (seen.has(n)) throw new AndonError('invalid_input', `duplicate column name "${n}"`, { column: n });
      seen.add(n);
    }
    this.builders = names.map((n) => new ColumnBuilder(n));
  }
  get rowCount(): number {
    return this.builders.length ? this.builders[0].length : 0;
  }
  get columns(): readonly ColumnBuilder[] {
    return this.builders;
  }
  appendValues(values: readonly unknown[]): void {
    for (let i = 0; i < this.builders.length; i++) this.builders[i].append(values[i]);
  }
  build(): Table {
    return new Table(this.builders.map((b) => b.build()));
  }
}
