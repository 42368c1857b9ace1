// Shared ground of the cleaning and tabular transforms: reading cells whatever their storage, statistics, option and state checks.
import { AndonError } from '../../errors.js';
import { isMissingText, parseNumberText, Table, type Column } from '../table.js';
import type { StepState } from './types.js';

/*
 * Why storage-agnostic readers: a serving request is built into a Table from JSON rows, so a column that
 * was text in training may arrive as numbers (a category "1", "2") and a numeric column may arrive as text
 * ("12 %", or any one odd cell). Every transform reads through these helpers so both shapes mean the same.
 */

/** NaN and ±Infinity are missing for statistics and imputation: no mean, quantile or model can use them. */
export const isMissing = (x: number): boolean => !Number.isFinite(x);

/** −0 becomes 0: JSON writes −0 as 0, and a restored pipeline must compute bit-identically. */
export const canonical = (x: number): number => (x === 0 ? 0 : x);

export interface NumberRead {
  /** The cells as numbers, NaN where missing or unparseable. Shared with a number column: never mutate. */
  values: Float64Array;
  /** Non-missing text cells that did not parse. */
  unparseable: number;
  /** A few distinct unparseable texts, for error messages and reports. */
  samples: string[];
}

/** A column as numbers; text is parsed once per distinct value, not per cell. */
export function readNumbers(column: Column, parse: (s: string) => number | null = parseNumberText): NumberRead {
  if (column.type === 'number') return { values: column.values, unparseable: 0, samples: [] };
  const lut = new Float64Array(column.dictionary.length);
  const bad = new Uint8Array(column.dictionary.length);
  column.dictionary.forEach((s, i) => {
    if (isMissingText(s)) {
      lut[i] = NaN;
      return;
    }
    const n = parse(s);
    if (n === null || Number.isNaN(n)) {
      lut[i] = NaN;
      bad[i] = 1;
    } else lut[i] = n;
  });
  const values = new Float64Array(column.codes.length);
  let unparseable = 0;
  const samples = new Set<string>();
  for (let r = 0; r < values.length; r++) {
    const c = column.codes[r];
    if (c < 0) {
      values[r] = NaN;
      continue;
    }
    values[r] = lut[c];
    if (bad[c]) {
      unparseable++;
      if (samples.size < 3) samples.add(column.dictionary[c]);
    }
  }
  return { values, unparseable, samples: [...samples] };
}

/** A column as category keys: `codes` index `dictionary`, −1 is missing. Numbers become their shortest text ("2", not "2.0"). */
export function readKeys(column: Column): { dictionary: string[]; codes: Int32Array } {
  if (column.type === 'string') {
    // Builders already map "NA" and friends to −1; a hand-built table may not have.
    const missing = column.dictionary.map((s) => isMissingText(s));
    if (!missing.includes(true)) return { dictionary: [...column.dictionary], codes: column.codes };
    const codes = column.codes.map((c) => (c >= 0 && missing[c] ? -1 : c));
    return { dictionary: [...column.dictionary], codes };
  }
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  const codes = new Int32Array(column.values.length);
  for (let r = 0; r < codes.length; r++) {
    const v = column.values[r];
    if (isMissing(v)) {
      codes[r] = -1;
      continue;
    }
    const key = String(v);
    let c = index.get(key);
    if (c === undefined) {
      c = dictionary.length;
      dictionary.push(key);
      index.set(key, c);
    }
    codes[r] = c;
  }
  return { dictionary, codes };
}

/** The finite values, sorted ascending (for quantiles and medians). */
export function sortedFinite(values: Float64Array): Float64Array {
  return values.filter((v) => Number.isFinite(v)).sort();
}

/** Quantile by linear interpolation between order statistics (NumPy's default), of a non-empty sorted array. */
export function quantileSorted(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  if (lo + 1 >= sorted.length) return sorted[sorted.length - 1];
  return sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]);
}

/**
 * A copy of the table with some columns replaced in place (order kept) and others appended. An appended
 * column overwrites a same-named input column: at serving, what a step computes wins over what a request sent.
 */
