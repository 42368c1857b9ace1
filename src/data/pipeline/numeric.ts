// NumericEncoder: numeric columns → dense features, scaled by statistics of the training rows (standard, min-max, robust, none), optionally log1p first.
import { AndonError } from '../../errors.js';
import type { Table } from '../table.js';
import {
  canonical,
  checkBoolean,
  checkColumns,
  checkEnum,
  checkKeys,
  checkObject,
  isFiniteNumber,
  notFitted,
  quantileSorted,
  readNumbers,
  restoring,
  stateList,
} from './clean.js';
import { registerEncoder } from './registry.js';
import type { DenseBlock, Encoder, StepState } from './types.js';

export type Scaling = 'standard' | 'minmax' | 'robust' | 'none';
const SCALINGS: readonly Scaling[] = ['standard', 'minmax', 'robust', 'none'];

export interface NumericOptions {
  columns: string[];
  /** standard: (x − mean) / std; minmax: (x − min) / (max − min); robust: (x − median) / IQR; none: x. Default standard. */
  scale?: Scaling;
  /** Applies log1p before scaling, for skewed readings (vibration energy, counts, durations). */
  log1p?: boolean;
  /**
   * Negative training values under log1p: 'error' (default) refuses to fit, naming the column; 'shift' adds
   * −min(train) first. At serving, anything below the training floor is clamped to it, so log1p never yields NaN.
   */
  negatives?: 'error' | 'shift';
}

export class NumericEncoder implements Encoder {
  readonly kind = 'numeric';
  readonly options: Required<NumericOptions>;
  /** Per column: the log1p shift, then y = (f(x) − center) / scale. */
  shift: number[] | null = null;
  center: number[] | null = null;
  scale: number[] | null = null;

  constructor(options: NumericOptions) {
    const o = checkObject(options, 'numeric');
    checkKeys(o, ['columns', 'scale', 'log1p', 'negatives'], 'numeric');
    this.options = {
      columns: checkColumns(o.columns, 'numeric'),
      scale: checkEnum(o.scale, SCALINGS, 'numeric', 'scale', 'standard'),
      log1p: checkBoolean(o.log1p, 'numeric', 'log1p', false),
      negatives: checkEnum(o.negatives, ['error', 'shift'] as const, 'numeric', 'negatives', 'error'),
    };
  }

  get columns(): readonly string[] {
    return this.options.columns;
  }

  fit(table: Table): void {
    const shift: number[] = [],
      center: number[] = [],
      scale: number[] = [];
    for (const name of this.options.columns) {
      const raw = finiteOrThrow(table, name);
      let s = 0;
      if (this.options.log1p) {
        const min = raw.length ? minMax(raw)[0] : 0;
        if (min < 0 && this.options.negatives === 'error') {
          throw new AndonError(
            'invalid_input',
            `numeric: column "${name}" has negative values (min ${min}) and log1p; ` + 'use negatives: "shift" or drop log1p',
            { column: name, min },
          );
        }
        s = min < 0 ? canonical(-min) : 0;
      }
      const values = this.options.log1p ? raw.map((x) => Math.log1p(Math.max(x + s, 0))) : raw;
      const [c, k] = statistics(values, this.options.scale);
      shift.push(s);
      center.push(canonical(c));
      scale.push(canonical(k));
    }
    this.shift = shift;
    this.center = center;
    this.scale = scale;
  }

  encode(table: Table): DenseBlock {
    if (!this.center || !this.scale || !this.shift) throw notFitted('numeric');
    const width = this.options.columns.length;
    const rows = table.rowCount;
    const data = new Float32Array(rows * width);
    this.options.columns.forEach((name, j) => {
      const values = finiteOrThrow(table, name);
      const s = this.shift![j],
        c = this.center![j],
        k = this.scale![j];
      for (let r = 0; r < rows; r++) {
        const x = this.options.log1p ? Math.log1p(Math.max(values[r] + s, 0)) : values[r];
        // + 0 turns −0 into 0 (and changes nothing else): −0 does not survive JSON or text, so features never carry it.
        data[r * width + j] = (x - c) / k + 0;
      }
    });
    return { type: 'dense', rows, width, names: [...this.options.columns], data };
  }

  toJSON(): StepState {
    if (!this.center || !this.scale || !this.shift) throw notFitted('numeric');
    return { kind: this.kind, options: { ...this.options }, shift: [...this.shift], center: [...this.center], scale: [...this.scale] };
  }

  static fromJSON(state: StepState): NumericEncoder {
    return restoring(state, 'numeric', () => {
      const e = new NumericEncoder(state.options as NumericOptions);
      const n = e.options.columns.length;
      e.shift = stateList(state.shift, n, isFiniteNumber, 'shift');
      e.center = stateList(state.center, n, isFiniteNumber, 'center');
      e.scale = stateList(state.scale, n, (x): x is number => isFiniteNumber(x) && x !== 0, 'scale');
      return e;
    });
  }
}

/** Centre and scale; a constant column (or a zero spread) gets scale 1 so nothing divides by zero, and its centre is its value so it encodes as exactly 0. */
function statistics(values: Float64Array, scaling: Scaling): [number, number] {
  if (scaling === 'none' || values.length === 0) return [0, 1];
  const [min, max] = minMax(values);
  if (min === max) return [min, 1];
  if (scaling === 'minmax') return [min, nonZero(max - min)];
  if (scaling === 'robust') {
    const sorted = values.slice().sort();
    return [quantileSorted(sorted, 0.5), nonZero(quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25))];
  }
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  // Population std, as scikit-learn's StandardScaler; huge readings can overflow, and then the range is the honest spread.
  const std = Math.sqrt(ss / values.length);
  if (!Number.isFinite(mean) || !Number.isFinite(std)) return [min / 2 + max / 2, nonZero(max / 2 - min / 2)];
  return [mean, nonZero(std)];
}

const nonZero = (x: number): number => (x > 0 && Number.isFinite(x) ? x : 1);

function minMax(values: Float64Array): [number, number] {
  let min = Infinity,
    max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return [min, max];
}

/**
 * The column as numbers, or invalid_input naming it: missing values must be imputed by an earlier step. Training
 * is held to this too: an encoder that skipped NaN would learn from other rows than it encodes.
 */
function finiteOrThrow(table: Table, name: string): Float64Array {
  const read = readNumbers(table.column(name));
  if (read.unparseable > 0) {
    throw new AndonError('invalid_input', `column "${name}" must be numeric; got text such as ${JSON.stringify(read.samples[0])}`, {
      column: name,
      samples: read.samples,
    });
  }
  let bad = 0,
    first = -1;
  for (let r = 0; r < read.values.length; r++)
    if (!Number.isFinite(read.values[r])) {
      bad++;
      if (first < 0) first = r;
    }
  if (bad > 0) {
    throw new AndonError(
      'invalid_input',
      `column "${name}" has ${bad} missing or non-finite value(s) (first at row ${first}); ` + 'impute it before encoding',
      { column: name, count: bad, row: first },
    );
  }
  return read.values;
}

registerEncoder('numeric', NumericEncoder.fromJSON);
