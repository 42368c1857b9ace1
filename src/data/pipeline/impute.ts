// Impute: fills missing cells with a value learned from training rows (mean, median, most frequent) or given (constant).
import { AndonError } from '../../errors.js';
import type { Column, Table } from '../table.js';
import {
  canonical,
  checkBoolean,
  checkColumns,
  checkEnum,
  checkFree,
  checkKeys,
  checkObject,
  invalid,
  isFiniteNumber,
  isMissing,
  notFitted,
  quantileSorted,
  readKeys,
  readNumbers,
  replaceColumns,
  restoring,
  sortedFinite,
  stateList,
} from './clean.js';
import { registerStep } from './registry.js';
import type { Step, StepState } from './types.js';

/**
 * 'drop' cannot drop rows here: the pipeline returns features only, so dropping a row would silently misalign
 * features with targets, and at serving every row must get a prediction. So 'drop' is a guard: fitting fails
 * if training rows have missing values in the column (remove them first with `dropMissingRows`, which returns
 * the kept row indices), and a serving row with a missing value fails with `invalid_input` naming the column.
 */
export type ImputeStrategy = 'mean' | 'median' | 'most_frequent' | 'constant' | 'drop';
const STRATEGIES: readonly ImputeStrategy[] = ['mean', 'median', 'most_frequent', 'constant', 'drop'];

export interface ImputeOptions {
  columns: string[];
  strategy?: ImputeStrategy; // default 'median'
  /** The fill for 'constant': a number keeps the column numeric, a string makes it text. */
  value?: number | string;
  /** Adds `<column>__missing` (1 where the cell was missing, else 0), so a model can learn from missingness. */
  indicator?: boolean;
  /** The fill when training has no value at all in a column; default 0 for numbers, "(missing)" for text. */
  fallback?: number | string;
  /**
   * Treats the columns as categories: the fill is text and the output is always a text column, so a category
   * stored as numbers in training ("1", "2") and sent as text at serving ("A7") stays a category (unseen),
   * instead of being parsed as a number and filled.
   */
  categorical?: boolean;
}

export interface ImputeReport {
  [column: string]: { filled: number; unparseable: number };
}

export const MISSING_SUFFIX = '__missing';
export const MISSING_CATEGORY = '(missing)';

type Fill = number | string | null;

export class Impute implements Step {
  readonly kind = 'impute';
  readonly options: Required<Pick<ImputeOptions, 'columns' | 'strategy' | 'indicator' | 'categorical'>> & Pick<ImputeOptions, 'value' | 'fallback'>;
  /** One fill per column; null for 'drop'. */
  fills: Fill[] | null = null;
  /** Training rows' counts from fit, and the last transform's. */
  trainingReport: ImputeReport = {};
  lastReport: ImputeReport = {};

  constructor(options: ImputeOptions) {
    const o = checkObject(options, 'impute');
    checkKeys(o, ['columns', 'strategy', 'value', 'indicator', 'fallback', 'categorical'], 'impute');
    const columns = checkColumns(o.columns, 'impute');
    const strategy = checkEnum(o.strategy, STRATEGIES, 'impute', 'strategy', 'median');
    const indicator = checkBoolean(o.indicator, 'impute', 'indicator', false);
    const categorical = checkBoolean(o.categorical, 'impute', 'categorical', false);
    const value = checkFill(o.value, 'value');
    const fallback = checkFill(o.fallback, 'fallback');
    if (strategy === 'constant' && value === undefined) throw invalid('impute', 'strategy "constant" needs a "value"');
    if (strategy !== 'constant' && value !== undefined) throw invalid('impute', `"value" only applies to strategy "constant", not "${strategy}"`);
    if ((strategy === 'mean' || strategy === 'median') && typeof fallback === 'string') {
      throw invalid('impute', `"fallback" must be a number for strategy "${strategy}"`);
    }
    if ((strategy === 'mean' || strategy === 'median') && categorical) {
      throw invalid('impute', `strategy "${strategy}" does not apply to categorical columns`);
    }
    if (strategy === 'drop' && indicator) throw invalid('impute', 'a missing indicator is meaningless with strategy "drop"');
    this.options = { columns, strategy, indicator, categorical, ...(value !== undefined ? { value } : {}), ...(fallback !== undefined ? { fallback } : {}) };
  }

  get indicatorColumns(): string[] {
    return this.options.indicator ? this.options.columns.map((c) => c + MISSING_SUFFIX) : [];
  }

  fit(table: Table): void {
    const { strategy, categorical } = this.options;
    const fills: Fill[] = [];
    const report: ImputeReport = {};
    for (const name of this.options.columns) {
      const column = table.column(name);
      if (this.options.indicator) checkFree(table, name + MISSING_SUFFIX, 'impute');
      const missing = countMissing(column);
      let fill: Fill;
      if (strategy === 'drop') {
        if (missing > 0) {
          throw new AndonError(
            'invalid_input',
            `impute: column "${name}" has ${missing} missing value(s) in training and strategy "drop"; ` +
              'remove those rows before fitting (dropMissingRows), the pipeline cannot drop rows',
            { column: name, missing },
          );
        }
        fill = null;
      } else if (strategy === 'constant') {
        fill = this.options.value!;
      } else if (strategy === 'mean' || strategy === 'median') {
        const read = readNumbers(column);
        if (read.unparseable > 0) {
          throw new AndonError(
            'invalid_input',
            `impute: column "${name}" holds text such as ${JSON.stringify(read.samples[0])}; ` + `coerce it to numbers before strategy "${strategy}"`,
            { column: name, samples: read.samples },
          );
        }
        const sorted = sortedFinite(read.values);
        if (sorted.length === 0) fill = (this.options.fallback as number | undefined) ?? 0;
        else fill = canonical(strategy === 'mean' ? mean(sorted) : quantileSorted(sorted, 0.5));
      } else {
        fill = mostFrequent(column) ?? this.options.fallback ?? (column.type === 'number' && !categorical ? 0 : MISSING_CATEGORY);
      }
      if (categorical && typeof fill === 'number') fill = String(fill);
      fills.push(fill);
      report[name] = { filled: missing, unparseable: 0 };
    }
    this.fills = fills;
    this.trainingReport = report;
  }

