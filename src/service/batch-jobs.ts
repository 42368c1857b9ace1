// Batch prediction jobs: a CSV (or JSON/JSONL) table in, the same rows with prediction columns out, run as a queued job.
//
// The deployment is resolved once, at start, and the job keeps that version id: an alias moved while the job
// runs never mixes two models in one output. The job is idempotent: a restarted attempt reads the input blob
// again and starts over. The output blob is written only after every row has a prediction, and recorded in
// the same transition that ends the job `succeeded`, so a failed or cancelled job never points at output.
import { AndonError, isAndonError } from '../errors.js';
import { abortCause, isFinal, type BatchJob, type JobStatus, type ModelVersion, type QueuedJob } from '../store/index.js';
import { formatOf, readTable, type FileFormat } from '../data/readers/index.js';
import { cellOf, type Cell, type Table } from '../data/table.js';
import { inputColumns, type InputColumn } from '../runtime/index.js';
import type { StoredManifest } from '../ml/bundle.js';
import type { ServiceContext } from './context.js';
import { notFound } from './common.js';
import { audit, SYSTEM, type Actor } from './audit.js';
import { csvField, DEFAULT_UPLOAD_BYTES } from './datasets.js';
import { resolveDeployment } from './deployments.js';
import { infer } from './inference.js';
import { predictTableRows } from './table-predictions.js';
import { INTERRUPTED } from './jobs.js';
import { MAX_PREDICT_ROWS, type Prediction } from './serving.js';

export const BATCH_KIND = 'batch';
/** Rows per predict call; the event loop gets a turn between chunks (serving shares this process). */
export const DEFAULT_CHUNK_ROWS = 1000;

export interface StartBatchJobInput {
  /** The deployment whose current version predicts (resolved now, then pinned for this job). */
  deployment: string;
  bytes: Uint8Array;
  /** Picks the format by extension (.csv, .json, .jsonl); CSV when absent or unknown. */
  filename?: string;
  /** Refuse bigger inputs with `too_large`; default 256 MiB. */
  maxBytes?: number;
}

interface BatchOptions {
  deployment: string;
  model: string;
  version: number;
  filename: string | null;
  format: FileFormat;
  actor: string | null;
}

/** The columns a request must carry for this version (RUL adds its unit and time columns). */
function columnsOf(version: ModelVersion): InputColumn[] {
  const m = version.manifest as unknown as Partial<StoredManifest>;
  if (!Array.isArray(m.input_schema) || m.input_schema.length === 0) {
    throw new AndonError('invalid_input', `batch jobs need a model with named input columns; version ${version.number} declares none`, {
      versionId: version.id,
    });
  }
  return inputColumns(m as StoredManifest);
}

/** Validates the table against the pinned version, stores the input, then creates and enqueues the job. Nothing is stored when validation fails. */
export async function startBatchJob(ctx: ServiceContext, tenantId: string, input: StartBatchJobInput, actor: Actor = SYSTEM): Promise<BatchJob> {
  if (typeof input.deployment !== 'string' || !input.deployment)
    throw new AndonError('invalid_input', 'deployment names the deployment to predict with', { field: 'deployment' });
  if (!(input.bytes instanceof Uint8Array)) throw new AndonError('invalid_input', 'give the input table as bytes', { field: 'bytes' });
  const maxBytes = input.maxBytes ?? DEFAULT_UPLOAD_BYTES;
  if (input.bytes.byteLength === 0) throw new AndonError('empty_input', 'the input file is empty');
  if (input.bytes.byteLength > maxBytes)
    throw new AndonError('too_large', `the input is over the limit of ${maxBytes} bytes`, { maxBytes, bytes: input.bytes.byteLength });
  const { deployment, model, version } = await resolveDeployment(ctx, tenantId, input.deployment);
  const format: FileFormat = (input.filename ? formatOf(input.filename) : null) ?? 'csv';
  const { table } = await readTable(input.bytes, { format, maxBytes });
  if (table.rowCount === 0) throw new AndonError('empty_input', 'the input has a header but no rows');
  const missing = columnsOf(version)
    .map((c) => c.name)
    .filter((c) => !table.has(c));
  if (missing.length) {
    throw new AndonError(
      'unknown_column',
      `the input lacks column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')} that ${model} v${version.number} needs`,
      { missing, available: [...table.columnNames], model, version: version.number },
    );
  }
  const blob = await ctx.blobs.put(tenantId, input.bytes, { maxBytes });
  const options: BatchOptions = { deployment: deployment.name, model, version: version.number, filename: input.filename ?? null, format, actor: actor.id };
  const job = await ctx.meta.batchJobs.create(tenantId, {
    deploymentId: deployment.id,
    modelVersionId: version.id,
    inputBlobKey: blob.key,
    options: { ...options },
  });
  await ctx.meta.batchJobs.updateCounts(tenantId, job.id, { rowsTotal: table.rowCount });
  await ctx.queue.enqueue(BATCH_KIND, { batchJobId: job.id }, { jobId: job.id, tenantId });
  await audit(ctx, tenantId, actor, 'batch_job.create', 'batch_job', job.id, { deployment: deployment.name, rows: table.rowCount });
  return getBatchJob(ctx, tenantId, job.id);
}

