// Masking personal data before anything is stored: redact, hash (keyed HMAC-SHA256) or drop what the detectors find, in strings and whole tables.
import { createHmac } from 'node:crypto';
import { AndonError } from '../../errors.js';
import { Table, type Column, type NumberColumn, type StringColumn } from '../table.js';
import { canonical, detect, PII_KINDS, type PiiKind, type Span } from './detectors.js';

export type MaskMode = 'redact' | 'hash' | 'drop';
export const MASK_MODES: readonly MaskMode[] = ['redact', 'hash', 'drop'];

/** A detector's kind, or 'pii' for a column the caller declared personal as a whole. */
export type FoundKind = PiiKind | 'pii';
export const REDACTION_LABELS: Readonly<Record<FoundKind, string>> = {
  email: '[EMAIL]',
  phone: '[PHONE]',
  ip: '[IP]',
  card: '[CARD]',
  cn_id: '[CN_ID]',
  pii: '[PII]',
};

export interface TextMaskOptions {
  /** Mode for every kind without its own; default 'redact'. */
  mode?: MaskMode;
  /** Per-kind modes, e.g. `{ phone: 'hash', email: 'redact' }`. */
  kinds?: Partial<Record<PiiKind, MaskMode>>;
  /** HMAC key (≥ 16 bytes) for 'hash'; the caller owns it, so tokens are stable per key and useless without it. */
  key?: Uint8Array;
}

export interface TableMaskOptions extends TextMaskOptions {
  /** Columns that are personal as a whole, each with its mode. */
  columns?: Record<string, MaskMode>;
  /** Scan every other text column (and integer columns, where phones read as numbers land); default true. */
  detect?: boolean;
}

/** What was found in one column; counts only, never the values. */
export interface ColumnMaskReport {
  column: string;
  source: 'named' | 'detected';
  /** Occurrences per kind over all rows (a cell holding two phones counts two). */
  found: Partial<Record<FoundKind, number>>;
  /** Cells that held personal data and no longer do: rewritten, or removed with the column. */
  maskedCells: number;
  dropped: boolean;
  /** A number column that became text to hold labels or tokens. */
  convertedToText: boolean;
}

export interface MaskReport {
  rows: number;
  /** Only the columns that were named or held personal data, in table order. */
  columns: ColumnMaskReport[];
  dropped: string[];
  found: Partial<Record<FoundKind, number>>;
  maskedCells: number;
}

function checkMode(mode: unknown, what: string): MaskMode {
  if (!MASK_MODES.includes(mode as MaskMode)) {
    throw new AndonError('invalid_input', `unknown masking mode ${JSON.stringify(mode)} for ${what}; expected one of ${MASK_MODES.join(', ')}`, {
      mode: String(mode),
      allowed: MASK_MODES,
    });
  }
  return mode as MaskMode;
}

/** Options checked once; replaces spans by labels or tokens. */
class Masker {
  readonly modes: Readonly<Record<PiiKind, MaskMode>>;
  private readonly key: Uint8Array | undefined;

  constructor(options: TextMaskOptions, extraModes: readonly MaskMode[] = []) {
    const fallback = checkMode(options.mode ?? 'redact', 'the default mode');
    const modes = Object.fromEntries(PII_KINDS.map((k) => [k, fallback])) as Record<PiiKind, MaskMode>;
    for (const [kind, mode] of Object.entries(options.kinds ?? {})) {
      if (!PII_KINDS.includes(kind as PiiKind))
        throw new AndonError('invalid_input', `unknown personal-data kind "${kind}"; expected one of ${PII_KINDS.join(', ')}`, { kind, allowed: PII_KINDS });
      modes[kind as PiiKind] = checkMode(mode, `kind "${kind}"`);
    }
    this.modes = modes;
    const key = options.key;
    if ([fallback, ...Object.values(modes), ...extraModes].includes('hash')) {
      // The key itself never goes into the message or details.
      if (!(key instanceof Uint8Array)) throw new AndonError('invalid_input', 'masking mode "hash" needs a key (options.key, at least 16 bytes)');
      if (key.length < 16) throw new AndonError('invalid_input', `the masking key has ${key.length} bytes; use at least 16`);
    }
    this.key = key;
  }

  /** Same value and key → same token, so hashed columns still join; 64 bits keep collisions negligible. */
  token(value: string): string {
    return 'pii_' + createHmac('sha256', this.key!).update(value, 'utf8').digest('hex').slice(0, 16);
  }

  apply(text: string, spans: readonly Span[]): string {
    let out = '',
      last = 0;
    for (const sp of spans) {
      out += text.slice(last, sp.start);
      const mode = this.modes[sp.kind];
      if (mode === 'redact') out += REDACTION_LABELS[sp.kind];
      else if (mode === 'hash') out += this.token(canonical(sp.kind, text.slice(sp.start, sp.end)));
      last = sp.end; // 'drop' in free text removes the span
    }
    return out + text.slice(last);
  }
}

/** Masks one string; for hot paths (logs, audit entries) build once with `textMasker`. */
export function maskText(text: string, options: TextMaskOptions = {}): string {
  return textMasker(options)(text);
}

/** A masking function with its options checked once. In free text 'drop' removes the span. */
export function textMasker(options: TextMaskOptions = {}): (text: string) => string {
  const masker = new Masker(options);
  return (text) => {
    const s = typeof text === 'string' ? text : String(text);
    const spans = detect(s);
    return spans.length ? masker.apply(s, spans) : s;
  };
}

