// Prometheus metrics of one server: requests and latency per route and deployment, batching, queue depth, jobs by state.
//
// Requests are counted by their latency histograms (a histogram's `_count` is the number of observations, labelled
// here by status or outcome), so a prediction costs two observations rather than four: each one hashes its labels,
// and on the prediction path that was a measurable share of a request's CPU.
import { Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceContext } from '../service/index.js';

export interface ServerMetrics {
  registry: Registry;
  /** Every HTTP request: `andon_http_request_duration_seconds_count` is the request count by route and status. */
  requests: Histogram<'method' | 'route' | 'status'>;
  /** Every prediction by deployment and door (rest, oip, batch); `_count{outcome="ok"|"error"}` counts answers and failures. */
  predictions: Histogram<'deployment' | 'door' | 'outcome'>;
  batchSize: Histogram<'deployment'>;
  queueTime: Histogram<'deployment'>;
}

const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(ctx: ServiceContext): ServerMetrics {
  const registry = new Registry();
  const m: ServerMetrics = {
    registry,
    requests: new Histogram({
      name: 'andon_http_request_duration_seconds',
      help: 'HTTP request latency by route and status (_count: requests)',
      labelNames: ['method', 'route', 'status'],
      buckets: SECONDS,
      registers: [registry],
    }),
    predictions: new Histogram({
      name: 'andon_predict_duration_seconds',
      help: 'Prediction latency by deployment, door and outcome (_count: predictions)',
      labelNames: ['deployment', 'door', 'outcome'],
      buckets: SECONDS,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'andon_batch_size_rows',
      help: 'Rows per micro-batch',
      labelNames: ['deployment'],
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
      registers: [registry],
    }),
    queueTime: new Histogram({
      name: 'andon_batch_queue_seconds',
      help: 'Time a request waited for its micro-batch',
      labelNames: ['deployment'],
      buckets: SECONDS,
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'andon_batch_queue_depth',
    help: 'Requests waiting for a micro-batch',
    registers: [registry],
    collect() {
      this.set(ctx.models.queueDepth);
    },
  });
  new Gauge({
    name: 'andon_models_loaded',
    help: 'Model versions loaded in this process',
    registers: [registry],
    collect() {
      this.set(ctx.models.size);
    },
  });
  new Gauge({
    name: 'andon_jobs',
    help: 'Background jobs by kind and state (the shared queue: every replica reports the same)',
    labelNames: ['kind', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await ctx.queue.counts()) this.set({ kind: c.kind, state: c.status }, c.count);
    },
  });
  const name = (d: string) => d.slice(d.indexOf('/') + 1); // the observer's "tenant/deployment" → the deployment
  ctx.models.observer = {
    onBatch: (d, info) => m.batchSize.observe({ deployment: name(d) }, info.rows),
    onQueueTime: (d, ms) => m.queueTime.observe({ deployment: name(d) }, ms / 1000),
  };
  // Every prediction, whichever door it came in through, is counted by the one inference entry (service/inference.ts).
  // A failure that names no deployment is labelled "(unknown)": made-up names could otherwise grow the metric without bound.
  ctx.inference.observer = {
    onPrediction: (_tenantId, deployment, door, seconds, ok) =>
      m.predictions.observe({ deployment: deployment ?? '(unknown)', door, outcome: ok ? 'ok' : 'error' }, seconds),
  };
  return m;
}
