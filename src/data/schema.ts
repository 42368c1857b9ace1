// Schema inference: what each column means (number, category, text, datetime, key…) and what task a target implies.
import { AndonError } from '../errors.js';
import { clipText } from './limits.js';
import type { Column, Table } from './table.js';
import { Tokenizer } from './text/index.js';

export type SemanticType = 'number' | 'integer' | 'boolean' | 'category' | 'text' | 'datetime' | 'identifier' | 'constant';
export type ColumnRole = 'feature' | 'identifier' | 'ignored' | 'target';
export const SEMANTIC_TYPES: readonly SemanticType[] = ['number', 'integer', 'boolean', 'category', 'text', 'datetime', 'identifier', 'constant'];

export interface ColumnSchema {
  name: string;
  type: SemanticType;
  storage: 'number' | 'string';
  missing: number;
  distinct: number;
  role: ColumnRole;
  /** A short sentence saying why the type was chosen, shown to people deciding whether to override it; values quoted in it are cut to MAX_PROFILE_TEXT_CHARS. */
  reason: string;
}
export interface Schema {
  rows: number;
  columns: ColumnSchema[];
  target?: string;
}
export interface SchemaOptions {
  /** Types forced by the user, by column name. */
  types?: Readonly<Record<string, SemanticType>>;
  target?: string;
}

/**
 * What one pass over a column learns, shared by inference and profiling so a million rows are read once:
 * numbers keep a sorted copy of the present values (distinct counts and quantiles come from it),
 * strings keep how many rows use each dictionary entry.
 */
export interface ColumnFacts {
  column: Column;
  count: number;
  missing: number;
  distinct: number;
  sorted?: Float64Array;
  integer?: boolean;
  /** Present values strictly increase down the rows, as in an exported row index. */
  increasing?: boolean;
  codeCounts?: Int32Array;
}

export function columnFacts(column: Column): ColumnFacts {
  if (column.type === 'number') {
    const v = column.values;
    let count = 0,
      increasing = true,
      last = -Infinity;
    for (let i = 0; i < v.length; i++)
      if (v[i] === v[i]) {
        count++;
        if (v[i] <= last) increasing = false;
        last = v[i];
      }
    const sorted = new Float64Array(count);
    for (let i = 0, j = 0; i < v.length; i++) if (v[i] === v[i]) sorted[j++] = v[i];
    sorted.sort();
    let distinct = 0,
      integer = true;
    for (let i = 0; i < count; i++) {
      if (i === 0 || sorted[i] !== sorted[i - 1]) distinct++;
      if (integer && !Number.isInteger(sorted[i])) integer = false;
    }
    return { column, count, missing: v.length - count, distinct, sorted, integer, increasing };
  }
  const codeCounts = new Int32Array(column.dictionary.length);
  let missing = 0;
  for (let i = 0; i < column.codes.length; i++) {
    const c = column.codes[i];
    if (c < 0) missing++;
    else codeCounts[c]++;
  }
  let distinct = 0;
  for (let c = 0; c < codeCounts.length; c++) if (codeCounts[c] > 0) distinct++;
  return { column, count: column.codes.length - missing, missing, distinct, codeCounts };
}

/** Words of a column name: "Product ID", "tweet_id" and "productId" all contain "id". */
function nameWords(name: string): string[] {
  return name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9\u4e00-\u9fff]+/)
    .filter(Boolean);
}
const ID_WORDS = new Set(['id', 'ids', 'uid', 'udi', 'uuid', 'guid', 'key', 'serial', 'sn', 'no', 'nr', 'number', 'idx', 'index', 'code']);
const TIME_WORDS = new Set(['time', 'timestamp', 'ts', 'date', 'datetime', 'epoch', 'created', 'updated', 'modified', 'at']);
const idName = (name: string) => nameWords(name).some((w) => ID_WORDS.has(w)) || /编号|序号|代码/.test(name);
const timeName = (name: string) => nameWords(name).some((w) => TIME_WORDS.has(w)) || /时间|日期/.test(name);

const TRUE_WORDS = new Set(['true', 'yes', 'y', 't', 'on', '是', '真', '1']);
const FALSE_WORDS = new Set(['false', 'no', 'n', 'f', 'off', '否', '假', '0']);
/** True, false, or null when the text is not a yes/no word. */
export function booleanOf(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  return TRUE_WORDS.has(t) ? true : FALSE_WORDS.has(t) ? false : null;
}

const DATE_RE = /^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * Milliseconds since the epoch for ISO 8601, `YYYY-MM-DD HH:mm:ss[ ±zone]` and `YYYY/MM/DD`; null otherwise —
 * the formats the DatetimeParts step reads, so a column typed datetime can be encoded. Day-first and
 * month-first dates are refused on purpose: "03/04/2024" is ambiguous. A time without a zone is read as UTC
 * so that ordering and differences stay consistent.
 */
