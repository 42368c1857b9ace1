// Predictions for every row of a table, a chunk at a time: batch jobs and `andon predict` on a file.
//
// Each chunk is at most `chunkRows` rows (whole units for remaining useful life, whose windows must not be cut), is
// sent as request rows (the model's columns only) through the caller's predictor, so it is checked exactly like a
// request, and a refused row is named by its place in the file.
import { AndonError, isAndonError } from '../errors.js';
import { cellOf, type Table } from '../data/table.js';
import type { InputColumn } from '../runtime/index.js';
import type { Prediction } from './serving.js';

export interface TablePredictionOptions {
  /** Rows per predictor call (at most the 10,000 a request may carry). */
  chunkRows: number;
  /** Stops between chunks; the predictions so far are returned. */
  signal?: AbortSignal;
  /** After each chunk, with the rows done so far. */
  onChunk?: (rowsDone: number) => Promise<void> | void;
}

/**
 * One prediction per row of the table, or null where there is none (for remaining useful life, a unit's value sits
 * on its latest reading and its other rows stay empty). A refused row throws, named by its row in the file.
 */
export async function predictTableRows(
  table: Table,
  columns: InputColumn[],
  predict: (rows: Record<string, unknown>[]) => Promise<Prediction[]>,
  options: TablePredictionOptions,
): Promise<(Prediction | null)[]> {
  const rul = columns.find((c) => c.kind === 'group');
  const predictions: (Prediction | null)[] = new Array(table.rowCount).fill(null);
  const chunks = rul
    ? unitChunks(table, rul.name, columns.find((c) => c.kind === 'time')!.name, options.chunkRows)
    : rowChunks(table.rowCount, options.chunkRows);
  let done = 0;
  for (const chunk of chunks) {
    if (options.signal?.aborted) break;
    let out: Prediction[];
    try {
      out = await predict(chunk.rows.map((r) => rowOf(table, columns, r)));
    } catch (e) {
      throw rowError(e, chunk.rows);
    }
    if (rul) {
      // One value per unit, for its latest reading: it goes on that row, the unit's other rows stay empty.
      const lastOf = new Map(chunk.units!.map((u) => [u.key, u.last]));
      for (const p of out)
        if ('value' in p) {
          const r = lastOf.get(String(p.group));
          if (r !== undefined) predictions[r] = p;
        }
    } else {
      out.forEach((p, i) => {
        predictions[chunk.rows[i]!] = p;
      });
    }
    done += chunk.rows.length;
    await options.onChunk?.(done);
  }
  return predictions;
}

interface Chunk {
  rows: number[];
  units?: { key: string; last: number }[];
}

function* rowChunks(total: number, size: number): Generator<Chunk> {
  for (let start = 0; start < total; start += size) {
    yield { rows: Array.from({ length: Math.min(size, total - start) }, (_, i) => start + i) };
  }
}

/** RUL reads each unit's readings together: chunks hold whole units (a unit bigger than a chunk gets its own). */
function* unitChunks(table: Table, groupColumn: string, timeColumn: string, size: number): Generator<Chunk> {
  const g = table.column(groupColumn),
    time = table.column(timeColumn);
  const units = new Map<string, { rows: number[]; last: number }>();
  for (let r = 0; r < table.rowCount; r++) {
    const key = String(cellOf(g, r));
    let u = units.get(key);
    if (!u) units.set(key, (u = { rows: [], last: r }));
    u.rows.push(r);
    const tr = cellOf(time, r),
      tl = cellOf(time, u.last);
    if (typeof tr === 'number' && (typeof tl !== 'number' || tr >= tl)) u.last = r;
  }
  let chunk: Chunk = { rows: [], units: [] };
  for (const [key, u] of units) {
    chunk.rows.push(...u.rows);
    chunk.units!.push({ key, last: u.last });
    if (chunk.rows.length >= size) {
      yield chunk;
      chunk = { rows: [], units: [] };
    }
  }
  if (chunk.rows.length) yield chunk;
}

/** One request row: the model's columns only (the file may carry more, e.g. ids or the true label). */
function rowOf(table: Table, columns: InputColumn[], r: number): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const c of columns) {
    const v = table.get(r, c.name);
    // A file has no types: an all-digit text column reads as numbers, but the model wants its text.
    row[c.name] = c.kind === 'text' && typeof v === 'number' ? String(v) : v;
  }
  return row;
}

/** The runtime names the row within the chunk; the caller needs the row of the file (1 = the first data row). */
function rowError(e: unknown, rows: number[]): unknown {
  if (!isAndonError(e) || typeof e.details.row !== 'number') return e;
  const r = rows[e.details.row];
  if (r === undefined) return e;
  const rest = e.message.replace(/^row \d+[,:]?\s*/, '');
  return new AndonError(e.code, `input row ${r + 1} (counting data rows from 1): ${rest}`, { ...e.details, row: r + 1 });
}