/** The table with personal data masked, and a report of what was found (counts only). */
export function maskTable(table: Table, options: TableMaskOptions = {}): { table: Table; report: MaskReport } {
  const named = new Map<string, MaskMode>();
  for (const [name, mode] of Object.entries(options.columns ?? {})) {
    table.column(name); // throws unknown_column, listing the columns there are
    named.set(name, checkMode(mode, `column "${name}"`));
  }
  const masker = new Masker(options, [...named.values()]);
  const scan = options.detect ?? true;
  const columns: Column[] = [];
  const report: MaskReport = { rows: table.rowCount, columns: [], dropped: [], found: {}, maskedCells: 0 };
  for (const col of table.columns) {
    const mode = named.get(col.name);
    const result = mode ? maskNamed(col, mode, masker) : scan ? maskDetected(col, masker) : { column: col, report: null };
    if (result.column) columns.push(result.column);
    const r = result.report;
    if (!r) continue;
    report.columns.push(r);
    if (r.dropped) report.dropped.push(r.column);
    report.maskedCells += r.maskedCells;
    for (const [k, n] of Object.entries(r.found) as Array<[FoundKind, number]>) report.found[k] = (report.found[k] ?? 0) + n;
  }
  return { table: new Table(columns), report };
}

interface ColumnResult {
  column: Column | null;
  report: ColumnMaskReport | null;
}

function maskNamed(col: Column, mode: MaskMode, masker: Masker): ColumnResult {
  const text = col.type === 'string' ? col : toText(col);
  let cells = 0;
  for (const c of text.codes) if (c >= 0) cells++;
  const report: ColumnMaskReport = {
    column: col.name,
    source: 'named',
    found: { pii: cells },
    maskedCells: cells,
    dropped: mode === 'drop',
    convertedToText: col.type === 'number' && mode !== 'drop',
  };
  if (mode === 'drop') return { column: null, report };
  if (mode === 'redact') return { column: remap(text, () => REDACTION_LABELS.pii), report };
  // A cell that is exactly one detected value hashes in canonical form, so it joins with the same value found in free text.
  return {
    column: remap(text, (v) => {
      const spans = detect(v);
      const whole = spans.length === 1 && spans[0].start === 0 && spans[0].end === v.length;
      return masker.token(whole ? canonical(spans[0].kind, v) : v);
    }),
    report,
  };
}

/**
 * Detection works per distinct value: a dictionary entry is scanned once and its result counts for every row
 * that uses it. Number columns are scanned only for integers of 11+ digits, the way phone numbers and cards
 * arrive when a reader parsed them as numbers.
 */
function maskDetected(col: Column, masker: Masker): ColumnResult {
  if (col.type === 'number' && !numbersLookPersonal(col)) return { column: col, report: null };
  const text = col.type === 'string' ? col : toText(col);
  const freq = new Int32Array(text.dictionary.length);
  for (const c of text.codes) if (c >= 0) freq[c]++;
  const spansOf: Array<Span[] | undefined> = new Array(text.dictionary.length);
  const found: Partial<Record<FoundKind, number>> = {};
  let cells = 0,
    drop = false;
  for (let e = 0; e < freq.length; e++) {
    if (freq[e] === 0) continue;
    const spans = detect(text.dictionary[e]);
    if (spans.length === 0) continue;
    spansOf[e] = spans;
    cells += freq[e];
    for (const sp of spans) {
      found[sp.kind] = (found[sp.kind] ?? 0) + freq[e];
      if (masker.modes[sp.kind] === 'drop') drop = true;
    }
  }
  if (cells === 0) return { column: col, report: null };
  const report: ColumnMaskReport = {
    column: col.name,
    source: 'detected',
    found,
    maskedCells: cells,
    dropped: drop,
    convertedToText: col.type === 'number' && !drop,
  };
  if (drop) return { column: null, report };
  return { column: remap(text, (v, e) => (spansOf[e] ? masker.apply(v, spansOf[e]!) : v)), report };
}

function numbersLookPersonal(col: NumberColumn): boolean {
  const seen = new Set<number>();
  for (const v of col.values) {
    if (v < 1e10 || !Number.isSafeInteger(v) || seen.has(v)) continue;
    seen.add(v);
    if (detect(String(v)).length) return true;
  }
  return false;
}

/** Numbers as text, the way the table builder writes them back (shortest form). */
function toText(col: NumberColumn): StringColumn {
  const index = new Map<number, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(col.values.length);
  for (let i = 0; i < codes.length; i++) {
    const v = col.values[i];
    if (Number.isNaN(v)) {
      codes[i] = -1;
      continue;
    }
    let c = index.get(v);
    if (c === undefined) {
      c = dictionary.length;
      dictionary.push(String(v));
      index.set(v, c);
    }
    codes[i] = c;
  }
  return { type: 'string', name: col.name, codes, dictionary };
}

/**
 * Rewrites each dictionary entry that some row uses, once. Entries no row uses are left out and equal results
 * are merged, so the new dictionary is unique and holds no original value that was only unreferenced.
 */
function remap(col: StringColumn, f: (value: string, entry: number) => string): StringColumn {
  const to = new Int32Array(col.dictionary.length).fill(-2);
  const index = new Map<string, number>();
  const dictionary: string[] = [];
  const codes = new Int32Array(col.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = col.codes[i];
    if (c < 0) {
      codes[i] = -1;
      continue;
    }
    if (to[c] === -2) {
      const v = f(col.dictionary[c], c);
      let n = index.get(v);
      if (n === undefined) {
        n = dictionary.length;
        dictionary.push(v);
        index.set(v, n);
      }
      to[c] = n;
    }
    codes[i] = to[c];
  }
  return { type: 'string', name: col.name, codes, dictionary };
}