export function parseDatetime(text: string): number | null {
  const m = DATE_RE.exec(text.trim());
  if (!m) return null;
  const [y, mo, d] = [+m[1], +m[3], +m[4]];
  let h = 0,
    mi = 0,
    sec = 0,
    ms = 0;
  if (m[5] !== undefined) {
    h = +m[5];
    mi = +m[6];
    sec = m[7] ? +m[7] : 0;
    ms = m[8] ? +m[8].slice(0, 3).padEnd(3, '0') : 0;
  }
  const zone = m[9];
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  if (mo < 1 || mo > 12 || d < 1 || d > DAYS[mo - 1] || (mo === 2 && d === 29 && !leap) || h > 23 || mi > 59 || sec > 59) return null;
  let offset = 0;
  if (zone && /^[+-]/.test(zone)) {
    const z = zone.replace(':', '');
    offset = (z[0] === '-' ? -1 : 1) * (+z.slice(1, 3) * 60 + +(z.slice(3, 5) || 0));
  }
  return Date.UTC(y, mo - 1, d, h, mi, sec, ms) - offset * 60_000;
}

/** Epoch seconds or milliseconds between 2000 and 2100, the only numbers read as times (and only by name). */
export function epochMillis(v: number): number | null {
  if (v >= 946_684_800 && v < 4_102_444_800) return v * 1000;
  if (v >= 946_684_800_000 && v < 4_102_444_800_000) return v;
  return null;
}

/** Words as the text encoders will see them (Chinese through Intl.Segmenter), case-folded for counting. */
let tokenizer: Tokenizer | undefined;
export function tokenize(text: string): string[] {
  tokenizer ??= new Tokenizer({ punctuation: false, emoji: false });
  return tokenizer.tokens(text.toLowerCase());
}

/** Up to `limit` used dictionary codes, spread evenly over the dictionary so the pick is deterministic. */
export function usedCodes(facts: ColumnFacts, limit = Infinity): number[] {
  const counts = facts.codeCounts!,
    used: number[] = [];
  for (let c = 0; c < counts.length; c++) if (counts[c] > 0) used.push(c);
  if (used.length <= limit) return used;
  const step = used.length / limit;
  return Array.from({ length: limit }, (_, i) => used[Math.floor(i * step)]);
}

type Inferred = { type: SemanticType; reason: string };

function inferNumber(name: string, f: ColumnFacts): Inferred {
  const s = f.sorted!,
    min = s[0],
    max = s[s.length - 1],
    ratio = f.distinct / f.count;
  if (f.distinct === 2 && min === 0 && max === 1) return { type: 'boolean', reason: 'only the values 0 and 1' };
  if (f.integer && timeName(name) && epochMillis(min) !== null && epochMillis(max) !== null) {
    return { type: 'datetime', reason: `named like a time and holds epoch ${max < 1e11 ? 'seconds' : 'milliseconds'}` };
  }
  if (f.integer && f.count >= 20) {
    if (f.distinct === f.count && max - min + 1 === f.count && !timeName(name))
      return { type: 'identifier', reason: `unique consecutive integers ${min}…${max}: looks like a row number` };
    if (ratio >= 0.95 && idName(name)) return { type: 'identifier', reason: 'named like a key and unique per row' };
    if (f.increasing && !timeName(name)) return { type: 'identifier', reason: 'unique integers increasing row by row: looks like an exported row index' };
  }
  if (f.integer) return { type: 'integer', reason: `whole numbers, ${f.distinct} distinct` };
  return { type: 'number', reason: `continuous numbers, ${f.distinct} distinct` };
}

function inferString(name: string, f: ColumnFacts): Inferred {
  const dict = (f.column as Extract<Column, { type: 'string' }>).dictionary,
    counts = f.codeCounts!;
  const ratio = f.distinct / f.count;
  if (f.distinct <= 16) {
    const used = usedCodes(f),
      values = used.map((c) => booleanOf(dict[c]));
    if (values.every((b) => b !== null) && values.includes(true) && values.includes(false))
      return { type: 'boolean', reason: `yes/no values (${used.map((c) => clipText(dict[c])).join(', ')})` };
  }
  const sample = usedCodes(f, 400);
  const dates = sample.filter((c) => parseDatetime(dict[c]) !== null).length;
  if (dates >= 0.95 * sample.length) return { type: 'datetime', reason: 'dates and times in a year-first format' };
  // Row-weighted over the sample, so a few long outliers do not make a category look like prose.
  let weight = 0,
    chars = 0,
    words = 0;
  for (const c of sample) {
    const w = counts[c];
    weight += w;
    chars += w * [...dict[c]].length;
    words += w * tokenize(dict[c]).filter((t) => /\p{L}/u.test(t)).length;
  }
  const meanChars = chars / weight,
    meanWords = words / weight;
  const prose = meanWords >= 4 || meanChars >= 40;
  if (prose && (ratio >= 0.2 || f.distinct >= 1000)) {
    return { type: 'text', reason: `free text: ${meanWords.toFixed(1)} words and ${Math.round(meanChars)} characters on average, ${f.distinct} distinct` };
  }
  if (!prose && ((f.count >= 20 && ratio >= 0.95) || (ratio === 1 && idName(name)))) return { type: 'identifier', reason: 'unique per row: looks like a key' };
  return {
    type: 'category',
    reason:
      f.distinct <= 0.05 * f.count || f.distinct <= 20
        ? `${f.distinct} distinct values repeated over ${f.count} rows`
        : `short repeated strings, ${f.distinct} distinct`,
  };
}