export function replaceColumns(table: Table, replaced: ReadonlyMap<string, Column>, appended: readonly Column[] = []): Table {
  const added = new Set(appended.map((c) => c.name));
  const cols = table.columns.filter((c) => !added.has(c.name)).map((c) => replaced.get(c.name) ?? c);
  return new Table([...cols, ...appended]);
}

// ---- option checks: user input is validated where it enters, naming the option and the transform ----

export function invalid(kind: string, message: string, details: Record<string, unknown> = {}): AndonError {
  return new AndonError('invalid_input', `${kind}: ${message}`, { step: kind, ...details });
}

export function checkObject(value: unknown, kind: string): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw invalid(kind, 'options must be an object');
  return value as Record<string, unknown>;
}

/** A non-empty list of distinct non-empty column names. */
export function checkColumns(value: unknown, kind: string, option = 'columns'): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.some((c) => typeof c !== 'string' || c === '')) {
    throw invalid(kind, `"${option}" must be a non-empty list of column names`);
  }
  const seen = new Set<string>();
  for (const c of value as string[]) {
    if (seen.has(c)) throw invalid(kind, `column "${c}" is listed twice`, { column: c });
    seen.add(c);
  }
  return [...(value as string[])];
}

export function checkEnum<T extends string>(value: unknown, allowed: readonly T[], kind: string, option: string, fallback: T): T {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(kind, `"${option}" must be one of ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function checkNumber(value: unknown, kind: string, option: string, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (!opts.integer || Number.isInteger(value)) &&
    (opts.min === undefined || value >= opts.min) &&
    (opts.max === undefined || value <= opts.max);
  if (!ok) {
    const range = [opts.min !== undefined ? `≥ ${opts.min}` : '', opts.max !== undefined ? `≤ ${opts.max}` : ''].filter(Boolean).join(' and ');
    throw invalid(kind, `"${option}" must be a${opts.integer ? 'n integer' : ' finite number'}${range ? ' ' + range : ''}; got ${JSON.stringify(value)}`);
  }
  return canonical(value as number);
}

export function checkBoolean(value: unknown, kind: string, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw invalid(kind, `"${option}" must be true or false; got ${JSON.stringify(value)}`);
  return value;
}

/** Rejects option names the transform does not know, so a typo ("stratgy") is not silently a default. */
export function checkKeys(options: Record<string, unknown>, known: readonly string[], kind: string): void {
  for (const k of Object.keys(options)) {
    if (!known.includes(k)) throw invalid(kind, `unknown option "${k}" (known: ${known.join(', ')})`);
  }
}

/** Output column names must not overwrite an input column. */
export function checkFree(table: Table, name: string, kind: string): void {
  if (table.has(name)) throw invalid(kind, `it would add column "${name}", which the table already has`, { column: name });
}

// ---- state checks: a bundle from disk is untrusted, so restoring validates and reports parse_error ----

/** Runs a restorer, turning any failure into parse_error naming the kind. */
export function restoring<T>(state: StepState, kind: string, build: () => T): T {
  if (state.kind !== kind) throw new AndonError('parse_error', `expected a serialised "${kind}", got "${state.kind}"`);
  try {
    return build();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new AndonError('parse_error', `a serialised "${kind}" is malformed: ${message}`, { kind });
  }
}

/** A list of the given length whose items pass `ok`. */
export function stateList<T>(value: unknown, length: number, ok: (x: unknown) => x is T, what: string): T[] {
  if (!Array.isArray(value) || value.length !== length || !value.every(ok)) throw new Error(`"${what}" must be a list of ${length} valid items`);
  return value as T[];
}

export const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
export const isString = (x: unknown): x is string => typeof x === 'string';
export const isFiniteOrNull = (x: unknown): x is number | null => x === null || isFiniteNumber(x);

/** A fitted transform refuses to transform before fit, with a message a caller can act on. */
export function notFitted(kind: string): AndonError {
  return new AndonError('invalid_input', `${kind}: transform called before fit`, { step: kind });
}
