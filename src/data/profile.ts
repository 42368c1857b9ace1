// Profiling: per-column statistics, the target's label distribution, and warnings (imbalance, leakage, missing, constant).
import { AndonError } from '../errors.js';
import { clipText } from './limits.js';
import type { Table } from './table.js';
import {
  checkSchemaOptions,
  columnFacts,
  epochMillis,
  inferColumn,
  inferTask,
  parseDatetime,
  tokenize,
  usedCodes,
  type ColumnFacts,
  type ColumnSchema,
  type SchemaOptions,
  type TaskInfo,
} from './schema.js';

export interface Quantiles {
  p01: number;
  p05: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  p99: number;
}
export interface NumericSummary {
  mean: number;
  std: number;
  min: number;
  max: number;
  quantiles: Quantiles;
  /** Equal-width bins: `edges` has one more entry than `counts`. */
  histogram: { edges: number[]; counts: number[] };
}
export interface Range {
  min: number;
  mean: number;
  max: number;
}
/** Token counts come from `sampledValues` distinct texts when a column has more than that. */
export interface TextSummary {
  chars: Range;
  tokens: Range;
  topTokens: { token: string; count: number }[];
  sampledValues?: number;
}
export interface ColumnProfile extends ColumnSchema {
  count: number;
  numeric?: NumericSummary;
  top?: { value: string; count: number }[];
  text?: TextSummary;
  datetime?: { min: string; max: string; unparsed: number };
}
export type WarningCode = 'class_imbalance' | 'possible_leakage' | 'mostly_missing' | 'constant' | 'high_cardinality';
export interface ProfileWarning {
  code: WarningCode;
  column: string;
  message: string;
  details?: Record<string, unknown>;
}
export interface TargetProfile extends TaskInfo {
  name: string;
  distribution?: { label: string; count: number; fraction: number }[];
}
export interface Profile {
  rows: number;
  columns: ColumnProfile[];
  target?: TargetProfile;
  warnings: ProfileWarning[];
}
export type ProfileOptions = SchemaOptions;

const QUANTILES: [keyof Quantiles, number][] = [
  ['p01', 0.01],
  ['p05', 0.05],
  ['p25', 0.25],
  ['p50', 0.5],
  ['p75', 0.75],
  ['p95', 0.95],
  ['p99', 0.99],
];
/** Bounded lists per column; each value, token and label kept is also cut to MAX_PROFILE_TEXT_CHARS (src/data/limits.ts), so a column of megabyte cells keeps a profile of a few KB. */
const HISTOGRAM_BINS = 20,
  TOP_VALUES = 10,
  TOP_TOKENS = 20;
/** Token statistics read at most this many distinct texts, spread over the column; tokenising costs ~10 µs each. */
const TOKEN_SAMPLE = 20_000;
const HIGH_CARDINALITY = 100;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function quantile(s: Float64Array, q: number): number {
  const pos = q * (s.length - 1),
    lo = Math.floor(pos),
    hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** Mean, sample standard deviation, quantiles (linear interpolation) and histogram from the sorted present values. */
export function numericSummary(s: Float64Array): NumericSummary {
  const n = s.length,
    min = s[0],
    max = s[n - 1];
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (s[i] - mean) ** 2;
  const quantiles = Object.fromEntries(QUANTILES.map(([k, q]) => [k, quantile(s, q)])) as unknown as Quantiles;
  const bins = max > min ? HISTOGRAM_BINS : 1,
    width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) counts[Math.min(bins - 1, Math.floor((s[i] - min) / (width || 1)))]++;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width));
  return { mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : 0, min, max, quantiles, histogram: { edges, counts } };
}

function topValues(f: ColumnFacts): { value: string; count: number }[] {
  if (f.column.type === 'number') {
    const s = f.sorted!,
      runs: { value: string; count: number }[] = [];
    for (let i = 0; i < s.length;) {
      let j = i;
      while (j < s.length && s[j] === s[i]) j++;
      runs.push({ value: String(s[i]), count: j - i });
      i = j;
    }
    return runs.sort((a, b) => b.count - a.count).slice(0, TOP_VALUES);
  }
  const dict = f.column.dictionary,
    counts = f.codeCounts!;
  return usedCodes(f)
    .sort((a, b) => counts[b] - counts[a] || (dict[a] < dict[b] ? -1 : 1))
    .slice(0, TOP_VALUES)
    .map((c) => ({ value: clipText(dict[c]), count: counts[c] }));
}