export async function getBatchJob(ctx: ServiceContext, tenantId: string, id: string): Promise<BatchJob> {
  const job = await ctx.meta.batchJobs.get(tenantId, id);
  if (!job) throw notFound('batch job', id);
  return job;
}

export async function listBatchJobs(
  ctx: ServiceContext,
  tenantId: string,
  options: { status?: JobStatus; limit?: number; offset?: number } = {},
): Promise<BatchJob[]> {
  return ctx.meta.batchJobs.list(tenantId, options);
}

/** Cancels a queued job at once; a running one is signalled and ends `cancelled` after its current chunk. A finished job is returned as it is. */
export async function cancelBatchJob(ctx: ServiceContext, tenantId: string, id: string, actor: Actor = SYSTEM): Promise<BatchJob> {
  const job = await getBatchJob(ctx, tenantId, id);
  await audit(ctx, tenantId, actor, 'batch_job.cancel', 'batch_job', job.id);
  if (isFinal(job.status)) return job;
  const r = await ctx.queue.cancel(id);
  if (r === 'cancelled' || r === 'not_found' || r === 'finished') {
    // Nobody will run it: end it here (unless the handler just ended it: then its final state stands).
    await ctx.meta.batchJobs.transition(tenantId, id, 'cancelled').catch((e) => {
      if (!isAndonError(e) || e.code !== 'conflict') throw e;
    });
  }
  return getBatchJob(ctx, tenantId, id);
}

/** The output CSV of a succeeded job; `conflict` while it is not (yet) succeeded. */
export async function batchJobOutput(ctx: ServiceContext, tenantId: string, id: string): Promise<Uint8Array> {
  const job = await getBatchJob(ctx, tenantId, id);
  if (job.status !== 'succeeded' || !job.outputBlobKey) {
    throw new AndonError('conflict', `batch job ${id} is ${job.status}: its output exists only once it has succeeded`, { id, status: job.status });
  }
  return ctx.blobs.get(tenantId, job.outputBlobKey);
}

/**
 * Call once at start-up, after the queue's recover() (recoverJobs does that): a running job whose queue item
 * went back to the queue is marked queued to start over; one whose item is gone or ended cannot run again and
 * is failed (or cancelled, when a cancel was pending); a queued job never enqueued is enqueued.
 */
export async function recoverBatchJobs(ctx: ServiceContext): Promise<{ restarted: string[]; failed: string[]; requeued: string[] }> {
  const out = { restarted: [] as string[], failed: [] as string[], requeued: [] as string[] };
  for (const tenant of await ctx.meta.tenants.listAcrossTenants()) {
    const t = tenant.id;
    for (const status of ['running', 'queued'] as const) {
      for (const job of await ctx.meta.batchJobs.list(t, { status, limit: 1000 })) {
        const item = await ctx.queue.get(job.id);
        if (status === 'queued') {
          if (!item) {
            await ctx.queue.enqueue(BATCH_KIND, { batchJobId: job.id }, { jobId: job.id, tenantId: t });
            out.requeued.push(job.id);
          }
          continue;
        }
        if (item?.status === 'running') continue; // another live consumer owns it (distributed queue)
        if (item?.status === 'queued') {
          await ctx.meta.batchJobs.transition(t, job.id, 'queued');
          out.restarted.push(job.id);
        } else if (item?.status === 'cancelled') {
          await ctx.meta.batchJobs.transition(t, job.id, 'cancelled');
        } else {
          await ctx.meta.batchJobs.transition(t, job.id, 'failed', { error: INTERRUPTED });
          out.failed.push(job.id);
        }
      }
    }
  }
  return out;
}

export function consumeBatch(ctx: ServiceContext, options: { concurrency?: number; chunkRows?: number } = {}): void {
  const chunkRows = options.chunkRows ?? DEFAULT_CHUNK_ROWS;
  if (!Number.isInteger(chunkRows) || chunkRows < 1 || chunkRows > MAX_PREDICT_ROWS) {
    throw new AndonError('invalid_input', `chunkRows must be an integer from 1 to ${MAX_PREDICT_ROWS}`, { chunkRows });
  }
  ctx.queue.process(BATCH_KIND, (job, { signal }) => runBatchJob(ctx, job, signal, chunkRows), { concurrency: options.concurrency ?? 1 });
}

