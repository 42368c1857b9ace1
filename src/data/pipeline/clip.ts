// Clip: learns per-column quantile bounds on training rows (default p01/p99) and clips outliers to them.
import { AndonError } from '../../errors.js';
import type { Column, Table } from '../table.js';
import {
  canonical,
  checkColumns,
  checkKeys,
  checkNumber,
  checkObject,
  invalid,
  isFiniteOrNull,
  notFitted,
  quantileSorted,
  readNumbers,
  replaceColumns,
  restoring,
  sortedFinite,
  stateList,
} from './clean.js';
import { registerStep } from './registry.js';
import type { Step, StepState } from './types.js';

export interface ClipOptions {
  columns: string[];
  /** Quantile of the lower bound in [0, 1), or null for no lower bound; default 0.01. */
  lower?: number | null;
  /** Quantile of the upper bound in (0, 1], or null for no upper bound; default 0.99. */
  upper?: number | null;
}

export interface ClipReport {
  [column: string]: { clippedLow: number; clippedHigh: number };
}

/** Bounds per column; null where a side is not clipped or training had no values. */
type Bounds = [number | null, number | null];

export class Clip implements Step {
  readonly kind = 'clip';
  readonly options: { columns: string[]; lower: number | null; upper: number | null };
  bounds: Bounds[] | null = null;
  lastReport: ClipReport = {};

  constructor(options: ClipOptions) {
    const o = checkObject(options, 'clip');
    checkKeys(o, ['columns', 'lower', 'upper'], 'clip');
    const columns = checkColumns(o.columns, 'clip');
    const lower = o.lower === null ? null : checkNumber(o.lower ?? 0.01, 'clip', 'lower', { min: 0, max: 1 });
    const upper = o.upper === null ? null : checkNumber(o.upper ?? 0.99, 'clip', 'upper', { min: 0, max: 1 });
    if (lower !== null && upper !== null && lower >= upper) throw invalid('clip', `"lower" (${lower}) must be below "upper" (${upper})`);
    this.options = { columns, lower, upper };
  }

  fit(table: Table): void {
    this.bounds = this.options.columns.map((name): Bounds => {
      const read = readNumbers(table.column(name));
      if (read.unparseable > 0) {
        throw new AndonError('invalid_input', `clip: column "${name}" holds text such as ${JSON.stringify(read.samples[0])}; coerce it to numbers first`, {
          column: name,
          samples: read.samples,
        });
      }
      const sorted = sortedFinite(read.values);
      if (sorted.length === 0) return [null, null];
      const { lower, upper } = this.options;
      return [lower === null ? null : canonical(quantileSorted(sorted, lower)), upper === null ? null : canonical(quantileSorted(sorted, upper))];
    });
  }

  /** Missing cells stay missing (imputation comes after clipping, so fills do not skew the quantiles); text is parsed. */
  transform(table: Table): Table {
    if (!this.bounds) throw notFitted('clip');
    const replaced = new Map<string, Column>();
    const report: ClipReport = {};
    this.options.columns.forEach((name, i) => {
      const [lo, hi] = this.bounds![i];
      const { values: input } = readNumbers(table.column(name));
      const values = new Float64Array(input.length);
      let low = 0,
        high = 0;
      for (let r = 0; r < values.length; r++) {
        let v = input[r];
        if (lo !== null && v < lo) {
          v = lo;
          low++;
        }
        if (hi !== null && v > hi) {
          v = hi;
          high++;
        }
        values[r] = v;
      }
      replaced.set(name, { type: 'number', name, values });
      report[name] = { clippedLow: low, clippedHigh: high };
    });
    this.lastReport = report;
    return replaceColumns(table, replaced);
  }

  toJSON(): StepState {
    if (!this.bounds) throw notFitted('clip');
    return { kind: this.kind, options: { ...this.options }, bounds: this.bounds.map((b) => [...b]) };
  }

  static fromJSON(state: StepState): Clip {
    return restoring(state, 'clip', () => {
      const step = new Clip(state.options as ClipOptions);
      const ok = (b: unknown): b is Bounds => Array.isArray(b) && b.length === 2 && isFiniteOrNull(b[0]) && isFiniteOrNull(b[1]);
      step.bounds = stateList(state.bounds, step.options.columns.length, ok, 'bounds');
      return step;
    });
  }
}

registerStep('clip', Clip.fromJSON);