function textSummary(f: ColumnFacts): TextSummary {
  const dict = (f.column as Extract<typeof f.column, { type: 'string' }>).dictionary,
    counts = f.codeCounts!;
  const chars = { min: Infinity, sum: 0, max: 0 },
    tokens = { min: Infinity, sum: 0, max: 0 },
    tokenCounts = new Map<string, number>();
  for (const c of usedCodes(f)) {
    const text = dict[c],
      len = text.length - (text.match(/[\uD800-\uDBFF]/g)?.length ?? 0); // code points, not UTF-16 units
    chars.min = Math.min(chars.min, len);
    chars.max = Math.max(chars.max, len);
    chars.sum += counts[c] * len;
  }
  const sample = usedCodes(f, TOKEN_SAMPLE);
  let weight = 0;
  for (const c of sample) {
    const toks = tokenize(dict[c]),
      w = counts[c];
    weight += w;
    tokens.min = Math.min(tokens.min, toks.length);
    tokens.max = Math.max(tokens.max, toks.length);
    tokens.sum += w * toks.length;
    for (const t of toks) tokenCounts.set(t, (tokenCounts.get(t) ?? 0) + w);
  }
  const topTokens = [...tokenCounts]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, TOP_TOKENS)
    .map(([token, count]) => ({ token: clipText(token), count }));
  return {
    chars: { min: chars.min, mean: chars.sum / f.count, max: chars.max },
    tokens: { min: tokens.min, mean: tokens.sum / weight, max: tokens.max },
    topTokens,
    ...(sample.length < f.distinct ? { sampledValues: sample.length } : {}),
  };
}

function datetimeSummary(f: ColumnFacts): ColumnProfile['datetime'] {
  let min = Infinity,
    max = -Infinity,
    unparsed = 0;
  if (f.column.type === 'number') {
    const s = f.sorted!;
    for (let i = 0; i < s.length; i++) {
      const t = epochMillis(s[i]);
      if (t === null) unparsed++;
      else {
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
    }
  } else {
    const dict = f.column.dictionary;
    for (const c of usedCodes(f)) {
      const t = parseDatetime(dict[c]);
      if (t === null) unparsed += f.codeCounts![c];
      else {
        min = Math.min(min, t);
        max = Math.max(max, t);
      }
    }
  }
  const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : '');
  return { min: iso(min), max: iso(max), unparsed };
}

/**
 * How a feature is cut into groups for leakage checks: its exact values when there are few, otherwise
 * quantile edges (a threshold rule can only be as fine as these). Kept instead of the sorted copy so a
 * wide table does not hold every column's values twice.
 */
interface Binning {
  column: ColumnProfile;
  values?: Float64Array;
  edges?: Float64Array;
  codes?: boolean;
}
const EXACT_VALUES = 64,
  QUANTILE_BINS = 32,
  MAX_CATEGORY_GROUPS = 200;

function binningOf(p: ColumnProfile, f: ColumnFacts): Binning | null {
  if (p.role !== 'feature' || !['number', 'integer', 'boolean', 'category'].includes(p.type)) return null;
  if (f.column.type === 'string') return f.distinct <= MAX_CATEGORY_GROUPS ? { column: p, codes: true } : null;
  const s = f.sorted!;
  if (f.distinct <= EXACT_VALUES) {
    const values = new Float64Array(f.distinct);
    for (let i = 0, j = 0; i < s.length; i++) if (i === 0 || s[i] !== s[i - 1]) values[j++] = s[i];
    return { column: p, values };
  }
  const k = Math.max(2, Math.min(QUANTILE_BINS, Math.floor(s.length / 30)));
  return { column: p, edges: Float64Array.from({ length: k - 1 }, (_, i) => quantile(s, (i + 1) / k)) };
}

