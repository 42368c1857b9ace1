// Dataset splits — random, stratified, time-ordered, by group, and k-fold — as seeded, sorted row-index arrays.
import { AndonError } from '../errors.js';
import { Rng } from '../engine/rng.js';
import { cellOf, type Cell, type Column, type Table } from './table.js';

/** Shares of rows; validation defaults to 0 and test to whatever train and validation leave. */
export interface Fractions {
  train: number;
  validation?: number;
  test?: number;
}
/** Row indices of each part, ascending, so a part keeps the table's row order. */
export interface Split {
  train: Int32Array;
  validation: Int32Array;
  test: Int32Array;
}
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}
export interface SplitOptions {
  fractions?: Fractions;
  seed?: number;
}
export type SplitSpec = SplitOptions & ({ method: 'random' } | { method: 'stratified' | 'time' | 'group'; column: string });

export const DEFAULT_FRACTIONS: Readonly<Required<Fractions>> = { train: 0.7, validation: 0.15, test: 0.15 };

/** The rows of each part as tables (works for a Split, a Fold, or any named index arrays). */
export function applySplit<K extends string>(table: Table, split: Record<K, Int32Array>): Record<K, Table> {
  const out = {} as Record<K, Table>;
  for (const k of Object.keys(split) as K[]) out[k] = table.take(split[k]);
  return out;
}

/** One entry point for callers that get the method as data (CLI flags, a job spec). */
export function makeSplit(table: Table, spec: SplitSpec): Split {
  switch (spec.method) {
    case 'random':
      return randomSplit(table, spec);
    case 'stratified':
      return stratifiedSplit(table, spec.column, spec);
    case 'time':
      return timeSplit(table, spec.column, spec);
    case 'group':
      return groupSplit(table, spec.column, spec);
    default:
      throw new AndonError('invalid_input', `unknown split method "${(spec as { method: unknown }).method}"`);
  }
}

/** Shuffled rows; each part's size is n·fraction rounded (so within one row of it). */
export function randomSplit(rows: Table | number, options: SplitOptions = {}): Split {
  const n = rowCountOf(rows);
  const f = checkFractions(options.fractions);
  return toSplit(distribute([range(n)], allocate([n], f), 3, rngOf(options.seed)));
}

/**
 * Each class (distinct value of `column`, missing values forming one class) is spread over the parts in
 * proportion: every class count per part is within one row of class size × fraction, and so is every part's
 * total. A class too small to spread (one row) goes where its share is largest unless part totals forbid it.
 */
export function stratifiedSplit(table: Table, column: string, options: SplitOptions = {}): Split {
  const f = checkFractions(options.fractions);
  const members = membersOf(categorize(table.column(column), 'group'));
  return toSplit(
    distribute(
      members,
      allocate(
        members.map((m) => m.length),
        f,
      ),
      3,
      rngOf(options.seed),
    ),
  );
}

/**
 * Earliest rows train, latest test, nothing shuffled. Rows sharing a time stay in one part, so the cut
 * points move to the nearest change of time and the fractions hold only approximately.
 */
export function timeSplit(table: Table, column: string, options: Pick<SplitOptions, 'fractions'> = {}): Split {
  const f = checkFractions(options.fractions);
  const t = timeKeys(table, column);
  const n = t.length;
  const order = range(n).sort((a, b) => t[a] - t[b] || a - b);
  const bounds = [0];
  for (let p = 1; p < n; p++) if (t[order[p]] !== t[order[p - 1]]) bounds.push(p);
  if (n > 0) bounds.push(n);
  const snap = (x: number): number => bounds.reduce((best, b) => (Math.abs(b - x) < Math.abs(best - x) ? b : best), bounds[0]);
  const c1 = snap(n * f[0]),
    c2 = f[2] === 0 ? n : snap(n * (f[0] + f[1]));
  return toSplit([order.slice(0, c1), order.slice(c1, c2), order.slice(c2)].map((a) => a.sort()));
}

/**
 * Whole groups (machines, engines, batches) per part, so no group leaks across parts. Groups are shuffled
 * and laid end to end; each goes to the part its middle row falls in, which keeps row fractions within
 * half the largest group of the target. Every part with a positive fraction gets a group if there are enough.
 */
