// Regression and remaining-useful-life metrics: MSE, RMSE, MAE, R², MAPE, max error, RMSE on each unit's last row, NASA score.
import { checkFinite, invalid } from './metrics-ranking.js';
import type { Metrics } from './metrics.js';

export interface RegressionInput {
  task: 'regression';
  yTrue: ArrayLike<number>;
  yPred: ArrayLike<number>;
  /** MAPE skips rows with |y_true| below this (default MAPE_EPSILON). */
  mapeEpsilon?: number;
}

/**
 * A RUL model's predictions. Say where each unit (engine, machine) ends with `units` (+ `time`: the row with the
 * largest time is the last; without it, the unit's last row in order) or directly with `lastRows`.
 */
export interface RulInput extends Omit<RegressionInput, 'task'> {
  task: 'rul';
  units?: ArrayLike<number | string>;
  time?: ArrayLike<number>;
  lastRows?: ArrayLike<number>;
}

/** Targets this close to zero would make a percentage error explode, so MAPE leaves their rows out. */
export const MAPE_EPSILON = 1e-9;

/** MSE, RMSE, MAE, R² and max error as scikit-learn computes them, and MAPE as a fraction over rows with |y| ≥ ε. */
export function regressionMetrics(input: Omit<RegressionInput, 'task'>): Metrics {
  const { yTrue, yPred } = input;
  checkPair(yTrue, yPred);
  const n = yTrue.length;
  const notes: string[] = [];
  let sq = 0,
    abs = 0,
    max = 0,
    mean = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.abs(yPred[i] - yTrue[i]);
    sq += e * e;
    abs += e;
    max = Math.max(max, e);
    mean += yTrue[i];
  }
  mean /= n;
  let spread = 0;
  for (let i = 0; i < n; i++) spread += (yTrue[i] - mean) ** 2;
  let r2: number | null;
  if (n < 2) {
    r2 = null;
    notes.push('r2: undefined for fewer than two rows');
  } else if (spread === 0) {
    // scikit-learn's force_finite convention: a perfect fit of a constant scores 1, anything else 0.
    r2 = sq === 0 ? 1 : 0;
    notes.push(`r2: y_true is constant, so R² is undefined; reported as ${r2} (scikit-learn's convention)`);
  } else r2 = 1 - sq / spread;
  const eps = input.mapeEpsilon ?? MAPE_EPSILON;
  if (!(eps >= 0)) invalid(`mapeEpsilon ${eps} must be a number ≥ 0`, { mapeEpsilon: eps });
  const pe = mape(yTrue, yPred, eps);
  if (pe.skipped) {
    notes.push(`mape: skipped ${pe.skipped} of ${n} rows where |y_true| < ${eps}${pe.value === null ? '; none left, so it is undefined' : ''}`);
  }
  return { mse: sq / n, rmse: Math.sqrt(sq / n), mae: abs / n, r2, mape: pe.value, max_error: max, notes };
}

/**
 * Mean absolute percentage error as a fraction (0.05 means 5 %), over the rows with |y_true| ≥ eps; `skipped`
 * counts the others. Null when every row is skipped. (scikit-learn keeps such rows with |y| floored at 2^-52,
 * which lets one zero target swamp the mean.)
 */
export function mape(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, eps = MAPE_EPSILON): { value: number | null; skipped: number } {
  let sum = 0,
    used = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const y = Math.abs(yTrue[i]);
    if (y < eps) continue;
    sum += Math.abs(yPred[i] - yTrue[i]) / y;
    used++;
  }
  return { value: used ? sum / used : null, skipped: yTrue.length - used };
}

/**
 * The regression metrics plus, on each unit's last row (the C-MAPSS test protocol: one prediction per unit),
 * `rmse_last` and `nasa_score`. Without unit information, rmse_last is null and nasa_score sums every row.
 */
export function rulMetrics(input: Omit<RulInput, 'task'>): Metrics {
  const { yTrue, yPred } = input;
  const m = regressionMetrics(input);
  if (input.lastRows !== undefined && input.units !== undefined) invalid('give units (and time) or lastRows, not both', {});
  if (input.time !== undefined && input.units === undefined) invalid('time needs units to say whose time it is', {});
  if (input.units !== undefined && input.units.length !== yTrue.length) {
    invalid(`units has ${input.units.length} rows but yTrue has ${yTrue.length}`, { units: input.units.length, yTrue: yTrue.length });
  }
  let rows: Int32Array | undefined;
  if (input.units !== undefined) rows = lastRowIndices(input.units, input.time);
  else if (input.lastRows !== undefined) rows = checkRows(input.lastRows, yTrue.length);
  if (rows) {
    let sq = 0;
    for (const r of rows) sq += (yPred[r] - yTrue[r]) ** 2;
    m.rmse_last = Math.sqrt(sq / rows.length);
    m.nasa_score = nasaScore(yTrue, yPred, rows);
  } else {
    m.rmse_last = null;
    m.nasa_score = nasaScore(yTrue, yPred);
    m.notes.push('rmse_last: no units or last rows given, so undefined; nasa_score sums every row');
  }
  return m;
}

/**
 * The PHM08 challenge score (Saxena et al., 2008): Σ e^{−d/13} − 1 for d < 0 and e^{d/10} − 1 for d ≥ 0, with
 * d = predicted − true RUL. An early prediction (d < 0) costs less than a late one, since a late one means a
 * failure in service. Lower is better; sums over `rows` (default every row); Infinity if it overflows.
 */
export function nasaScore(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, rows?: ArrayLike<number>): number {
  let score = 0;
  const count = rows ? rows.length : yTrue.length;
  for (let j = 0; j < count; j++) {
    const i = rows ? rows[j] : j;
    const d = yPred[i] - yTrue[i];
    score += d < 0 ? Math.expm1(-d / 13) : Math.expm1(d / 10);
  }
  return score;
}

/** Ascending indices of each unit's last row: the row with the largest time (the later row on a tie), or its last row. */
export function lastRowIndices(units: ArrayLike<number | string>, time?: ArrayLike<number>): Int32Array {
  if (units.length === 0) invalid('no unit ids', { rows: 0 });
  if (time !== undefined) {
    if (time.length !== units.length) invalid(`time has ${time.length} rows but units has ${units.length}`, { time: time.length, units: units.length });
    checkFinite(time, 'time');
  }
  const last = new Map<number | string, number>();
  for (let i = 0; i < units.length; i++) {
    const j = last.get(units[i]);
    if (j === undefined || time === undefined || time[i] >= time[j]) last.set(units[i], i);
  }
  return Int32Array.from(last.values()).sort();
}

function checkRows(rows: ArrayLike<number>, n: number): Int32Array {
  if (rows.length === 0) invalid('lastRows is empty', { rows: 0 });
  const seen = new Set<number>();
  for (let j = 0; j < rows.length; j++) {
    const r = rows[j];
    if (!Number.isInteger(r) || r < 0 || r >= n || seen.has(r)) invalid(`lastRows[${j}] = ${r} is not a distinct row index in 0..${n - 1}`, { index: j });
    seen.add(r);
  }
  return Int32Array.from(seen).sort();
}

function checkPair(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): void {
  if (yTrue.length !== yPred.length) {
    invalid(`yTrue has ${yTrue.length} rows but yPred has ${yPred.length}`, { yTrue: yTrue.length, yPred: yPred.length });
  }
  if (yTrue.length === 0) invalid('no rows to evaluate', { rows: 0 });
  checkFinite(yTrue, 'yTrue');
  checkFinite(yPred, 'yPred');
}
