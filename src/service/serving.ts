// Loaded model versions for predictions: a per-process cache by version, and the micro-batchers of deployments that ask for batching.
import { AndonError } from '../errors.js';
import type { Prediction } from '../ml/predictor.js';
import { createBatcher, loadModel, type Batcher, type BatchInfo, type LoadedModel } from '../runtime/index.js';
import type { BatchingConfig } from '../store/index.js';

export type { Prediction };
export type ServingModel = LoadedModel;

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

/** Verifies the bundle and readies it: ONNX Runtime when it has model.onnx, else the engine. */
export function loadServingModel(files: Map<string, Uint8Array>): Promise<ServingModel> {
  return loadModel(files, { maxRows: MAX_PREDICT_ROWS });
}

/** What the server observes of micro-batching (histograms of batch size and queue time). */
export interface BatchingObserver {
  onBatch?(deployment: string, info: BatchInfo): void;
  onQueueTime?(deployment: string, ms: number): void;
}

interface Entry {
  model: Promise<ServingModel>;
  /** The model once its load finished, for callers that need not wait for a promise. */
  loaded?: ServingModel;
  batchers: Map<string, Batcher>;
  /** When it was last used, by this cache's clock: the least recently used entry is evicted. */
  used: number;
}

/**
 * Loaded versions by key (tenant + version id). Versions are immutable, so a cached one never goes stale; the
 * database stays the truth for which version an alias names. Loads of the same version share one promise.
 * A deployment with batching gets a batcher over the cached model, keyed by its settings, so requests to the
 * same version through the same deployment are batched together.
 */
export class ModelCache {
  private readonly entries = new Map<string, Entry>();
  private clock = 0;
  observer: BatchingObserver = {};
  constructor(private readonly capacity: number) {}

  get(key: string, load: () => Promise<ServingModel>): Promise<ServingModel> {
    return this.entry(key, load).model;
  }

  /** The loaded model of `key` when it is in the cache and its load has finished, else undefined. */
  peek(key: string): ServingModel | undefined {
    const hit = this.entries.get(key);
    if (!hit?.loaded) return undefined;
    hit.used = ++this.clock;
    return hit.loaded;
  }

  /** The batcher of `deployment` over the cached version `key` (created on first use). */
  async batcher(key: string, load: () => Promise<ServingModel>, deployment: string, config: BatchingConfig): Promise<Batcher> {
    const entry = this.entry(key, load);
    const model = await entry.model;
    const id = `${deployment}/${config.maxBatch}/${config.maxDelayMs}`;
    let b = entry.batchers.get(id);
    if (!b) {
      b = createBatcher(model, {
        maxBatch: config.maxBatch,
        maxDelayMs: config.maxDelayMs,
        onBatch: (info) => this.observer.onBatch?.(deployment, info),
        onQueueTime: (ms) => this.observer.onQueueTime?.(deployment, ms),
      });
      entry.batchers.set(id, b);
    }
    return b;
  }

  /** Requests waiting in all batchers (a queue-depth gauge). */
  get queueDepth(): number {
    let n = 0;
    for (const e of this.entries.values()) for (const b of e.batchers.values()) n += b.queueDepth;
    return n;
  }

  get size(): number {
    return this.entries.size;
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }

  private entry(key: string, load: () => Promise<ServingModel>): Entry {
    const hit = this.entries.get(key);
    if (hit) {
      hit.used = ++this.clock;
      return hit;
    }
    const entry: Entry = { model: load(), batchers: new Map(), used: ++this.clock };
    this.entries.set(key, entry);
    entry.model.then(
      (m) => {
        entry.loaded = m;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    while (this.entries.size > this.capacity) {
      let oldest: [string, Entry] | undefined;
      for (const kv of this.entries) if (!oldest || kv[1].used < oldest[1].used) oldest = kv;
      this.entries.delete(oldest![0]);
      // In-flight calls hold the model object itself; closing here only frees what the runtime keeps.
      void release(oldest![1]);
    }
    return entry;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map(release));
  }
}

async function release(e: Entry): Promise<void> {
  await Promise.all([...e.batchers.values()].map((b) => b.close().catch(() => {})));
  await e.model.then((m) => m.close()).catch(() => {});
}