export function groupSplit(table: Table, column: string, options: SplitOptions = {}): Split {
  const f = checkFractions(options.fractions);
  const members = membersOf(categorize(table.column(column), 'group'));
  const n = table.rowCount;
  const partOf = new Int32Array(members.length);
  let cum = 0;
  for (const g of rngOf(options.seed).permutation(members.length)) {
    const mid = cum + members[g].length / 2;
    partOf[g] = mid < n * f[0] ? 0 : mid < n * (f[0] + f[1]) ? 1 : 2;
    cum += members[g].length;
  }
  fillEmptyParts(partOf, members, f);
  const parts: number[][] = [[], [], []];
  members.forEach((m, g) => {
    for (const r of m) parts[partOf[g]].push(r);
  });
  return toSplit(parts.map((p) => Int32Array.from(p).sort()));
}

/** k folds of shuffled rows; fold sizes differ by at most one. */
export function kFold(rows: Table | number, k: number, options: Pick<SplitOptions, 'seed'> = {}): Fold[] {
  const n = rowCountOf(rows);
  checkK(k, n, 'rows');
  return toFolds(distribute([range(n)], allocate([n], evenFractions(k)), k, rngOf(options.seed)), n);
}

/** k folds with each class spread evenly (within one row per fold), fold sizes within one row. */
export function stratifiedKFold(table: Table, column: string, k: number, options: Pick<SplitOptions, 'seed'> = {}): Fold[] {
  checkK(k, table.rowCount, 'rows');
  const members = membersOf(categorize(table.column(column), 'group'));
  return toFolds(
    distribute(
      members,
      allocate(
        members.map((m) => m.length),
        evenFractions(k),
      ),
      k,
      rngOf(options.seed),
    ),
    table.rowCount,
  );
}

/**
 * k folds of whole groups. Groups go in shuffled order to the fold with fewest rows so far, so fold sizes
 * differ by at most the largest group, and the seed changes which groups share a fold.
 */
export function groupKFold(table: Table, column: string, k: number, options: Pick<SplitOptions, 'seed'> = {}): Fold[] {
  const members = membersOf(categorize(table.column(column), 'group'));
  checkK(k, members.length, 'groups');
  const parts: number[][] = Array.from({ length: k }, () => []);
  for (const g of rngOf(options.seed).permutation(members.length)) {
    let best = 0;
    for (let i = 1; i < k; i++) if (parts[i].length < parts[best].length) best = i;
    for (const r of members[g]) parts[best].push(r);
  }
  return toFolds(
    parts.map((p) => Int32Array.from(p).sort()),
    table.rowCount,
  );
}

/**
 * A dense id per row for the distinct values of a column, in order of first appearance, with the value of
 * each id. Missing cells either form one group of their own or are an error (for entity ids in windows.ts).
 */
export function categorize(column: Column, missing: 'group' | 'error'): { ids: Int32Array; values: Cell[] } {
  const n = column.type === 'number' ? column.values.length : column.codes.length;
  const ids = new Int32Array(n);
  const values: Cell[] = [];
  const idOf = new Map<number, number>(); // keyed by number or dictionary code; Map treats NaN as one key
  for (let r = 0; r < n; r++) {
    const key = column.type === 'number' ? column.values[r] : column.codes[r];
    if (missing === 'error' && (column.type === 'number' ? Number.isNaN(key) : key < 0)) {
      throw new AndonError('invalid_input', `column "${column.name}" has a missing value at row ${r}`, { column: column.name, row: r });
    }
    let id = idOf.get(key);
    if (id === undefined) {
      id = values.length;
      idOf.set(key, id);
      values.push(cellOf(column, r));
    }
    ids[r] = id;
  }
  return { ids, values };
}

