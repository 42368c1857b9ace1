// Dynamic micro-batching: concurrent requests to one model are queued and run together, each caller gets its own rows back.
import { AndonError } from '../errors.js';
import type { Table } from '../data/table.js';
import type { Prediction } from '../ml/predictor.js';
import type { LoadedModel } from './model.js';

export interface BatchInfo {
  /** Rows in the batch, across its requests. */
  rows: number;
  requests: number;
  /** Why it ran: the batch filled, or the oldest request waited maxDelayMs, or the batcher is closing. */
  reason: 'full' | 'delay' | 'close';
}

export interface BatcherOptions {
  /** Rows per batch: a batch runs as soon as it holds this many (a single larger request runs alone). */
  maxBatch: number;
  /** The longest a request waits for others before its batch runs anyway. */
  maxDelayMs: number;
  /** Called once per batch, before it runs (feeds a batch-size histogram). */
  onBatch?: (b: BatchInfo) => void;
  /** Called per request when its batch starts, with the milliseconds it spent queued (a queue-time histogram). */
  onQueueTime?: (ms: number) => void;
}

export interface Batcher {
  /** Validates at once (a bad request fails alone, never queued), then waits for its batch. */
  predict(rows: Record<string, unknown>[]): Promise<Prediction[]>;
  /** Requests waiting for a batch (a queue-depth gauge). */
  readonly queueDepth: number;
  /** Running totals, for metrics and tests. */
  stats(): { batches: number; requests: number; rows: number; largestBatch: number };
  /** Runs what is queued, then refuses new requests; does not close the model. */
  close(): Promise<void>;
}

interface Pending {
  table: Table;
  queuedAt: number;
  resolve: (p: Prediction[]) => void;
  reject: (e: unknown) => void;
}

export function createBatcher(model: LoadedModel, opts: BatcherOptions): Batcher {
  if (!Number.isInteger(opts.maxBatch) || opts.maxBatch < 1) throw new AndonError('invalid_input', `maxBatch must be a whole number ≥ 1, got ${opts.maxBatch}`);
  if (!Number.isFinite(opts.maxDelayMs) || opts.maxDelayMs < 0) throw new AndonError('invalid_input', `maxDelayMs must be ≥ 0, got ${opts.maxDelayMs}`);
  const queue: Pending[] = [];
  let queuedRows = 0,
    timer: NodeJS.Timeout | null = null,
    closed = false;
  const totals = { batches: 0, requests: 0, rows: 0, largestBatch: 0 };
  const inFlight = new Set<Promise<void>>();

  const take = (): Pending[] => {
    // Whole requests in arrival order up to maxBatch rows; the first is always taken, however large.
    const batch: Pending[] = [];
    let rows = 0;
    while (queue.length && (batch.length === 0 || rows + queue[0].table.rowCount <= opts.maxBatch)) {
      const p = queue.shift()!;
      rows += p.table.rowCount;
      batch.push(p);
    }
    queuedRows -= rows;
    return batch;
  };

  const flush = (reason: BatchInfo['reason']): void => {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    while (queue.length) {
      const batch = take();
      start(batch, reason);
      if (reason === 'full' && queuedRows < opts.maxBatch) break;
    }
    if (queue.length && !timer) timer = setTimeout(() => flush('delay'), opts.maxDelayMs);
  };

  const start = (batch: Pending[], reason: BatchInfo['reason']): void => {
    const rows = batch.reduce((n, p) => n + p.table.rowCount, 0);
    totals.batches++;
    totals.requests += batch.length;
    totals.rows += rows;
    totals.largestBatch = Math.max(totals.largestBatch, rows);
    const now = performance.now();
    safely(() => opts.onBatch?.({ rows, requests: batch.length, reason }));
    for (const p of batch) safely(() => opts.onQueueTime?.(now - p.queuedAt));
    const run = runBatch(model, batch);
    inFlight.add(run);
    void run.finally(() => inFlight.delete(run));
  };

  return {
    async predict(rows) {
      if (closed) throw new AndonError('unavailable', 'the batcher is closed');
      const table = model.validate(rows);
      return new Promise<Prediction[]>((resolve, reject) => {
        queue.push({ table, queuedAt: performance.now(), resolve, reject });
        queuedRows += table.rowCount;
        if (queuedRows >= opts.maxBatch) flush('full');
        else if (!timer) timer = setTimeout(() => flush('delay'), opts.maxDelayMs);
      });
    },
    get queueDepth() {
      return queue.length;
    },
    stats: () => ({ ...totals }),
    async close() {
      closed = true;
      flush('close');
      await Promise.allSettled([...inFlight]);
    },
  };
}

/**
 * Runs one batch. If the shared run fails, each request is retried alone, so a request that breaks the
 * network (or any other surprise) fails by itself and the others still get answers.
 */
async function runBatch(model: LoadedModel, batch: Pending[]): Promise<void> {
  try {
    const results = await model.predictTables(batch.map((p) => p.table));
    batch.forEach((p, i) => p.resolve(results[i]));
  } catch (e) {
    if (batch.length === 1) {
      batch[0].reject(e);
      return;
    }
    await Promise.all(
      batch.map(async (p) => {
        try {
          p.resolve((await model.predictTables([p.table]))[0]);
        } catch (err) {
          p.reject(err);
        }
      }),
    );
  }
}

/** A metrics hook must never break serving. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    /* ignored on purpose */
  }
}
