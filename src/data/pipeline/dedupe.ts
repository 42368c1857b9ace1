// Training-only row filters (duplicate rows, rows with missing values): applied to training data before a pipeline is fitted, never at serving.
import { AndonError } from '../../errors.js';
import { cellOf, isMissingText, type Table } from '../table.js';
import { checkColumns, isMissing } from './clean.js';

/*
 * These are functions, not pipeline Steps, on purpose: a Pipeline returns features without targets, so a step
 * that dropped rows would misalign features and labels, and at serving every row needs a prediction. Filter
 * the training table (targets included) first; `kept` lets a caller align anything held outside the table.
 */

export interface RowFilterResult {
  table: Table;
  /** Indices of the kept rows in the input, ascending. */
  kept: Int32Array;
  removed: number;
}

/** Drops rows equal to an earlier row on the given columns (default all), keeping the first; missing equals missing. */
export function dropDuplicateRows(table: Table, options: { columns?: string[] } = {}): RowFilterResult {
  const names = options.columns === undefined ? [...table.columnNames] : checkColumns(options.columns, 'dropDuplicateRows');
  const columns = names.map((n) => table.column(n));
  const seen = new Set<string>();
  const kept: number[] = [];
  for (let r = 0; r < table.rowCount; r++) {
    // JSON keeps 1 and "1" apart and escapes separators, so distinct rows never share a key.
    const key = JSON.stringify(columns.map((c) => cellOf(c, r)));
    if (seen.has(key)) continue;
    seen.add(key);
    kept.push(r);
  }
  return result(table, kept);
}

/** Drops rows with a missing cell (NaN, ±Infinity, empty or "NA"-like text) in any of the given columns; reports counts per column. */
export function dropMissingRows(table: Table, columns: string[]): RowFilterResult & { missing: Record<string, number> } {
  const names = checkColumns(columns, 'dropMissingRows');
  const drop = new Uint8Array(table.rowCount);
  const missing: Record<string, number> = {};
  for (const name of names) {
    const column = table.column(name);
    let n = 0;
    for (let r = 0; r < table.rowCount; r++) {
      const cell = cellOf(column, r);
      const gone = cell === null || (typeof cell === 'number' && isMissing(cell)) || (typeof cell === 'string' && isMissingText(cell));
      if (gone) {
        n++;
        drop[r] = 1;
      }
    }
    missing[name] = n;
  }
  const kept: number[] = [];
  for (let r = 0; r < table.rowCount; r++) if (!drop[r]) kept.push(r);
  if (kept.length === 0 && table.rowCount > 0) {
    throw new AndonError('empty_input', `every row has a missing value in ${names.map((n) => `"${n}"`).join(', ')}`, { missing });
  }
  return { ...result(table, kept), missing };
}

function result(table: Table, kept: number[]): RowFilterResult {
  const indices = Int32Array.from(kept);
  return { table: indices.length === table.rowCount ? table : table.take(indices), kept: indices, removed: table.rowCount - indices.length };
}
