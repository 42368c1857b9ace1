// Loaded model versions for predictions: a small interface over the model runtime, and a per-process cache by version id.
// Loading goes through src/runtime's loadModel (ONNX Runtime or the engine, with row validation); `loadEngineModel`,
// the stand-in written before the runtime existed (parseBundle + predictTable), stays as the fallback path.
import { AndonError } from '../errors.js';
import { Table } from '../data/table.js';
import { parseBundle } from '../ml/bundle.js';
import { predictTable, requiredColumns, type Prediction } from '../ml/predictor.js';
import { loadModel } from '../runtime/index.js';

export type { Prediction };

export interface ServingModel {
  predict(rows: Record<string, unknown>[]): Promise<Prediction[]>;
  close(): Promise<void>;
}

/** Most rows one predict call takes; bigger inputs are batch jobs. */
export const MAX_PREDICT_ROWS = 10_000;

export function checkRows(rows: unknown): Record<string, unknown>[] {
  if (!Array.isArray(rows) || rows.length === 0) throw new AndonError('invalid_input', 'rows must be a non-empty array of objects');
  if (rows.length > MAX_PREDICT_ROWS) {
    throw new AndonError('too_large', `at most ${MAX_PREDICT_ROWS} rows per request, got ${rows.length}`, { rows: rows.length, max: MAX_PREDICT_ROWS });
  }
  rows.forEach((r, i) => {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw new AndonError('invalid_input', `row ${i} is not an object`, { row: i });
  });
  return rows as Record<string, unknown>[];
}

export async function loadServingModel(files: Map<string, Uint8Array>): Promise<ServingModel> {
  const loaded = await loadModel(files);
  return { predict: (rows) => loaded.predict(checkRows(rows)), close: () => loaded.close() };
}

/** Engine-only loading without src/runtime (kept as a fallback and for comparison). */
export async function loadEngineModel(files: Map<string, Uint8Array>): Promise<ServingModel> {
  const bundle = parseBundle(files);
  const known = new Set(requiredColumns(bundle.manifest));
  const types = new Map(bundle.manifest.input_schema.map((c) => [c.name, c.type]));
  return {
    async predict(input) {
      const rows = checkRows(input);
      rows.forEach((r, i) => {
        for (const [k, v] of Object.entries(r)) {
          if (!known.has(k)) throw new AndonError('unknown_column', `row ${i}: unknown column "${k}"`, { row: i, column: k, expected: [...known] });
          if (typeof v === 'number' && !Number.isFinite(v)) throw new AndonError('invalid_input', `row ${i}: column "${k}" is not a finite number`, { row: i, column: k });
          if (v !== null && typeof v === 'object') throw new AndonError('invalid_input', `row ${i}: column "${k}" must be a number or a string`, { row: i, column: k });
        }
        for (const k of known) if (!(k in r)) throw new AndonError('unknown_column', `row ${i}: missing column "${k}"`, { row: i, column: k, type: types.get(k) });
      });
      return predictTable(bundle, Table.fromRows(rows, [...known]));
    },
    async close() {},
  };
}

/**
 * Loaded versions by id. Versions are immutable, so a cached one never goes stale; the database stays the
 * truth for which version an alias names. Loads of the same version share one promise.
 */
export class ModelCache {
  private readonly entries = new Map<string, Promise<ServingModel>>();
  constructor(private readonly capacity: number) {}

  get(versionId: string, load: () => Promise<ServingModel>): Promise<ServingModel> {
    const hit = this.entries.get(versionId);
    if (hit) {
      // Refresh its place: Map order is the eviction order.
      this.entries.delete(versionId);
      this.entries.set(versionId, hit);
      return hit;
    }
    const p = load();
    this.entries.set(versionId, p);
    p.catch(() => { if (this.entries.get(versionId) === p) this.entries.delete(versionId); });
    while (this.entries.size > this.capacity) {
      const [oldest, entry] = this.entries.entries().next().value as [string, Promise<ServingModel>];
      this.entries.delete(oldest);
      // In-flight calls hold the model object itself; closing here only frees what the runtime keeps.
      entry.then((m) => m.close()).catch(() => {});
    }
    return p;
  }

  has(versionId: string): boolean { return this.entries.has(versionId); }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((p) => p.then((m) => m.close()).catch(() => {})));
  }
}
