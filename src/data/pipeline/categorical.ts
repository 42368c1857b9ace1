// Category encoders: one-hot (rare and unseen values → an "other" bucket or all zeros) and ordinal (unseen → a reserved code).
import { AndonError } from '../../errors.js';
import type { Table } from '../table.js';
import { checkBoolean, checkColumns, checkKeys, checkNumber, checkObject, invalid, isString, notFitted, readKeys, restoring, stateList } from './clean.js';
import { registerEncoder } from './registry.js';
import type { DenseBlock, Encoder, StepState } from './types.js';

/*
 * Categories are compared as text, whatever the storage: a request may send 2 where training had "2".
 * Neither encoder ever fails on a value at serving: a new product type must still get a prediction.
 * A missing cell is not a category (impute with a constant such as "(missing)" to make it one).
 */

export const OTHER = '(other)';

/** Plain code-unit order, not localeCompare: the same on every machine and Node version. */
const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export interface OneHotOptions {
  columns: string[];
  /** At most this many named categories per column (the most frequent); the rest go to "other". Default 50. */
  maxCategories?: number;
  /** Categories seen fewer times in training go to "other". Default 1. */
  minFrequency?: number;
  /** Always add the "other" column, even when training had no rare values, so unseen values are told apart from missing. */
  other?: boolean;
}

export class OneHotEncoder implements Encoder {
  readonly kind = 'one_hot';
  readonly options: Required<OneHotOptions>;
  /** Per column: named categories in feature order, and whether an "other" feature follows them. */
  categories: string[][] | null = null;
  hasOther: boolean[] | null = null;

  constructor(options: OneHotOptions) {
    const o = checkObject(options, 'one_hot');
    checkKeys(o, ['columns', 'maxCategories', 'minFrequency', 'other'], 'one_hot');
    this.options = {
      columns: checkColumns(o.columns, 'one_hot'),
      maxCategories: checkNumber(o.maxCategories ?? 50, 'one_hot', 'maxCategories', { min: 1, max: 100_000, integer: true }),
      minFrequency: checkNumber(o.minFrequency ?? 1, 'one_hot', 'minFrequency', { min: 1, integer: true }),
      other: checkBoolean(o.other, 'one_hot', 'other', false),
    };
  }

  get columns(): readonly string[] {
    return this.options.columns;
  }

  fit(table: Table): void {
    const categories: string[][] = [],
      hasOther: boolean[] = [];
    for (const name of this.options.columns) {
      const counts = countKeys(table, name);
      // Most frequent first, ties by text, so which categories survive the cut does not depend on row order.
      const ranked = [...counts].sort((a, b) => b[1] - a[1] || byText(a[0], b[0]));
      const kept = ranked.filter(([, n]) => n >= this.options.minFrequency).slice(0, this.options.maxCategories);
      categories.push(kept.map(([k]) => k).sort(byText));
      hasOther.push(this.options.other || kept.length < ranked.length);
    }
    this.categories = categories;
    this.hasOther = hasOther;
  }

  get featureNames(): string[] {
    if (!this.categories || !this.hasOther) throw notFitted('one_hot');
    return this.options.columns.flatMap((c, i) => [...this.categories![i].map((k) => `${c}=${k}`), ...(this.hasOther![i] ? [`${c}=${OTHER}`] : [])]);
  }

  encode(table: Table): DenseBlock {
    if (!this.categories || !this.hasOther) throw notFitted('one_hot');
    const names = this.featureNames;
    const width = names.length,
      rows = table.rowCount;
    const data = new Float32Array(rows * width);
    let offset = 0;
    this.options.columns.forEach((name, i) => {
      const cats = this.categories![i];
      const index = new Map(cats.map((k, j) => [k, j]));
      const other = this.hasOther![i] ? cats.length : -1;
      const { dictionary, codes } = readKeys(table.column(name));
      // Resolve each distinct value once: its feature offset, "other", or −1 for all zeros.
      const slot = dictionary.map((k) => index.get(k) ?? other);
      for (let r = 0; r < rows; r++) {
        const c = codes[r];
        const j = c < 0 ? -1 : slot[c];
        if (j >= 0) data[r * width + offset + j] = 1;
      }
      offset += cats.length + (other >= 0 ? 1 : 0);
    });
    return { type: 'dense', rows, width, names, data };
  }

  toJSON(): StepState {
    if (!this.categories || !this.hasOther) throw notFitted('one_hot');
    return { kind: this.kind, options: { ...this.options }, categories: this.categories.map((c) => [...c]), hasOther: [...this.hasOther] };
  }