/** Times as sortable numbers: a number column as is, a text column parsed as dates (ISO 8601 recommended). */
export function timeKeys(table: Table, column: string): Float64Array {
  const c = table.column(column);
  if (c.type === 'number') {
    const bad = c.values.findIndex((v) => Number.isNaN(v));
    if (bad >= 0) throw new AndonError('invalid_input', `time column "${column}" has a missing value at row ${bad}`, { column, row: bad });
    return c.values;
  }
  const parsed = c.dictionary.map((s) => Date.parse(s));
  const out = new Float64Array(c.codes.length);
  for (let r = 0; r < out.length; r++) {
    const code = c.codes[r];
    if (code < 0) throw new AndonError('invalid_input', `time column "${column}" has a missing value at row ${r}`, { column, row: r });
    if (Number.isNaN(parsed[code])) {
      throw new AndonError('invalid_input', `time column "${column}" has "${c.dictionary[code]}" at row ${r}, which is not a date`, { column, row: r });
    }
    out[r] = parsed[code];
  }
  return out;
}

// ---- allocation: how many rows of each class go to each part ----

/**
 * Rounds counts[c] × f[s] to integers so each row sums to counts[c], each entry is the floor or ceiling of
 * its exact share, and each part's total is the floor or ceiling of its exact total. Such a rounding always
 * exists (it is an integral flow); the leftover rows of each class are placed by augmenting paths, first up
 * to the floors of the part totals, then up to their ceilings — augmenting never lowers a part's total.
 */
function allocate(counts: readonly number[], f: readonly number[]): number[][] {
  const C = counts.length,
    S = f.length;
  const exact = counts.map((n) => f.map((x) => snapInt(n * x)));
  const alloc = exact.map((row) => row.map(Math.floor));
  const rem = exact.map((row, c) => row.map((v, s) => v - alloc[c][s]));
  const extra = counts.map((n, c) => n - alloc[c].reduce((a, b) => a + b, 0));
  const totals = f.map((_, s) => rem.reduce((a, row) => a + row[s], 0));
  const lo = totals.map((t) => Math.floor(t + 1e-9)),
    hi = totals.map((t) => Math.ceil(t - 1e-9));
  // A class prefers the parts where its share was rounded down the most; small classes choose first.
  const prefs = rem.map((row) => [...row.keys()].filter((s) => row[s] > 1e-12).sort((a, b) => row[b] - row[a] || a - b));
  const order = [...counts.keys()].sort((a, b) => counts[a] - counts[b] || a - b);
  const used = counts.map(() => new Uint8Array(S));
  const col = new Array<number>(S).fill(0);
  const augment = (c: number, cap: number[], seenS: Uint8Array, seenC: Uint8Array): boolean => {
    for (const s of prefs[c]) {
      if (used[c][s] || seenS[s]) continue;
      seenS[s] = 1;
      if (col[s] < cap[s]) {
        used[c][s] = 1;
        col[s]++;
        return true;
      }
      for (let c2 = 0; c2 < C; c2++) {
        // move a class holding s elsewhere, freeing s for c
        if (!used[c2][s] || seenC[c2]) continue;
        seenC[c2] = 1;
        if (augment(c2, cap, seenS, seenC)) {
          used[c2][s] = 0;
          used[c][s] = 1;
          return true;
        }
      }
    }
    return false;
  };
  const placed = new Array<number>(C).fill(0);
  for (const cap of [lo, hi]) {
    for (const c of order) {
      while (placed[c] < extra[c]) {
        const seenC = new Uint8Array(C);
        seenC[c] = 1;
        if (!augment(c, cap, new Uint8Array(S), seenC)) break;
        placed[c]++;
      }
    }
  }
  for (const c of order) {
    // unreachable in exact arithmetic; keeps every row placed if rounding noise bites
    for (const s of prefs[c])
      if (placed[c] < extra[c] && !used[c][s]) {
        used[c][s] = 1;
        placed[c]++;
      }
    for (let s = 0; placed[c] < extra[c]; s = (s + 1) % S) {
      alloc[c][s]++;
      placed[c]++;
    }
  }
  for (let c = 0; c < C; c++) for (let s = 0; s < S; s++) alloc[c][s] += used[c][s];
  return alloc;
}

/** Shuffles each class's rows and deals alloc[c][s] of them to part s; parts come back sorted. */
function distribute(members: Int32Array[], alloc: number[][], parts: number, rng: Rng): Int32Array[] {
  const out = Array.from({ length: parts }, (_, s) => new Int32Array(alloc.reduce((a, row) => a + row[s], 0)));
  const fill = new Array<number>(parts).fill(0);
  members.forEach((m, c) => {
    rng.shuffle(m);
    let off = 0;
    for (let s = 0; s < parts; s++) {
      out[s].set(m.subarray(off, off + alloc[c][s]), fill[s]);
      off += alloc[c][s];
      fill[s] += alloc[c][s];
    }
  });
  return out.map((p) => p.sort());
}

