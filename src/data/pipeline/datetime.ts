// DatetimeParts: adds numeric columns (year, month, …, optional sin/cos cycles) parsed from date-time text or epoch numbers.
import type { Column, Table } from '../table.js';
import { checkBoolean, checkColumns, checkEnum, checkFree, checkKeys, checkObject, invalid, readKeys, replaceColumns, restoring } from './clean.js';
import { registerStep } from './registry.js';
import type { Step, StepState } from './types.js';

export type DatePart = 'year' | 'month' | 'day' | 'weekday' | 'hour' | 'minute' | 'dayofyear';
export const DATE_PARTS: readonly DatePart[] = ['year', 'month', 'day', 'weekday', 'hour', 'minute', 'dayofyear'];
export type CyclicPart = 'month' | 'weekday' | 'hour' | 'minute' | 'dayofyear';
const CYCLIC_PARTS: readonly CyclicPart[] = ['month', 'weekday', 'hour', 'minute', 'dayofyear'];
/** `cyclic: true` means the cycles that matter on a shop floor: season, week, shift. */
const DEFAULT_CYCLIC: readonly CyclicPart[] = ['month', 'weekday', 'hour'];

export interface DatetimeOptions {
  columns: string[];
  /** Which parts become columns `<column>__<part>`; default all. Weekday is 0 = Monday … 6 = Sunday; dayofyear starts at 1. */
  parts?: DatePart[];
  /** Adds `<column>__<part>_sin` and `_cos`, so December sits next to January; true = month, weekday, hour. */
  cyclic?: boolean | CyclicPart[];
  /**
   * The unit of epoch numbers. By default each number decides: |n| ≥ 1e11 is milliseconds (1e11 s is the year
   * 5138, 1e11 ms is 1973), smaller is seconds — no fitted state, so training and serving agree.
   */
  epochUnit?: 's' | 'ms';
}

export interface DatetimeReport {
  [column: string]: { parsed: number; missing: number; unparseable: number; samples: string[] };
}

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
}

/*
 * Text is read as the wall-clock time it states; a trailing zone ("Z", "+02:00") is accepted and ignored,
 * because a shift starting at 06:00 local is the pattern a model should see, whatever the offset that day.
 * Epoch numbers are read in UTC. Dates are ISO order only: "05/01/2024" is ambiguous and counts as unparseable.
 */
const DATE_RE = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ]\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export function parseDateText(text: string): Fields | null {
  const m = DATE_RE.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0', m[6] ?? '0'].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return null;
  return { year, month, day, hour, minute };
}

export function fieldsFromEpoch(n: number, unit?: 's' | 'ms'): Fields | null {
  const ms = (unit ?? (Math.abs(n) >= 1e11 ? 'ms' : 's')) === 'ms' ? n : n * 1000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return null;
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes() };
}

/** Milliseconds at 00:00 UTC of a date; unlike Date.UTC, years 0–99 stay themselves instead of meaning 19xx. */
function utc(year: number, monthIndex: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, monthIndex, day);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}

function partOf(f: Fields, part: DatePart): number {
  switch (part) {
    case 'year':
      return f.year;
    case 'month':
      return f.month;
    case 'day':
      return f.day;
    case 'hour':
      return f.hour;
    case 'minute':
      return f.minute;
    case 'weekday':
      return (new Date(utc(f.year, f.month - 1, f.day)).getUTCDay() + 6) % 7;
    case 'dayofyear':
      return Math.round((utc(f.year, f.month - 1, f.day) - utc(f.year, 0, 1)) / 86_400_000) + 1;
  }
}

/** The position of a cyclic part on its circle, in [0, 1). */
function phaseOf(f: Fields, part: CyclicPart): number {
  switch (part) {
    case 'month':
      return (f.month - 1) / 12;
    case 'weekday':
      return partOf(f, 'weekday') / 7;
    case 'hour':
      return f.hour / 24;
    case 'minute':
      return f.minute / 60;
    case 'dayofyear':
      return (partOf(f, 'dayofyear') - 1) / 365.25;
  }
}

export class DatetimeParts implements Step {
  readonly kind = 'datetime';
  readonly options: { columns: string[]; parts: DatePart[]; cyclic: CyclicPart[]; epochUnit: 's' | 'ms' | null };
  trainingReport: DatetimeReport = {};
  lastReport: DatetimeReport = {};

