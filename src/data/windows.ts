// Sliding windows over each entity's time-ordered rows, and remaining-useful-life targets (NASA C-MAPSS style).
import { AndonError } from '../errors.js';
import { categorize, timeKeys } from './split.js';
import type { Cell, Table } from './table.js';

/**
 * How a unit with fewer rows than the window is handled: 'none' skips it; 'repeat-first' and 'zeros' give
 * it one window ending at its last row, whose missing leading rows repeat its first row or are zeros.
 * Units at least a window long get the same windows whatever `pad` says.
 */
export type Pad = 'none' | 'repeat-first' | 'zeros';

export interface SequenceOptions {
  /** The entity: machine, engine unit, batch. A missing value is an error. */
  groupColumn: string;
  /** Numbers (cycles, epoch ms) or date text; a missing value is an error. */
  timeColumn: string;
  /**
   * Two rows of one entity at the same time are an error by default, because they usually mean a file was
   * appended twice and the windows would depend on file order; 'keep' keeps them in file order.
   */
  duplicateTimes?: 'error' | 'keep';
}

export interface WindowOptions extends SequenceOptions {
  /** Number columns only (encode text first); a missing or non-finite value anywhere is an error. */
  featureColumns: readonly string[];
  window: number;
  /** Windows end at the last row of each unit and every `stride` rows before it, so the last observation is always used. */
  stride?: number;
  pad?: Pad;
}

export interface Windows {
  /** Row-major [count × window × features], oldest row first within a window. */
  data: Float32Array;
  count: number;
  window: number;
  features: number;
  featureNames: readonly string[];
  /** The group value of each window. */
  group: Cell[];
  /** The table row each window ends at (its latest row), for targets and for joining predictions back. */
  endRow: Int32Array;
  /** Leading padded rows of each window (0 unless a unit was shorter than the window). */
  padded: Int32Array;
}

/** Rows grouped by entity (in order of first appearance) and sorted by time within each, stably. */
export interface Sequences {
  /** Row indices, entity after entity; entity g owns rows[start[g] .. start[g+1]). */
  rows: Int32Array;
  start: Int32Array;
  groups: Cell[];
  time: Float64Array;
}

export function sequences(table: Table, options: SequenceOptions): Sequences {
  const { ids, values } = categorize(table.column(options.groupColumn), 'error');
  const time = timeKeys(table, options.timeColumn);
  const start = new Int32Array(values.length + 1);
  for (const id of ids) start[id + 1]++;
  for (let g = 0; g < values.length; g++) start[g + 1] += start[g];
  const rows = new Int32Array(ids.length),
    at = start.slice(0, values.length);
  for (let r = 0; r < ids.length; r++) rows[at[ids[r]]++] = r;
  for (let g = 0; g < values.length; g++) {
    const seq = rows.subarray(start[g], start[g + 1]);
    let sorted = true;
    for (let i = 1; i < seq.length && sorted; i++) sorted = time[seq[i - 1]] <= time[seq[i]];
    if (!sorted) seq.sort((a, b) => time[a] - time[b] || a - b);
    if (options.duplicateTimes === 'keep') continue;
    for (let i = 1; i < seq.length; i++) {
      if (time[seq[i]] === time[seq[i - 1]]) {
        throw new AndonError(
          'invalid_input',
          `${options.groupColumn} ${String(values[g])} has two rows at ${options.timeColumn} ${time[seq[i]]} (rows ${seq[i - 1]} and ${seq[i]}); remove duplicates or pass duplicateTimes: 'keep'`,
          { group: values[g], time: time[seq[i]], rows: [seq[i - 1], seq[i]] },
        );
      }
    }
  }
  return { rows, start, groups: values, time };
}

/** Every window of `window` consecutive rows within one entity; windows never cross entities. */
export function makeWindows(table: Table, options: WindowOptions): Windows {
  return build(table, options, false);
}

/**
 * One window per entity ending at its last observation — what C-MAPSS test sets are scored on. `pad`
 * defaults to 'repeat-first' here so that every unit, even one shorter than the window, is scored.
 */
export function lastWindowPerGroup(table: Table, options: Omit<WindowOptions, 'stride'>): Windows {
  return build(table, { ...options, pad: options.pad ?? 'repeat-first' }, true);
}

export interface RulOptions {
  groupColumn: string;
  timeColumn: string;
  /** Piecewise-linear target: RUL above `cap` is reported as `cap` (125 is usual for C-MAPSS). */
  cap?: number;
  /**
   * RUL at each unit's last observation, for units cut off before failure (C-MAPSS test units: the
   * values of RUL_FD001.txt). Without it every unit is taken to fail at its last row.
   */
  finalRul?: ReadonlyMap<Cell, number>;
}

