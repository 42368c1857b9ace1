// Coerce: turns numbers written as text ("1,234.5", "12 %", "€ 3.50") into number columns, counting coerced and failed cells.
import type { Column, Table } from '../table.js';
import { checkColumns, checkEnum, checkKeys, checkObject, readNumbers, replaceColumns, restoring } from './clean.js';
import { registerStep } from './registry.js';
import type { Step, StepState } from './types.js';

export interface CoerceOptions {
  columns: string[];
  /** The decimal mark: '.' (default; ',' ' ' and ' may group thousands) or ',' ('.' ' ' and ' may group thousands). */
  decimal?: '.' | ',';
  /**
   * 'strip' (default) reads "12 %" as 12, so a column written in percent keeps its numbers as written;
   * 'fraction' reads it as 0.12, for columns that mix "12 %" and "0.12".
   */
  percent?: 'strip' | 'fraction';
}

/** Per column: text cells read as numbers, and non-missing text cells that did not parse (now missing). */
export interface CoerceReport {
  [column: string]: { coerced: number; failed: number; samples: string[] };
}

// Thousands groups must be consistent within a number ("1,234,567", not "1,234 567"); \u00a0 and \u202f are the spaces spreadsheets write.
const GROUPED: Record<'.' | ',', RegExp> = {
  '.': /^\d{1,3}([,' ])\d{3}(?:\1\d{3})*(?:\.\d*)?$/,
  ',': /^\d{1,3}([.' ])\d{3}(?:\1\d{3})*(?:,\d*)?$/,
};
const PLAIN: Record<'.' | ',', RegExp> = {
  '.': /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/,
  ',': /^(?:\d+,?\d*|,\d+)(?:[eE][+-]?\d+)?$/,
};
const CURRENCY = /^[$€£¥]\s*|\s*[$€£¥]$/g;

/**
 * Reads a number written by a person or a spreadsheet; null if it is not one. Ambiguous forms fail rather
 * than guess: with decimal '.', "1,5" is not a number (it is 1.5 in Europe and 15 nowhere), "1,234" is 1234.
 */
export function parseLooseNumber(text: string, decimal: '.' | ',' = '.', percent: 'strip' | 'fraction' = 'strip'): number | null {
  let s = text.trim().replace(/[\u00a0\u202f\u2009]/g, ' ');
  let fraction = false;
  if (s.endsWith('%')) {
    s = s.slice(0, -1).trimEnd();
    fraction = percent === 'fraction';
  }
  s = s.replace(CURRENCY, '');
  let sign = 1;
  if (/^[+\-\u2212]/.test(s)) {
    if (s[0] !== '+') sign = -1;
    s = s.slice(1).trimStart();
  }
  let canonicalText: string;
  if (GROUPED[decimal].test(s)) {
    const sep = GROUPED[decimal].exec(s)![1];
    canonicalText = s.split(sep).join('');
  } else if (PLAIN[decimal].test(s)) {
    canonicalText = s;
  } else {
    return null;
  }
  if (decimal === ',') canonicalText = canonicalText.replace(',', '.');
  const n = Number(canonicalText);
  if (!Number.isFinite(n)) return null;
  return sign * (fraction ? n / 100 : n);
}

export class Coerce implements Step {
  readonly kind = 'coerce';
  readonly options: Required<CoerceOptions>;
  /** Coercion has nothing to learn; fit only records what training looked like, for the model's manifest. */
  trainingReport: CoerceReport = {};
  lastReport: CoerceReport = {};

  constructor(options: CoerceOptions) {
    const o = checkObject(options, 'coerce');
    checkKeys(o, ['columns', 'decimal', 'percent'], 'coerce');
    this.options = {
      columns: checkColumns(o.columns, 'coerce'),
      decimal: checkEnum(o.decimal, ['.', ','] as const, 'coerce', 'decimal', '.'),
      percent: checkEnum(o.percent, ['strip', 'fraction'] as const, 'coerce', 'percent', 'strip'),
    };
  }

  fit(table: Table): void {
    this.transform(table);
    this.trainingReport = this.lastReport;
  }

  /** Number columns pass through; text columns become numbers, what does not parse becomes missing (for Impute). */
  transform(table: Table): Table {
    const { decimal, percent } = this.options;
    const replaced = new Map<string, Column>();
    const report: CoerceReport = {};
    for (const name of this.options.columns) {
      const column = table.column(name);
      if (column.type === 'number') {
        report[name] = { coerced: 0, failed: 0, samples: [] };
        continue;
      }
      const read = readNumbers(column, (s) => parseLooseNumber(s, decimal, percent));
      let present = 0;
      for (const v of read.values) if (!Number.isNaN(v)) present++;
      report[name] = { coerced: present, failed: read.unparseable, samples: read.samples };
      replaced.set(name, { type: 'number', name, values: read.values });
    }
    this.lastReport = report;
    return replaceColumns(table, replaced);
  }

  toJSON(): StepState {
    return { kind: this.kind, options: { ...this.options }, trainingReport: this.trainingReport };
  }

  static fromJSON(state: StepState): Coerce {
    return restoring(state, 'coerce', () => {
      const step = new Coerce(state.options as CoerceOptions);
      step.trainingReport = (state.trainingReport ?? {}) as CoerceReport;
      return step;
    });
  }
}

registerStep('coerce', Coerce.fromJSON);