  transform(table: Table): Table {
    if (!this.fills) throw notFitted('impute');
    const replaced = new Map<string, Column>();
    const indicators: Column[] = [];
    const report: ImputeReport = {};
    this.options.columns.forEach((name, i) => {
      const column = table.column(name);
      const fill = this.fills![i];
      if (fill === null) {
        const n = countMissing(column);
        if (n > 0) {
          throw new AndonError('invalid_input', `column "${name}" has ${n} missing value(s); this model cannot predict without it`, {
            column: name,
            missing: n,
          });
        }
        report[name] = { filled: 0, unparseable: 0 };
        return;
      }
      const filled = typeof fill === 'number' ? fillNumbers(column, fill) : fillKeys(column, fill);
      replaced.set(name, filled.column);
      let count = 0;
      for (const m of filled.missing) count += m;
      report[name] = { filled: count, unparseable: filled.unparseable };
      if (this.options.indicator) {
        indicators.push({ type: 'number', name: name + MISSING_SUFFIX, values: Float64Array.from(filled.missing) });
      }
    });
    this.lastReport = report;
    return replaceColumns(table, replaced, indicators);
  }

  toJSON(): StepState {
    if (!this.fills) throw notFitted('impute');
    return { kind: this.kind, options: { ...this.options }, fills: [...this.fills], trainingReport: this.trainingReport };
  }

  static fromJSON(state: StepState): Impute {
    return restoring(state, 'impute', () => {
      const step = new Impute(state.options as ImputeOptions);
      const ok = (x: unknown): x is Fill => (step.options.strategy === 'drop' ? x === null : isFiniteNumber(x) || typeof x === 'string');
      step.fills = stateList(state.fills, step.options.columns.length, ok, 'fills');
      step.trainingReport = (state.trainingReport ?? {}) as ImputeReport;
      return step;
    });
  }
}

function checkFill(value: unknown, option: string): number | string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return canonical(value);
  throw invalid('impute', `"${option}" must be a finite number or a string; got ${JSON.stringify(value)}`);
}

/** Missing cells: NaN or ±Infinity in a number column, −1 or "NA"-like text in a text column. */
function countMissing(column: Column): number {
  let n = 0;
  if (column.type === 'number') {
    for (const v of column.values) if (isMissing(v)) n++;
    return n;
  }
  for (const c of readKeys(column).codes) if (c < 0) n++;
  return n;
}

function mean(values: Float64Array): number {
  let s = 0;
  for (const v of values) s += v;
  const m = s / values.length;
  // A sum can overflow to Infinity on huge readings; the median is then the honest centre.
  return Number.isFinite(m) ? m : quantileSorted(values, 0.5);
}

/** The most frequent value, keeping the column's storage (number or text); ties go to the smallest. Null if none. */
function mostFrequent(column: Column): number | string | null {
  if (column.type === 'number') {
    const counts = new Map<number, number>();
    for (const v of column.values) if (!isMissing(v)) counts.set(canonical(v), (counts.get(canonical(v)) ?? 0) + 1);
    let best: number | null = null,
      bestCount = 0;
    for (const [v, n] of counts)
      if (n > bestCount || (n === bestCount && v < best!)) {
        best = v;
        bestCount = n;
      }
    return best;
  }
  const { dictionary, codes } = readKeys(column);
  const counts = new Int32Array(dictionary.length);
  for (const c of codes) if (c >= 0) counts[c]++;
  let best: string | null = null,
    bestCount = 0;
  counts.forEach((n, c) => {
    // Two dictionary entries may hold the same text only in hand-built tables; plain < keeps ties deterministic.
    if (n > bestCount || (n === bestCount && n > 0 && dictionary[c] < best!)) {
      best = dictionary[c];
      bestCount = n;
    }
  });
  return best;
}

/** Numeric fill: text cells are parsed (a serving request may send numbers as text); what does not parse is filled. */
function fillNumbers(column: Column, fill: number): { column: Column; missing: Uint8Array; unparseable: number } {
  const read = readNumbers(column);
  const values = new Float64Array(read.values.length);
  const missing = new Uint8Array(values.length);
  for (let r = 0; r < values.length; r++) {
    const v = read.values[r];
    if (isMissing(v)) {
      values[r] = fill;
      missing[r] = 1;
    } else values[r] = v;
  }
  return { column: { type: 'number', name: column.name, values }, missing, unparseable: read.unparseable };
}

/** Text fill: the column becomes text (numbers as their shortest text), the fill joins the dictionary if new. */
function fillKeys(column: Column, fill: string): { column: Column; missing: Uint8Array; unparseable: number } {
  const { dictionary, codes } = readKeys(column);
  let fillCode = dictionary.indexOf(fill);
  if (fillCode < 0) {
    fillCode = dictionary.length;
    dictionary.push(fill);
  }
  const out = new Int32Array(codes.length);
  const missing = new Uint8Array(codes.length);
  for (let r = 0; r < codes.length; r++) {
    if (codes[r] < 0) {
      out[r] = fillCode;
      missing[r] = 1;
    } else out[r] = codes[r];
  }
  return { column: { type: 'string', name: column.name, codes: out, dictionary }, missing, unparseable: 0 };
}

registerStep('impute', Impute.fromJSON);
