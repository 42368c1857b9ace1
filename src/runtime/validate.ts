// Request validation for predictions: rows by column name checked against a model's input schema, then built into a Table.
import { AndonError } from '../errors.js';
import { ColumnBuilder, Table, isMissingText, parseNumberText, type Column } from '../data/table.js';
import { booleanOf } from '../data/schema.js';
import type { StoredManifest } from '../ml/bundle.js';

export const DEFAULT_MAX_ROWS = 10_000;

/** The largest float32: the network computes in float32, so a reading beyond it would become Infinity there. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/** How one request column is read: numbers, category keys, free text, dates, or the RUL unit and time. */
export type ColumnKind = 'number' | 'boolean' | 'category' | 'text' | 'datetime' | 'group' | 'time';

export interface InputColumn {
  name: string;
  type: string;
  kind: ColumnKind;
}

/** The columns a request may carry, with how each is checked (RUL adds its unit and time columns). */
export function inputColumns(m: StoredManifest): InputColumn[] {
  const cols: InputColumn[] = m.input_schema.map((c) => ({ name: c.name, type: c.type, kind: kindOf(c.type) }));
  if (m.rul) {
    cols.push({ name: m.rul.group_column, type: 'identifier', kind: 'group' });
    cols.push({ name: m.rul.time_column, type: 'number', kind: 'time' });
  }
  return cols;
}

function kindOf(type: string): ColumnKind {
  switch (type) {
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'text':
      return 'text';
    case 'datetime':
      return 'datetime';
    default:
      return 'category';
  }
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new AndonError('invalid_input', message, details);
}

