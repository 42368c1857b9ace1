// Finds numeric input columns that show no linear relation to the target, alone or beside the other columns.
import type { Table } from '../data/table.js';

/** Rows used for the test: enough for a steady estimate, few enough that n·p² stays small on big tables. */
const MAX_ROWS = 50_000;

/**
 * The numeric `columns` of `table` whose relation to `target` is indistinguishable from noise: neither the
 * column alone (its correlation's t statistic) nor the column beside all the others (its least-squares
 * coefficient's t statistic) reaches `minT`. Both tests are needed: two informative but collinear sensors each
 * look insignificant beside the other, and a setting that only explains away another sensor's shift (an
 * operating condition) looks unrelated alone. A constant column is unrelated. Rows whose target is not finite are
 * skipped; missing readings take the column mean. Returns [] when every column would go, so a model always has
 * inputs.
 */
export function unrelatedColumns(table: Table, columns: readonly string[], target: ArrayLike<number>, minT = 3): string[] {
  const rows: number[] = [];
  const step = Math.max(1, Math.ceil(table.rowCount / MAX_ROWS));
  for (let r = 0; r < table.rowCount; r += step) if (Number.isFinite(target[r])) rows.push(r);
  const n = rows.length,
    p = columns.length;
  if (p === 0 || n < p + 3) return [];

  // Standardised columns (constant ones stay all zero) and the centred target.
  const x = columns.map((name) => {
    const col = table.column(name);
    const v = Float64Array.from(rows, (r) => (col.type === 'number' ? col.values[r] : NaN));
    let s = 0,
      k = 0;
    for (const a of v)
      if (Number.isFinite(a)) {
        s += a;
        k++;
      }
    const mean = k ? s / k : 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(v[i])) v[i] = mean;
      v[i] -= mean;
      ss += v[i] * v[i];
    }
    const sd = Math.sqrt(ss / n);
    if (sd > 1e-12 * Math.max(1, Math.abs(mean))) for (let i = 0; i < n; i++) v[i] /= sd;
    else v.fill(0);
    return v;
  });
  const y = Float64Array.from(rows, (r) => target[r]);
  const ym = y.reduce((a, b) => a + b, 0) / n;
  for (let i = 0; i < n; i++) y[i] -= ym;
  const yy = y.reduce((a, b) => a + b * b, 0);
  if (yy === 0) return [];

  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += a[i] * b[i];
    return s;
  };
  const constant = x.map((v) => v.every((a) => a === 0));
  const alone = x.map((v, j) => {
    if (constant[j]) return 0;
    const r = dot(v, y) / Math.sqrt(n * yy);
    return Math.abs(r) * Math.sqrt((n - 2) / Math.max(1e-12, 1 - r * r));
  });

  // Least squares on every non-constant column (a whisker of ridge keeps exactly collinear columns solvable).
  const live = x.map((_, j) => j).filter((j) => !constant[j]);
  const m = live.length;
  const a = new Float64Array(m * m),
    b = new Float64Array(m);
  for (let u = 0; u < m; u++) {
    b[u] = dot(x[live[u]], y);
    for (let w = u; w < m; w++) a[u * m + w] = a[w * m + u] = dot(x[live[u]], x[live[w]]) + (u === w ? 1e-6 * n : 0);
  }
  const inv = invert(a, m);
  const beside = new Float64Array(p);
  if (inv) {
    const beta = Array.from({ length: m }, (_, u) => {
      let s = 0;
      for (let w = 0; w < m; w++) s += inv[u * m + w] * b[w];
      return s;
    });
    let rss = yy;
    for (let u = 0; u < m; u++) rss -= beta[u] * b[u]; // yᵀy − βᵀXᵀy, the residual sum of squares at the optimum
    const sigma2 = Math.max(rss, 1e-12 * yy) / Math.max(1, n - m - 1);
    for (let u = 0; u < m; u++) beside[live[u]] = Math.abs(beta[u]) / Math.sqrt(sigma2 * Math.max(inv[u * m + u], 1e-300));
  }
  const unrelated = columns.filter((_, j) => alone[j] < minT && beside[j] < minT);
  return unrelated.length === p ? [] : unrelated;
}

/** Gauss–Jordan inverse with partial pivoting of a symmetric positive definite m×m matrix; null if singular. */
function invert(a: Float64Array, m: number): Float64Array | null {
  const w = Float64Array.from(a),
    inv = new Float64Array(m * m);
  for (let i = 0; i < m; i++) inv[i * m + i] = 1;
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(w[r * m + c]) > Math.abs(w[piv * m + c])) piv = r;
    if (Math.abs(w[piv * m + c]) < 1e-300) return null;
    if (piv !== c)
      for (let k = 0; k < m; k++) {
        [w[c * m + k], w[piv * m + k]] = [w[piv * m + k], w[c * m + k]];
        [inv[c * m + k], inv[piv * m + k]] = [inv[piv * m + k], inv[c * m + k]];
      }
    const d = w[c * m + c];
    for (let k = 0; k < m; k++) {
      w[c * m + k] /= d;
      inv[c * m + k] /= d;
    }
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = w[r * m + c];
      if (f === 0) continue;
      for (let k = 0; k < m; k++) {
        w[r * m + k] -= f * w[c * m + k];
        inv[r * m + k] -= f * inv[c * m + k];
      }
    }
  }
  return inv;
}