  constructor(options: DatetimeOptions) {
    const o = checkObject(options, 'datetime');
    checkKeys(o, ['columns', 'parts', 'cyclic', 'epochUnit'], 'datetime');
    const columns = checkColumns(o.columns, 'datetime');
    const parts = o.parts === undefined ? [...DATE_PARTS] : checkSubset(o.parts, DATE_PARTS, 'parts');
    const cyclic =
      o.cyclic === undefined || typeof o.cyclic === 'boolean'
        ? checkBoolean(o.cyclic, 'datetime', 'cyclic', false)
          ? [...DEFAULT_CYCLIC]
          : []
        : checkSubset(o.cyclic, CYCLIC_PARTS, 'cyclic');
    if (parts.length === 0 && cyclic.length === 0) throw invalid('datetime', 'no output: "parts" and "cyclic" are both empty');
    const epochUnit = o.epochUnit === undefined || o.epochUnit === null ? null : checkEnum(o.epochUnit, ['s', 'ms'] as const, 'datetime', 'epochUnit', 's');
    this.options = { columns, parts, cyclic, epochUnit };
  }

  /** The names of the columns this step adds, in order; known before fitting, so a pipeline can be built around them. */
  get outputColumns(): string[] {
    return this.options.columns.flatMap((c) => this.namesFor(c));
  }

  private namesFor(column: string): string[] {
    return [...this.options.parts.map((p) => `${column}__${p}`), ...this.options.cyclic.flatMap((p) => [`${column}__${p}_sin`, `${column}__${p}_cos`])];
  }

  /** Nothing is learned (parsing rules are fixed); fit checks the output names are free and records a report. */
  fit(table: Table): void {
    for (const c of this.options.columns) {
      table.column(c);
      for (const n of this.namesFor(c)) checkFree(table, n, 'datetime');
    }
    this.transform(table);
    this.trainingReport = this.lastReport;
  }

  /** Unparseable and missing cells give missing (NaN) parts, to be imputed by a later step. */
  transform(table: Table): Table {
    const added: Column[] = [];
    const report: DatetimeReport = {};
    for (const name of this.options.columns) {
      const { fields, missing, unparseable, samples } = this.parseColumn(table.column(name));
      report[name] = { parsed: fields.filter(Boolean).length, missing, unparseable, samples };
      for (const part of this.options.parts) {
        added.push({ type: 'number', name: `${name}__${part}`, values: Float64Array.from(fields, (f) => (f ? partOf(f, part) : NaN)) });
      }
      for (const part of this.options.cyclic) {
        const phase = fields.map((f) => (f ? 2 * Math.PI * phaseOf(f, part) : NaN));
        added.push({ type: 'number', name: `${name}__${part}_sin`, values: Float64Array.from(phase, Math.sin) });
        added.push({ type: 'number', name: `${name}__${part}_cos`, values: Float64Array.from(phase, Math.cos) });
      }
    }
    this.lastReport = report;
    return replaceColumns(table, new Map(), added);
  }

  private parseColumn(column: Column): { fields: (Fields | null)[]; missing: number; unparseable: number; samples: string[] } {
    const unit = this.options.epochUnit ?? undefined;
    let missing = 0,
      unparseable = 0;
    const samples = new Set<string>();
    if (column.type === 'number') {
      const fields = Array.from(column.values, (v) => {
        if (!Number.isFinite(v)) {
          missing++;
          return null;
        }
        const f = fieldsFromEpoch(v, unit);
        if (!f) {
          unparseable++;
          if (samples.size < 3) samples.add(String(v));
        }
        return f;
      });
      return { fields, missing, unparseable, samples: [...samples] };
    }
    // Parse each distinct text once; digits-only text is an epoch number sent as text.
    const { dictionary, codes } = readKeys(column);
    const parsed = dictionary.map((s) => (/^-?\d+(\.\d+)?$/.test(s.trim()) ? fieldsFromEpoch(Number(s), unit) : parseDateText(s)));
    const fields = Array.from(codes, (c) => {
      if (c < 0) {
        missing++;
        return null;
      }
      if (!parsed[c]) {
        unparseable++;
        if (samples.size < 3) samples.add(dictionary[c]);
      }
      return parsed[c];
    });
    return { fields, missing, unparseable, samples: [...samples] };
  }

  toJSON(): StepState {
    return { kind: this.kind, options: { ...this.options }, trainingReport: this.trainingReport };
  }

  static fromJSON(state: StepState): DatetimeParts {
    return restoring(state, 'datetime', () => {
      const step = new DatetimeParts(state.options as DatetimeOptions);
      step.trainingReport = (state.trainingReport ?? {}) as DatetimeReport;
      return step;
    });
  }
}

function checkSubset<T extends string>(value: unknown, allowed: readonly T[], option: string): T[] {
  if (!Array.isArray(value) || value.some((v) => !(allowed as readonly unknown[]).includes(v))) {
    throw invalid('datetime', `"${option}" must be a list drawn from ${allowed.join(', ')}; got ${JSON.stringify(value)}`);
  }
  return [...new Set(value as T[])];
}

registerStep('datetime', DatetimeParts.fromJSON);