const turn = () => new Promise<void>((r) => setImmediate(r));

async function runBatchJob(ctx: ServiceContext, item: QueuedJob, signal: AbortSignal, chunkRows: number): Promise<void> {
  const t = item.tenantId,
    id = item.id,
    repo = ctx.meta.batchJobs;
  const before = await repo.get(t, id);
  if (!before || isFinal(before.status)) return;
  await repo.transition(t, id, 'running', { error: null });
  try {
    if (!before.modelVersionId) throw new AndonError('invalid_input', 'the batch job has no model version');
    const version = await ctx.meta.models.getVersion(t, before.modelVersionId);
    if (!version) throw new AndonError('not_found', 'the model version of this batch job was deleted');
    const columns = columnsOf(version);
    const format = (before.options as Partial<BatchOptions>).format ?? 'csv';
    const bytes = await ctx.blobs.get(t, before.inputBlobKey);
    const { table } = await readTable(bytes, { format, maxBytes: Math.max(bytes.byteLength, DEFAULT_UPLOAD_BYTES) });
    // Attempt > 1 starts over: the counts restart with it.
    await repo.updateCounts(t, id, { rowsTotal: table.rowCount, rowsDone: 0, rowsFailed: 0 });

    const deployment = before.deploymentId ? await ctx.meta.deployments.get(t, before.deploymentId) : null;
    const target = { pinned: version, model: (before.options as Partial<BatchOptions>).model ?? version.modelId, deployment };
    const predictions = await predictTableRows(table, columns, async (rows) => (await infer(ctx, t, target, rows, 'batch')).predictions, {
      chunkRows,
      signal,
      onChunk: async (done) => {
        await repo.updateCounts(t, id, { rowsDone: done });
        await turn();
      },
    }).catch(async (e) => {
      if (isAndonError(e) && typeof e.details.row === 'number') await repo.updateCounts(t, id, { rowsFailed: 1 }).catch(() => {});
      throw e;
    });
    if (signal.aborted) return await stopped(ctx, t, id, signal);
    const csv = await outputCsv(table, predictions, labelsOf(version), signal);
    if (signal.aborted) return await stopped(ctx, t, id, signal);
    const blob = await ctx.blobs.put(t, csv, { maxBytes: Math.max(csv.byteLength, 1) });
    await repo.transition(t, id, 'succeeded', { outputBlobKey: blob.key });
  } catch (e) {
    if (signal.aborted) return await stopped(ctx, t, id, signal);
    const message = e instanceof Error ? e.message : String(e);
    await repo.transition(t, id, 'failed', { error: message }).catch(() => null);
    throw e;
  }
}

/** Cancelled: the job ends cancelled. Shutdown: back to queued, to start over after a restart. Lease lost: another consumer owns it now. */
async function stopped(ctx: ServiceContext, t: string, id: string, signal: AbortSignal): Promise<void> {
  const cause = abortCause(signal);
  if (cause === 'cancelled') await ctx.meta.batchJobs.transition(t, id, 'cancelled').catch(() => {});
  else if (cause === 'shutdown') await ctx.meta.batchJobs.transition(t, id, 'queued').catch(() => {});
}

function labelsOf(version: ModelVersion): string[] {
  const labels = (version.manifest as { labels?: unknown }).labels;
  return Array.isArray(labels) ? labels.map(String) : [];
}

/** Input columns, then `prediction` and, for classifiers, `probability_<label>` per class (renamed with `_` if the input has such a column). */
async function outputCsv(table: Table, predictions: (Prediction | null)[], labels: string[], signal: AbortSignal): Promise<Uint8Array> {
  const taken = new Set(table.columnNames);
  const free = (name: string) => {
    while (taken.has(name)) name += '_';
    taken.add(name);
    return name;
  };
  const extra = [free('prediction'), ...labels.map((l) => free(`probability_${l}`))];
  const parts: string[] = [[...table.columnNames, ...extra].map(csvField).join(',') + '\n'];
  for (let start = 0; start < table.rowCount; start += DEFAULT_CHUNK_ROWS) {
    if (signal.aborted) break;
    const lines: string[] = [];
    for (let r = start; r < Math.min(table.rowCount, start + DEFAULT_CHUNK_ROWS); r++) {
      const p = predictions[r] ?? null;
      const cells: Cell[] = table.columns.map((c) => cellOf(c, r));
      if (p === null) cells.push(null, ...labels.map(() => null));
      else if ('label' in p) cells.push(p.label, ...labels.map((l) => p.probabilities[l] ?? null));
      else cells.push(p.value, ...labels.map(() => null));
      lines.push(cells.map(csvField).join(','));
    }
    parts.push(lines.join('\n') + '\n');
    await turn();
  }
  return Buffer.from(parts.join(''));
}