/** The type of one column from its facts; `forced` is a user override. */
export function inferColumn(facts: ColumnFacts, opts: { forced?: SemanticType; target?: boolean } = {}): ColumnSchema {
  const { column } = facts;
  let inferred: Inferred;
  if (opts.forced) inferred = { type: opts.forced, reason: 'set by the user' };
  else if (facts.count === 0) inferred = { type: 'constant', reason: 'every value is missing' };
  else if (facts.distinct === 1) inferred = { type: 'constant', reason: 'a single value in every present row' };
  else inferred = column.type === 'number' ? inferNumber(column.name, facts) : inferString(column.name, facts);
  const role: ColumnRole = opts.target ? 'target' : inferred.type === 'identifier' ? 'identifier' : inferred.type === 'constant' ? 'ignored' : 'feature';
  return { name: column.name, type: inferred.type, storage: column.type, missing: facts.missing, distinct: facts.distinct, role, reason: inferred.reason };
}

/** Checks overrides and the target against the table before any work, so typos fail loudly. */
export function checkSchemaOptions(table: Table, opts: SchemaOptions): void {
  if (opts.target !== undefined) table.column(opts.target);
  for (const [name, type] of Object.entries(opts.types ?? {})) {
    table.column(name);
    if (!SEMANTIC_TYPES.includes(type))
      throw new AndonError('invalid_input', `unknown type "${type}" for column "${name}"; expected one of ${SEMANTIC_TYPES.join(', ')}`, {
        column: name,
        type,
      });
  }
}

export function inferSchema(table: Table, opts: SchemaOptions = {}): Schema {
  checkSchemaOptions(table, opts);
  const columns = table.columns.map((c) => inferColumn(columnFacts(c), { forced: opts.types?.[c.name], target: c.name === opts.target }));
  return { rows: table.rowCount, columns, ...(opts.target !== undefined ? { target: opts.target } : {}) };
}

export type TaskKind = 'binary' | 'multiclass' | 'regression';
export interface TaskInfo {
  task: TaskKind;
  labels?: string[];
  reason: string;
}

/** The largest number of whole-number values still read as classes rather than a quantity. */
const MAX_INTEGER_CLASSES = 20;

export function inferTask(table: Table, target: string): TaskInfo {
  const facts = columnFacts(table.column(target));
  if (facts.count === 0) throw new AndonError('invalid_input', `target column "${target}" has no values`, { column: target });
  if (facts.distinct < 2) throw new AndonError('invalid_input', `target column "${target}" has a single value; there is nothing to learn`, { column: target });
  if (facts.column.type === 'number') {
    const s = facts.sorted!;
    const values: number[] = [];
    for (let i = 0; i < s.length; i++)
      if (i === 0 || s[i] !== s[i - 1]) {
        values.push(s[i]);
        if (values.length > MAX_INTEGER_CLASSES) break;
      }
    const labels = values.map(String);
    if (facts.distinct === 2) return { task: 'binary', labels, reason: `two distinct values (${labels.join(', ')})` };
    if (facts.integer && facts.distinct <= MAX_INTEGER_CLASSES) return { task: 'multiclass', labels, reason: `${facts.distinct} distinct whole numbers` };
    return { task: 'regression', reason: `numbers with ${facts.distinct} distinct values` };
  }
  const dict = facts.column.dictionary;
  const labels = usedCodes(facts)
    .map((c) => dict[c])
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length === 2) return { task: 'binary', labels, reason: `two distinct values (${labels.map((l) => clipText(l)).join(', ')})` };
  if (labels.length > 1000 || (labels.length > 50 && labels.length > 0.5 * facts.count)) {
    throw new AndonError('invalid_input', `target column "${target}" has ${labels.length} distinct values in ${facts.count} rows: too many to be classes`, {
      column: target,
    });
  }
  return { task: 'multiclass', labels, reason: `${labels.length} distinct values` };
}