  static fromJSON(state: StepState): OneHotEncoder {
    return restoring(state, 'one_hot', () => {
      const e = new OneHotEncoder(state.options as OneHotOptions);
      const n = e.options.columns.length;
      e.categories = stateList(state.categories, n, isStringList, 'categories');
      e.hasOther = stateList(state.hasOther, n, (x): x is boolean => typeof x === 'boolean', 'hasOther');
      return e;
    });
  }
}

export interface OrdinalOptions {
  columns: string[];
  /** The order of categories for ordered columns (quality L < M < H); others are sorted as text. */
  order?: Record<string, string[]>;
  /** The code of unseen and missing values; default −1, which no category has. */
  unknownCode?: number;
}

export class OrdinalEncoder implements Encoder {
  readonly kind = 'ordinal';
  readonly options: { columns: string[]; order: Record<string, string[]>; unknownCode: number };
  categories: string[][] | null = null;

  constructor(options: OrdinalOptions) {
    const o = checkObject(options, 'ordinal');
    checkKeys(o, ['columns', 'order', 'unknownCode'], 'ordinal');
    const columns = checkColumns(o.columns, 'ordinal');
    const order = o.order === undefined ? {} : checkObject(o.order, 'ordinal');
    for (const [c, cats] of Object.entries(order)) {
      if (!columns.includes(c)) throw invalid('ordinal', `"order" names column "${c}", which is not in "columns"`, { column: c });
      if (!isStringList(cats) || cats.length === 0 || new Set(cats).size !== cats.length) {
        throw invalid('ordinal', `"order" of column "${c}" must be a non-empty list of distinct strings`, { column: c });
      }
    }
    const unknownCode = checkNumber(o.unknownCode ?? -1, 'ordinal', 'unknownCode', { integer: true });
    this.options = { columns, order: order as Record<string, string[]>, unknownCode };
  }

  get columns(): readonly string[] {
    return this.options.columns;
  }

  fit(table: Table): void {
    this.categories = this.options.columns.map((name) => {
      const seen = [...countKeys(table, name).keys()];
      const order = this.options.order[name];
      if (!order) return seen.sort(byText);
      // A value outside a configured order is likely a typo in the data or the order; say so rather than guess its rank.
      const unlisted = seen.filter((k) => !order.includes(k));
      if (unlisted.length) {
        throw new AndonError(
          'invalid_input',
          `ordinal: column "${name}" has values not in its "order": ${unlisted
            .slice(0, 5)
            .map((k) => JSON.stringify(k))
            .join(', ')}`,
          { column: name, values: unlisted.slice(0, 20) },
        );
      }
      return [...order];
    });
    const clash = this.categories.findIndex((cats) => this.options.unknownCode >= 0 && this.options.unknownCode < cats.length);
    if (clash >= 0) {
      throw invalid('ordinal', `"unknownCode" ${this.options.unknownCode} is a category's code in column "${this.options.columns[clash]}"`, {
        column: this.options.columns[clash],
      });
    }
  }

  encode(table: Table): DenseBlock {
    if (!this.categories) throw notFitted('ordinal');
    const width = this.options.columns.length,
      rows = table.rowCount;
    const data = new Float32Array(rows * width);
    this.options.columns.forEach((name, j) => {
      const index = new Map(this.categories![j].map((k, i) => [k, i]));
      const { dictionary, codes } = readKeys(table.column(name));
      const code = dictionary.map((k) => index.get(k) ?? this.options.unknownCode);
      for (let r = 0; r < rows; r++) data[r * width + j] = codes[r] < 0 ? this.options.unknownCode : code[codes[r]];
    });
    return { type: 'dense', rows, width, names: [...this.options.columns], data };
  }

  toJSON(): StepState {
    if (!this.categories) throw notFitted('ordinal');
    return { kind: this.kind, options: { ...this.options }, categories: this.categories.map((c) => [...c]) };
  }

  static fromJSON(state: StepState): OrdinalEncoder {
    return restoring(state, 'ordinal', () => {
      const e = new OrdinalEncoder(state.options as OrdinalOptions);
      e.categories = stateList(state.categories, e.options.columns.length, isStringList, 'categories');
      return e;
    });
  }
}

function isStringList(x: unknown): x is string[] {
  return Array.isArray(x) && x.every(isString);
}

/** Non-missing category counts of a column, by text. */
function countKeys(table: Table, name: string): Map<string, number> {
  const { dictionary, codes } = readKeys(table.column(name));
  const perCode = new Int32Array(dictionary.length);
  for (const c of codes) if (c >= 0) perCode[c]++;
  const counts = new Map<string, number>();
  perCode.forEach((n, c) => {
    if (n > 0) counts.set(dictionary[c], (counts.get(dictionary[c]) ?? 0) + n);
  });
  return counts;
}

registerEncoder('one_hot', OneHotEncoder.fromJSON);
registerEncoder('ordinal', OrdinalEncoder.fromJSON);
