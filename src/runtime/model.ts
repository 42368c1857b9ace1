// A model version loaded for serving: the fitted pipeline in TypeScript, the network in ONNX Runtime or the engine.
import ort from 'onnxruntime-node';
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';
import { Table as TableClass, type Table, type Column, type NumberColumn, type StringColumn } from '../data/table.js';
import { parseBundle, type LoadedBundle, type StoredManifest } from '../ml/bundle.js';
import { predictTable, toPredictions, type Prediction } from '../ml/predictor.js';
import { featureInput } from '../ml/dataset.js';
import { windowsOf } from '../ml/fit.js';
import { onnxFeeds, OUTPUT_NAME } from '../ml/onnx/index.js';
import type { ModelInput } from '../ml/spec.js';
import { DEFAULT_MAX_ROWS, inputColumns, validateRows, type InputColumn } from './validate.js';

export type EngineChoice = 'auto' | 'onnx' | 'native';

export interface LoadOptions {
  /** 'auto' (default) runs model.onnx in ONNX Runtime when the bundle has one, else the engine. */
  engine?: EngineChoice;
  /** The most rows one predict call may carry (default 10,000). */
  maxRows?: number;
}

export interface LoadedModel {
  readonly manifest: StoredManifest;
  readonly engine: 'onnx' | 'native';
  /** The request columns with their semantic types (RUL adds unit and time). */
  readonly inputSchema: InputColumn[];
  readonly maxRows: number;
  /** Validates the rows (AndonError 'invalid_input' naming row and column), then predicts. */
  predict(rows: Record<string, unknown>[]): Promise<Prediction[]>;
  /** Validation alone: the table `predictTables` reads. Throws like predict. */
  validate(rows: unknown): Table;
  /**
   * Predictions for several already validated requests in one network run where that is exact (one table
   * after another); RUL requests run one by one because a unit's window must not mix with another request's.
   */
  predictTables(tables: Table[]): Promise<Prediction[][]>;
  /** Waits for running predictions, then frees the session; later calls fail with 'unavailable'. */
  close(): Promise<void>;
  readonly closed: boolean;
}

/** Verifies a bundle (checksums, weights against the architecture) and readies it for predictions. */
export async function loadModel(files: Map<string, Uint8Array>, opts: LoadOptions = {}): Promise<LoadedModel> {
  return readyModel(parseBundle(files), opts);
}