/** Index of the first entry of sorted `a` that is ≥ v (exact values) or > v (edges: bin i is [e_i-1, e_i)). */
function search(a: Float64Array, v: number, strict: boolean): number {
  let lo = 0,
    hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < v || (strict && a[mid] === v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The group of each row (the last group is "missing"), and how many groups there are. */
function groupsOf(table: Table, b: Binning): { group: (row: number) => number; count: number } {
  const col = table.column(b.column.name);
  if (col.type === 'string') {
    const n = col.dictionary.length;
    return { group: (r) => (col.codes[r] < 0 ? n : col.codes[r]), count: n + 1 };
  }
  const v = col.values,
    cut = (b.values ?? b.edges)!,
    strict = !b.values,
    n = strict ? cut.length + 1 : cut.length;
  return { group: (r) => (v[r] !== v[r] ? n : search(cut, v[r], strict)), count: n + 1 };
}

function groupLabel(table: Table, b: Binning, g: number): string {
  const col = table.column(b.column.name);
  return col.type === 'string' ? JSON.stringify(clipText(col.dictionary[g])) : String(b.values![g]);
}

/**
 * One-feature rules against the class labels: each group predicts its majority class (tiny groups fall back
 * to the overall majority so that small tables do not look leaky), and any exact value that always comes
 * with a label most rows do not have (≥ 99% of ≥ 10 rows, covering ≥ 5% of that label) is reported too —
 * the signature of a column derived from the label, like a failure-mode flag or a reason filled in only
 * for negative reviews.
 */
function classificationLeakage(table: Table, bins: Binning[], y: Int32Array, target: TargetProfile): ProfileWarning[] {
  const classes = target.labels!.length,
    total = y.reduce((a, c) => a + (c >= 0 ? 1 : 0), 0);
  const dist = target.distribution!,
    majority = Math.max(...dist.map((d) => d.count)) / total;
  const majorityClass = dist.findIndex((d) => d.count / total === majority),
    out: ProfileWarning[] = [];
  for (const b of bins) {
    const { group, count } = groupsOf(table, b),
      counts = new Int32Array(count * classes);
    for (let r = 0; r < y.length; r++) if (y[r] >= 0) counts[group(r) * classes + y[r]]++;
    let correct = 0,
      implied: { g: number; k: number; support: number; hits: number } | null = null;
    for (let g = 0; g < count; g++) {
      let support = 0,
        best = 0,
        k = 0;
      for (let c = 0; c < classes; c++) {
        const x = counts[g * classes + c];
        support += x;
        if (x > best) {
          best = x;
          k = c;
        }
      }
      correct += support >= 5 ? best : counts[g * classes + majorityClass];
      const exact = (b.values || b.codes) && g < count - 1,
        base = dist[k].count / total;
      if (exact && support >= 10 && best >= 0.99 * support && base <= 0.7 && best >= 0.05 * dist[k].count && (!implied || best > implied.hits))
        implied = { g, k, support, hits: best };
    }
    const accuracy = correct / total,
      name = b.column.name;
    if (accuracy >= 0.98 && 1 - accuracy <= 0.5 * (1 - majority)) {
      out.push({
        code: 'possible_leakage',
        column: name,
        message: `"${name}" alone predicts "${target.name}" with ${pct(accuracy)} accuracy (majority class: ${pct(majority)}); check it is known before the outcome`,
        details: { accuracy, majority },
      });
    } else if (implied) {
      const label = target.labels![implied.k],
        value = groupLabel(table, b, implied.g);
      out.push({
        code: 'possible_leakage',
        column: name,
        message: `whenever "${name}" is ${value}, "${target.name}" is ${label} (${implied.hits} of ${implied.support} rows) though only ${pct(dist[implied.k].fraction)} of rows have that label; it may be derived from the label`,
        details: { value, label, rows: implied.support, matching: implied.hits },
      });
    }
  }
  return out;
}

/** Regression: a numeric feature with |Pearson r| ≥ 0.98, or categories whose group means explain ≥ 96% of the variance. */
function regressionLeakage(table: Table, bins: Binning[], targetName: string): ProfileWarning[] {
  const y = (table.column(targetName) as Extract<ReturnType<Table['column']>, { type: 'number' }>).values,
    out: ProfileWarning[] = [];
  for (const b of bins) {
    const col = table.column(b.column.name),
      name = b.column.name;
    if (col.type === 'number') {
      // Two passes (means, then centred sums) so large readings such as 1e6 rpm do not cancel catastrophically.
      let n = 0,
        mx = 0,
        my = 0,
        sxx = 0,
        syy = 0,
        sxy = 0;
      for (let r = 0; r < y.length; r++) {
        const a = col.values[r],
          t = y[r];
        if (a === a && t === t) {
          n++;
          mx += a;
          my += t;
        }
      }
      mx /= n;
      my /= n;
      for (let r = 0; r < y.length; r++) {
        const a = col.values[r] - mx,
          t = y[r] - my;
        if (a === a && t === t) {
          sxx += a * a;
          syy += t * t;
          sxy += a * t;
        }
      }
      const corr = sxy / Math.sqrt(sxx * syy);
      if (Math.abs(corr) >= 0.98)
        out.push({
          code: 'possible_leakage',
          column: name,
          message: `"${name}" is almost a copy of "${targetName}" (correlation ${corr.toFixed(3)}); check it is known before the outcome`,
          details: { correlation: corr },
        });
    } else {
      const { group, count } = groupsOf(table, b),
        n = new Float64Array(count),
        sum = new Float64Array(count),
        sq = new Float64Array(count);
      for (let r = 0; r < y.length; r++)
        if (y[r] === y[r]) {
          const g = group(r);
          n[g]++;
          sum[g] += y[r];
          sq[g] += y[r] * y[r];
        }
      let N = 0,
        S = 0,
        SS = 0,
        within = 0,
        groups = 0;
      for (let g = 0; g < count; g++)
        if (n[g]) {
          groups++;
          N += n[g];
          S += sum[g];
          SS += sq[g];
          within += sq[g] - (sum[g] * sum[g]) / n[g];
        }
      const r2 = 1 - within / (SS - (S * S) / N);
      if (N >= 30 * groups && r2 >= 0.96)
        out.push({
          code: 'possible_leakage',
          column: name,
          message: `the categories of "${name}" explain ${pct(r2)} of the variance of "${targetName}"; check it is known before the outcome`,
          details: { r2 },
        });
    }
  }
  return out;
}

function targetProfile(table: Table, name: string): { target: TargetProfile; y?: Int32Array } {
  const task = inferTask(table, name),
    col = table.column(name);
  if (task.task === 'regression') return { target: { name, ...task } };
  const index = new Map(task.labels!.map((l, i) => [l, i])),
    y = new Int32Array(table.rowCount);
  if (col.type === 'number') for (let r = 0; r < y.length; r++) y[r] = col.values[r] === col.values[r] ? index.get(String(col.values[r]))! : -1;
  else {
    const byCode = col.dictionary.map((v) => index.get(v) ?? -1);
    for (let r = 0; r < y.length; r++) y[r] = col.codes[r] < 0 ? -1 : byCode[col.codes[r]];
  }
  const counts = new Array<number>(task.labels!.length).fill(0);
  let total = 0;
  for (const c of y)
    if (c >= 0) {
      counts[c]++;
      total++;
    }
  // Labels are shown, not matched, from here on: cut like every other value the profile keeps.
  const distribution = task.labels!.map((label, i) => ({ label: clipText(label), count: counts[i], fraction: counts[i] / total }));
  return { target: { name, ...task, labels: task.labels!.map((l) => clipText(l)), distribution }, y };
}

/** Profiles every column in one or two passes each, then checks the target against the features. */
export function profileTable(table: Table, opts: ProfileOptions = {}): Profile {
  if (table.columns.length === 0) throw new AndonError('empty_input', 'the table has no columns');
  checkSchemaOptions(table, opts);
  const columns: ColumnProfile[] = [],
    warnings: ProfileWarning[] = [],
    bins: Binning[] = [];
  const t = opts.target !== undefined ? targetProfile(table, opts.target) : undefined;
  if (t?.target.distribution) {
    const d = t.target.distribution,
      min = d.reduce((a, b) => (b.count < a.count ? b : a)),
      max = Math.max(...d.map((x) => x.count));
    if (min.fraction < 0.1 || max > 10 * min.count) {
      warnings.push({
        code: 'class_imbalance',
        column: t.target.name,
        message: `the rarest class of "${t.target.name}", ${JSON.stringify(min.label)}, is ${pct(min.fraction)} of rows (${min.count}); the largest is ${(max / Math.max(1, min.count)).toFixed(1)}× as common`,
        details: { label: min.label, fraction: min.fraction },
      });
    }
  }
  for (const column of table.columns) {
    const f = columnFacts(column);
    const p: ColumnProfile = { ...inferColumn(f, { forced: opts.types?.[column.name], target: column.name === opts.target }), count: f.count };
    if (column.type === 'number' && f.count && !['identifier', 'datetime', 'constant'].includes(p.type)) p.numeric = numericSummary(f.sorted!);
    if (f.count && ['category', 'boolean', 'constant'].includes(p.type)) p.top = topValues(f);
    if (f.count && p.type === 'text' && column.type === 'string') p.text = textSummary(f);
    if (f.count && p.type === 'datetime') p.datetime = datetimeSummary(f);
    columns.push(p);
    if (t && f.count) {
      const b = binningOf(p, f);
      if (b) bins.push(b);
    }
    if (table.rowCount && f.missing > 0.5 * table.rowCount)
      warnings.push({
        code: 'mostly_missing',
        column: column.name,
        message: `"${column.name}" is ${pct(f.missing / table.rowCount)} missing (${f.missing} of ${table.rowCount} rows)`,
      });
    if (p.type === 'constant')
      warnings.push({
        code: 'constant',
        column: column.name,
        message: `"${column.name}" ${f.count ? `has the single value ${JSON.stringify(p.top?.[0]?.value)}` : 'has no values'}; it carries no information`,
      });
    if (p.type === 'category' && f.distinct > HIGH_CARDINALITY)
      warnings.push({
        code: 'high_cardinality',
        column: column.name,
        message: `"${column.name}" has ${f.distinct} distinct categories (${pct(f.distinct / f.count)} of its values); rare ones will carry little signal`,
        details: { distinct: f.distinct },
      });
  }
  if (t) warnings.push(...(t.y ? classificationLeakage(table, bins, t.y, t.target) : regressionLeakage(table, bins, t.target.name)));
  return { rows: table.rowCount, columns, ...(t ? { target: t.target } : {}), warnings };
}