// ---- small helpers ----

/** The rows of each id, in row order (a counting sort); fresh arrays, so callers may shuffle them. */
function membersOf({ ids, values }: { ids: Int32Array; values: Cell[] }): Int32Array[] {
  const start = new Int32Array(values.length + 1);
  for (const id of ids) start[id + 1]++;
  for (let g = 0; g < values.length; g++) start[g + 1] += start[g];
  const rows = new Int32Array(ids.length),
    at = start.slice(0, values.length);
  for (let r = 0; r < ids.length; r++) rows[at[ids[r]]++] = r;
  return values.map((_, g) => rows.subarray(start[g], start[g + 1]));
}

/** Gives each empty part with a positive fraction the smallest group of the part holding the most groups. */
function fillEmptyParts(partOf: Int32Array, members: Int32Array[], f: readonly number[]): void {
  for (let s = 0; s < f.length; s++) {
    const counts = f.map((_, p) => partOf.reduce((a, q) => a + (q === p ? 1 : 0), 0));
    if (f[s] === 0 || counts[s] > 0) continue;
    const donor = counts.indexOf(Math.max(...counts));
    if (counts[donor] < 2) return;
    let pick = -1;
    for (let g = 0; g < partOf.length; g++) if (partOf[g] === donor && (pick < 0 || members[g].length < members[pick].length)) pick = g;
    partOf[pick] = s;
  }
}

function checkFractions(fr: Fractions = DEFAULT_FRACTIONS): number[] {
  const train = fr.train,
    validation = fr.validation ?? 0;
  const test = fr.test ?? 1 - train - validation;
  const f = [train, validation, test].map((x) => (Math.abs(x) < 1e-9 ? 0 : x));
  const sum = f[0] + f[1] + f[2];
  if (f.some((x) => typeof x !== 'number' || !Number.isFinite(x) || x < 0) || !(f[0] > 0) || Math.abs(sum - 1) > 1e-6) {
    throw new AndonError(
      'invalid_input',
      `split fractions must be ≥ 0 with train > 0 and sum to 1; got train=${train}, validation=${validation}, test=${test}`,
      { fractions: fr },
    );
  }
  return f.map((x) => x / sum);
}

function checkK(k: number, available: number, what: string): void {
  if (!Number.isInteger(k) || k < 2) throw new AndonError('invalid_input', `k must be an integer ≥ 2, got ${k}`, { k });
  if (k > available) throw new AndonError('invalid_input', `cannot make ${k} folds from ${available} ${what}`, { k, [what]: available });
}

function rngOf(seed = 0): Rng {
  if (!Number.isInteger(seed)) throw new AndonError('invalid_input', `seed must be an integer, got ${seed}`, { seed });
  return new Rng(seed);
}

function rowCountOf(rows: Table | number): number {
  const n = typeof rows === 'number' ? rows : rows.rowCount;
  if (!Number.isInteger(n) || n < 0) throw new AndonError('invalid_input', `row count must be a whole number ≥ 0, got ${n}`);
  return n;
}

/** Products like 0.29 × 100 = 28.999999999999996 must floor to 29. */
function snapInt(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - r) < 1e-9 * Math.max(1, Math.abs(x)) ? r : x;
}
function range(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}
function evenFractions(k: number): number[] {
  return new Array<number>(k).fill(1 / k);
}
function toSplit([train, validation, test]: Int32Array[]): Split {
  return { train, validation, test };
}

function toFolds(parts: Int32Array[], n: number): Fold[] {
  const foldOf = new Int32Array(n);
  parts.forEach((p, i) => {
    for (const r of p) foldOf[r] = i;
  });
  return parts.map((test, i) => {
    const train = new Int32Array(n - test.length);
    let j = 0;
    for (let r = 0; r < n; r++) if (foldOf[r] !== i) train[j++] = r;
    return { train, test };
  });
}