/** Readies a bundle already parsed and verified (andon predict on a bundle directory) for predictions. */
export async function readyModel(bundle: LoadedBundle, opts: LoadOptions = {}): Promise<LoadedModel> {
  const choice = opts.engine ?? 'auto';
  if (!['auto', 'onnx', 'native'].includes(choice)) throw new AndonError('invalid_input', `engine must be auto, onnx or native, got "${choice}"`);
  const maxRows = opts.maxRows ?? DEFAULT_MAX_ROWS;
  if (!Number.isInteger(maxRows) || maxRows < 1) throw new AndonError('invalid_input', `maxRows must be a whole number ≥ 1, got ${maxRows}`);
  if (choice === 'onnx' && !bundle.onnx) throw new AndonError('invalid_input', 'engine "onnx" was asked for, but the bundle has no model.onnx');
  let session: ort.InferenceSession | null = null;
  if (choice !== 'native' && bundle.onnx) {
    try {
      session = await ort.InferenceSession.create(bundle.onnx, { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' });
    } catch (e) {
      throw new AndonError('integrity_error', `model.onnx could not be loaded by ONNX Runtime: ${(e as Error).message}`);
    }
  }
  return new Model(bundle, session, maxRows);
}

class Model implements LoadedModel {
  readonly manifest: StoredManifest;
  readonly engine: 'onnx' | 'native';
  readonly inputSchema: InputColumn[];
  closed = false;
  private running = new Set<Promise<unknown>>();

  constructor(
    private readonly bundle: LoadedBundle,
    private session: ort.InferenceSession | null,
    readonly maxRows: number,
  ) {
    this.manifest = bundle.manifest;
    this.engine = session ? 'onnx' : 'native';
    this.inputSchema = inputColumns(bundle.manifest);
  }

  validate(rows: unknown): Table {
    this.open();
    return validateRows(this.manifest, rows, { maxRows: this.maxRows });
  }

  async predict(rows: Record<string, unknown>[]): Promise<Prediction[]> {
    const table = this.validate(rows);
    return this.track(this.run(table));
  }

  async predictTables(tables: Table[]): Promise<Prediction[][]> {
    this.open();
    return this.track(
      (async () => {
        if (tables.length === 0) return [];
        if (tables.length === 1) return [await this.run(tables[0])];
        if (this.manifest.rul) {
          const out: Prediction[][] = [];
          for (const t of tables) out.push(await this.run(t));
          return out;
        }
        const all = await this.run(concat(tables));
        const out: Prediction[][] = [];
        let at = 0;
        for (const t of tables) {
          out.push(all.slice(at, at + t.rowCount));
          at += t.rowCount;
        }
        return out;
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled([...this.running]);
    const s = this.session;
    this.session = null;
    if (s) await s.release();
  }

  private open(): void {
    if (this.closed) throw new AndonError('unavailable', 'this model version has been unloaded', { model_task: this.manifest.task });
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    const done = () => {
      this.running.delete(p);
    };
    p.then(done, done);
    return p;
  }

  private async run(table: Table): Promise<Prediction[]> {
    if (!this.session) return predictTable(this.bundle, table);
    const { input, groups } = this.modelInput(table);
    const outputs = await this.runOnnx(input);
    return toPredictions(this.manifest, outputs, groups);
  }

  /** The network's input for a table (for RUL, each unit's last window), as plain feeds. */
  private modelInput(table: Table): { input: Record<string, ort.Tensor>; groups?: (string | number | null)[] } {
    const b = this.bundle,
      spec = b.manifest.spec;
    // Engine tensors made for the feeds are scratch: the scope frees them once copied into plain arrays.
    return E.scope(() => {
      let input: ModelInput, groups: (string | number | null)[] | undefined;
      if (b.manifest.rul) {
        const r = b.manifest.rul;
        const w = windowsOf(table, b.pipeline, { groupColumn: r.group_column, timeColumn: r.time_column }, r.window, true);
        input = { rows: w.count, window: E.tensor(w.data.subarray(0, w.count * w.window * w.features), [w.count, w.window, w.features]) };
        groups = w.group;
      } else {
        const f = b.pipeline.transform(table);
        input = featureInput(
          f,
          Int32Array.from({ length: f.rows }, (_, i) => i),
        );
      }
      const feeds = onnxFeeds(spec, input);
      const tensors: Record<string, ort.Tensor> = {};
      for (const [name, f] of Object.entries(feeds)) tensors[name] = new ort.Tensor(f.type, f.data, f.dims);
      return { input: tensors, groups };
    });
  }

  private async runOnnx(feeds: Record<string, ort.Tensor>): Promise<Float32Array> {
    const s = this.session;
    if (!s) throw new AndonError('unavailable', 'this model version has been unloaded');
    const result = await s.run(feeds);
    const out = result[OUTPUT_NAME];
    if (!out || !(out.data instanceof Float32Array)) throw new AndonError('internal', `the ONNX model gave no float output "${OUTPUT_NAME}"`);
    return out.data;
  }
}

/** Tables with the same columns (built by validateRows, so names and kinds line up), one after another. */
function concat(tables: Table[]): Table {
  const first = tables[0];
  const columns = first.columns.map((c0): Column => {
    const parts = tables.map((t) => t.column(c0.name));
    if (parts.every((p) => p.type === 'number')) {
      const values = new Float64Array(parts.reduce((n, p) => n + (p as NumberColumn).values.length, 0));
      let at = 0;
      for (const p of parts as NumberColumn[]) {
        values.set(p.values, at);
        at += p.values.length;
      }
      return { type: 'number', name: c0.name, values };
    }
    const dictionary: string[] = [],
      index = new Map<string, number>(),
      codes: number[] = [];
    // A datetime column may come as epoch numbers in one request and text in another: numbers join as text.
    for (const p of parts.map(asText)) {
      // Each part has its own dictionary: re-key its codes into the merged one.
      const remap = p.dictionary.map((s) => {
        let code = index.get(s);
        if (code === undefined) {
          code = dictionary.length;
          dictionary.push(s);
          index.set(s, code);
        }
        return code;
      });
      for (const c of p.codes) codes.push(c < 0 ? -1 : remap[c]);
    }
    return { type: 'string', name: c0.name, codes: Int32Array.from(codes), dictionary };
  });
  return new TableClass(columns);
}

function asText(c: Column): StringColumn {
  if (c.type === 'string') return c;
  const dictionary: string[] = [],
    index = new Map<string, number>();
  const codes = Int32Array.from(c.values, (v) => {
    if (!Number.isFinite(v)) return -1;
    const s = String(v);
    let code = index.get(s);
    if (code === undefined) {
      code = dictionary.length;
      dictionary.push(s);
      index.set(s, code);
    }
    return code;
  });
  return { type: 'string', name: c.name, codes, dictionary };
}