const describe = (v: unknown): string =>
  Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`;

/**
 * The category keys a boolean column was trained with ("true"/"false", "yes"/"no", "0"/"1", …), so a request
 * may send true/false whatever the training file wrote. Read from the fitted pipeline's encoder state.
 */
function booleanKeys(m: StoredManifest, column: string): { t: string; f: string } | null {
  const encoders = (m.pipeline as { encoders?: unknown[] }).encoders ?? [];
  for (const e of encoders) {
    const s = e as { options?: { columns?: unknown }; categories?: unknown };
    const cols = s.options?.columns;
    if (!Array.isArray(cols) || !Array.isArray(s.categories)) continue;
    const i = cols.indexOf(column);
    const cats = s.categories[i];
    if (i < 0 || !Array.isArray(cats)) continue;
    const t = cats.find((c) => typeof c === 'string' && booleanOf(c) === true);
    const f = cats.find((c) => typeof c === 'string' && booleanOf(c) === false);
    return { t: t ?? 'true', f: f ?? 'false' };
  }
  return null;
}

/**
 * Checks a request and builds the table the model's pipeline reads. The rules, each an `invalid_input`
 * naming the row and column:
 * - `rows` is a non-empty array of at most `maxRows` objects;
 * - every key is a column of the input schema (RUL also takes its unit and time columns); unknown ones are listed;
 * - a column may be null or absent in some rows — the fitted pipeline imputes it — but a column absent from
 *   every row is an error (the caller is almost certainly sending the wrong schema); RUL unit and time are
 *   required in every row;
 * - number columns take finite numbers or numeric strings ("12.5") within float32's range (|x| ≤ 3.4e38: the
 *   network computes in float32); "NaN", "Infinity", 1e39, other text, booleans, objects and arrays are refused —
 *   a missing reading is sent as null, so a NaN from a broken sensor driver never passes silently as "missing";
 * - boolean columns take true/false, 0/1 or yes/no words; category columns take strings, numbers or booleans;
 *   text columns take strings only; datetime columns take strings or epoch numbers.
 */
export function validateRows(m: StoredManifest, rows: unknown, opts: { maxRows?: number } = {}): Table {
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  if (!Array.isArray(rows)) invalid(`rows must be an array of objects, got ${describe(rows)}`, { field: 'rows' });
  if (rows.length === 0) invalid('rows is empty: send at least one row', { field: 'rows', rows: 0 });
  if (rows.length > maxRows) invalid(`too many rows: ${rows.length}, at most ${maxRows} per request`, { field: 'rows', rows: rows.length, max_rows: maxRows });
  const columns = inputColumns(m);
  const byName = new Map(columns.map((c) => [c.name, c]));
  const seen = new Set<string>();
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r] as unknown;
    if (row === null || typeof row !== 'object' || Array.isArray(row)) invalid(`row ${r} must be an object of column values, got ${describe(row)}`, { row: r });
    const unknown = Object.keys(row).filter((k) => !byName.has(k));
    if (unknown.length) {
      invalid(`row ${r}: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}`, {
        row: r,
        unknown,
        expected: columns.map((c) => c.name),
      });
    }
    for (const k of Object.keys(row)) if ((row as Record<string, unknown>)[k] !== undefined) seen.add(k);
  }
  const missing = columns.filter((c) => !seen.has(c.name)).map((c) => c.name);
  if (missing.length) {
    invalid(`missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}: absent from every row`, { missing });
  }
  const built: Column[] = columns.map((c) => buildColumn(m, c, rows as Record<string, unknown>[]));
  return new Table(built);
}

function buildColumn(m: StoredManifest, c: InputColumn, rows: Record<string, unknown>[]): Column {
  const bad = (r: number, v: unknown, expected: string): never =>
    invalid(`row ${r}, column "${c.name}": expected ${expected}, got ${describe(v)}`, { row: r, column: c.name, type: c.type });
  if (c.kind === 'number') {
    const values = new Float64Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const v = rows[r][c.name];
      if (v === null || v === undefined) {
        values[r] = NaN;
        continue;
      }
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) bad(r, v, 'a finite number (send null for a missing value)');
        if (Math.abs(v) > FLOAT32_MAX) bad(r, v, 'a number within ±3.4e38 (the float32 range the model computes in)');
        values[r] = v;
        continue;
      }
      const n = typeof v === 'string' ? parseNumberText(v) : null;
      if (n === null || !Number.isFinite(n)) bad(r, v, 'a number or null');
      if (Math.abs(n!) > FLOAT32_MAX) bad(r, v, 'a number within ±3.4e38 (the float32 range the model computes in)');
      values[r] = n!;
    }
    return { type: 'number', name: c.name, values };
  }
  // Category, boolean and text keys stay text even when they look like numbers (the pipeline reads both);
  // unit, time and dates are read as training read them, so numbers stay numbers.
  const b = c.kind === 'group' || c.kind === 'time' || c.kind === 'datetime' ? new ColumnBuilder(c.name) : new TextBuilder(c.name);
  const keys = c.kind === 'boolean' ? (booleanKeys(m, c.name) ?? { t: 'true', f: 'false' }) : null;
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r][c.name];
    if ((v === null || v === undefined) && (c.kind === 'group' || c.kind === 'time'))
      bad(r, v, c.kind === 'group' ? 'the unit id (required in every row)' : 'the time or cycle (required in every row)');
    if (v === null || v === undefined) {
      b.append(null);
      continue;
    }
    switch (c.kind) {
      case 'boolean': {
        const flag = typeof v === 'boolean' ? v : typeof v === 'number' && (v === 0 || v === 1) ? v === 1 : typeof v === 'string' ? booleanOf(v) : null;
        if (flag === null) bad(r, v, 'true or false');
        b.append(flag ? keys!.t : keys!.f);
        break;
      }
      case 'text':
        if (typeof v !== 'string') bad(r, v, 'text (a string)');
        b.append(v);
        break;
      case 'time':
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' || parseNumberText(v) === null) bad(r, v, 'a number');
        b.append(typeof v === 'string' ? parseNumberText(v) : v);
        break;
      case 'datetime':
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') bad(r, v, 'a date string or an epoch number');
        b.append(v);
        break;
      default: // category and group
        if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string' && typeof v !== 'boolean') bad(r, v, 'a string or a number');
        b.append(typeof v === 'boolean' ? String(v) : v);
    }
  }
  return b.build();
}

/** A text column from cells as given ("NA" and friends are missing, as in files). */
class TextBuilder {
  private codes: number[] = [];
  private dictionary: string[] = [];
  private index = new Map<string, number>();
  constructor(readonly name: string) {}
  append(v: unknown): void {
    if (v === null || v === undefined) {
      this.codes.push(-1);
      return;
    }
    const s = String(v);
    if (isMissingText(s)) {
      this.codes.push(-1);
      return;
    }
    let code = this.index.get(s);
    if (code === undefined) {
      code = this.dictionary.length;
      this.dictionary.push(s);
      this.index.set(s, code);
    }
    this.codes.push(code);
  }
  build(): Column {
    return { type: 'string', name: this.name, codes: Int32Array.from(this.codes), dictionary: this.dictionary };
  }
}