/** Per row: (last time of its unit) − its time, plus the unit's final RUL if given, then capped. */
export function rulTargets(table: Table, options: RulOptions): Float64Array {
  const { cap } = options;
  if (cap !== undefined && !(cap > 0)) throw new AndonError('invalid_input', `RUL cap must be a positive number, got ${cap}`, { cap });
  const { ids, values } = categorize(table.column(options.groupColumn), 'error');
  const time = timeKeys(table, options.timeColumn);
  const last = new Float64Array(values.length).fill(-Infinity);
  for (let r = 0; r < ids.length; r++) if (time[r] > last[ids[r]]) last[ids[r]] = time[r];
  const offset = values.map((v) => {
    if (!options.finalRul) return 0;
    const x = options.finalRul.get(v);
    if (x === undefined || !Number.isFinite(x)) {
      throw new AndonError('invalid_input', `no final RUL for ${options.groupColumn} ${String(v)}`, { group: v });
    }
    return x;
  });
  const out = new Float64Array(ids.length);
  for (let r = 0; r < ids.length; r++) {
    const rul = last[ids[r]] - time[r] + offset[ids[r]];
    out[r] = cap !== undefined && rul > cap ? cap : rul;
  }
  return out;
}

/** The per-row target (RUL or any other) at each window's last row. */
export function windowTargets(windows: Pick<Windows, 'endRow'>, perRow: ArrayLike<number>): Float32Array {
  return Float32Array.from(windows.endRow, (r) => perRow[r]);
}

/** Windows above this many floats (2 GB) are refused rather than failing inside the allocator. */
const MAX_VALUES = 2 ** 29;

function build(table: Table, o: WindowOptions, lastOnly: boolean): Windows {
  const w = o.window,
    stride = o.stride ?? 1,
    pad = o.pad ?? 'none';
  if (!Number.isInteger(w) || w < 1) throw new AndonError('invalid_input', `window must be an integer ≥ 1, got ${w}`, { window: w });
  if (!Number.isInteger(stride) || stride < 1) throw new AndonError('invalid_input', `stride must be an integer ≥ 1, got ${stride}`, { stride });
  if (!['none', 'repeat-first', 'zeros'].includes(pad)) throw new AndonError('invalid_input', `pad must be none, repeat-first or zeros, got ${pad}`, { pad });
  if (!o.featureColumns.length) throw new AndonError('invalid_input', 'featureColumns is empty');
  const feats = o.featureColumns.map((name) => numericFeature(table, name));
  const seq = sequences(table, o);
  const G = seq.groups.length,
    F = feats.length;

  // Window ends, as positions within each unit: the last row, then every `stride` rows back while a full window fits.
  const perGroup = new Int32Array(G);
  let count = 0;
  for (let g = 0; g < G; g++) {
    const L = seq.start[g + 1] - seq.start[g];
    perGroup[g] = L >= w ? (lastOnly ? 1 : Math.floor((L - w) / stride) + 1) : pad === 'none' ? 0 : 1;
    count += perGroup[g];
  }
  if (count * w * F > MAX_VALUES) {
    throw new AndonError('too_large', `${count} windows of ${w} × ${F} values are too many; raise stride or shorten the window`, {
      count,
      window: w,
      features: F,
    });
  }
  const data = new Float32Array(count * w * F);
  const endRow = new Int32Array(count),
    padded = new Int32Array(count);
  const group: Cell[] = new Array(count);
  let i = 0;
  for (let g = 0; g < G; g++) {
    const rows = seq.rows.subarray(seq.start[g], seq.start[g + 1]);
    const L = rows.length;
    for (let k = perGroup[g] - 1; k >= 0; k--, i++) {
      const end = L - 1 - k * stride;
      const first = end - w + 1;
      for (let j = 0; j < w; j++) {
        const pos = first + j;
        if (pos < 0 && pad === 'zeros') continue; // the array starts zeroed
        const row = rows[pos < 0 ? 0 : pos];
        const base = (i * w + j) * F;
        for (let f = 0; f < F; f++) data[base + f] = feats[f][row];
      }
      endRow[i] = rows[end];
      padded[i] = first < 0 ? -first : 0;
      group[i] = seq.groups[g];
    }
  }
  return { data, count, window: w, features: F, featureNames: [...o.featureColumns], group, endRow, padded };
}

/**
 * A feature's values, refusing missing and non-finite ones: a NaN in a window poisons every gradient of a
 * batch, and filling it in is the preprocessing pipeline's decision (fitted on train), not this function's.
 */
function numericFeature(table: Table, name: string): Float64Array {
  const c = table.column(name);
  if (c.type !== 'number')
    throw new AndonError('invalid_input', `feature column "${name}" is text; encode it as numbers before making windows`, { column: name });
  let bad = 0,
    first = -1;
  for (let r = 0; r < c.values.length; r++) {
    if (!Number.isFinite(Math.fround(c.values[r]))) {
      bad++;
      if (first < 0) first = r;
    }
  }
  if (bad) {
    throw new AndonError(
      'invalid_input',
      `feature column "${name}" has ${bad} missing or non-finite value(s), first at row ${first}; impute or drop them before making windows`,
      { column: name, row: first, count: bad },
    );
  }
  return c.values;
}
