// Training job use cases: start (job row + queue item), the queue handler that trains in a worker thread and registers the version, cancel, inspect, recover after a restart.
//
// Restart policy: a job left running by a dead process resumes. The queue hands its item back (attempt + 1),
// the job goes running → queued with a `recovered` event, and fitModel picks up the checkpoint it wrote after
// each epoch under <home>/checkpoints/<tenant>/<job>, sealed under a per-job key that is itself sealed under the
// tenant's key (./checkpoint-key.ts), or starts over if there is none. A running job whose
// queue item is gone cannot run again: it is marked failed with "interrupted by a restart".
// A model version is registered only after every bundle file is in the blob store, and at most once per job.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AndonError, isAndonError } from '../errors.js';
import { abortCause, isFinal, type JobEvent, type JobStatus, type JsonObject, type QueuedJob, type TrainingJob } from '../store/index.js';
import { checkTrainingSpec, type TrainingSpec } from '../ml/training-spec.js';
import type { ProgressEvent } from '../ml/trainer.js';
import type { ServiceContext } from './context.js';
import { audit, SYSTEM, type Actor } from './audit.js';
import { checkName, datasetVersion, notFound } from './common.js';
import { storedFormatOf } from './datasets.js';
import { checkpointKeyOf, hasCheckpoint } from './checkpoint-key.js';
import { startTrainingThread } from './training-thread.js';
import type { TrainingWork } from './training-worker.js';

export const TRAINING_KIND = 'training';
export const INTERRUPTED = 'interrupted by a restart';

/** A training spec (src/ml/training-spec.ts) on a dataset version, for a registry model. */
export interface StartTrainingInput extends TrainingSpec {
  dataset: string;
  version?: number;
  modelName: string;
}

export async function startTraining(ctx: ServiceContext, tenantId: string, input: StartTrainingInput, actor: Actor = SYSTEM): Promise<TrainingJob> {
  const modelName = checkName('model', input.modelName);
  const training = checkTrainingSpec(input);
  const { dataset, version } = await datasetVersion(ctx, tenantId, input.dataset, input.version);
  const columns = ((version.schema as { columns?: { name: string }[] } | null)?.columns ?? []).map((c) => c.name);
  for (const [what, col] of [
    ['target', training.target],
    ['group column', training.groupColumn],
    ['time column', training.timeColumn],
  ] as const) {
    // RUL may derive its target from unit and time, so a missing RUL target is fitModel's call.
    if (col !== undefined && !columns.includes(col) && !(what === 'target' && training.task === 'rul')) {
      throw new AndonError('unknown_column', `${what} "${col}" is not a column of ${dataset.name}@${version.number}`, { column: col, available: columns });
    }
  }
  // The stored spec: the training spec's fields (the worker checks them again) beside what the job is about.
  const spec: JsonObject = {
    dataset: dataset.name,
    datasetVersion: version.number,
    modelName,
    ...(training as unknown as JsonObject),
    actor: actor.id,
  };
  const job = await ctx.meta.jobs.create(tenantId, { datasetVersionId: version.id, spec });
  await ctx.meta.jobs.appendEvent(tenantId, job.id, { type: 'queued', data: { dataset: dataset.name, version: version.number } });
  await ctx.queue.enqueue(TRAINING_KIND, { jobId: job.id }, { jobId: job.id, tenantId });
  await audit(ctx, tenantId, actor, 'job.create', 'training_job', job.id, { dataset: dataset.name, model: modelName });
  return job;
}

export async function getJob(ctx: ServiceContext, tenantId: string, id: string): Promise<TrainingJob> {
  const job = await ctx.meta.jobs.get(tenantId, id);
  if (!job) throw notFound('job', id);
  return job;
}

export async function listJobs(
  ctx: ServiceContext,
  tenantId: string,
  options: { status?: JobStatus; limit?: number; offset?: number } = {},
): Promise<TrainingJob[]> {
  return ctx.meta.jobs.list(tenantId, options);
}

/** Events after `afterSeq`, oldest first: what an SSE stream replays from its Last-Event-ID. */
export async function jobEvents(ctx: ServiceContext, tenantId: string, id: string, afterSeq = 0, limit?: number): Promise<JobEvent[]> {
  await getJob(ctx, tenantId, id);
  return ctx.meta.jobs.listEvents(tenantId, id, afterSeq, limit);
}

/** Cancels a queued job at once; a running one is signalled and ends `cancelled` shortly. A finished job is returned as it is. */
export async function cancelJob(ctx: ServiceContext, tenantId: string, id: string, actor: Actor = SYSTEM): Promise<TrainingJob> {
  const job = await getJob(ctx, tenantId, id);
  await audit(ctx, tenantId, actor, 'job.cancel', 'training_job', job.id);
  if (isFinal(job.status)) return job;
  await ctx.meta.jobs.appendEvent(tenantId, id, { type: 'cancel_requested' });
  const r = await ctx.queue.cancel(id);
  if (r === 'cancelled' || r === 'not_found' || r === 'finished') {
    // Nobody will run it: end it here (the handler may have just ended it itself: then keep its final state).
    await ctx.meta.jobs.transition(tenantId, id, 'cancelled').then(
      () => ctx.meta.jobs.appendEvent(tenantId, id, { type: 'cancelled' }),
      (e) => {
        if (!isAndonError(e) || e.code !== 'conflict') throw e;
      },
    );
  }
  return getJob(ctx, tenantId, id);
}

/** Call once at start-up, before consuming: see the restart policy at the top of this file. */
export async function recoverJobs(ctx: ServiceContext): Promise<{ resumed: string[]; failed: string[]; requeued: string[] }> {
  await ctx.queue.recover();
  const out = { resumed: [] as string[], failed: [] as string[], requeued: [] as string[] };
  for (const tenant of await ctx.meta.tenants.listAcrossTenants()) {
    const t = tenant.id;
    for (const status of ['running', 'queued'] as const) {
      for (const job of await ctx.meta.jobs.list(t, { status, limit: 1000 })) {
        const item = await ctx.queue.get(job.id);
        if (status === 'queued') {
          // Created but never enqueued (the process died in between): enqueue it now.
          if (!item) {
            await ctx.queue.enqueue(TRAINING_KIND, { jobId: job.id }, { jobId: job.id, tenantId: t });
            out.requeued.push(job.id);
          }
          continue;
        }
        if (item && item.status === 'queued') {
          const checkpoint = await hasCheckpoint(checkpointDirOf(ctx, t, job.id));
          await ctx.meta.jobs.transition(t, job.id, 'queued', { claimedBy: null, leaseExpiresAt: null });
          await ctx.meta.jobs.appendEvent(t, job.id, { type: 'recovered', data: { attempt: item.attempt + 1, fromCheckpoint: checkpoint } });
          out.resumed.push(job.id);
        } else {
          await ctx.meta.jobs.transition(t, job.id, 'failed', { error: INTERRUPTED });
          await ctx.meta.jobs.appendEvent(t, job.id, { type: 'failed', data: { error: INTERRUPTED } });
          out.failed.push(job.id);
        }
      }
    }
  }
  return out;
}

export function checkpointDirOf(ctx: ServiceContext, tenantId: string, jobId: string): string {
  return join(ctx.checkpointRoot, tenantId, jobId);
}

export function consumeTraining(ctx: ServiceContext, options: { concurrency?: number } = {}): void {
  ctx.queue.process(TRAINING_KIND, (job, { signal }) => runTrainingJob(ctx, job, signal), { concurrency: options.concurrency ?? 1 });
}

/** Progress events kept in the job log: every start/epoch/end/warning, steps at most once a second. */
const STEP_EVENT_MS = 1000;

async function runTrainingJob(ctx: ServiceContext, item: QueuedJob, signal: AbortSignal): Promise<void> {
  const t = item.tenantId,
    id = item.id,
    jobs = ctx.meta.jobs;
  const before = await jobs.get(t, id);
  if (!before || isFinal(before.status)) return;
  const job = await jobs.transition(t, id, 'running', { attempt: item.attempt, error: null });
  await jobs.appendEvent(t, id, { type: 'started', data: { attempt: item.attempt } });
  // Event writes go one after another, so the log keeps the order the worker sent them in.
  let chain: Promise<unknown> = Promise.resolve();
  const write = (f: () => Promise<unknown>) => {
    chain = chain.then(f).catch(() => {});
  };
  let lastStep = 0,
    epochs = 0;
  const onProgress = (e: ProgressEvent) => {
    if (e.type === 'step') {
      const now = Date.now();
      if (now - lastStep < STEP_EVENT_MS) return;
      lastStep = now;
    }
    if (e.type === 'start') epochs = e.epochs;
    const progress = progressOf(e, epochs);
    write(() => jobs.appendEvent(t, id, { type: e.type === 'end' ? 'training_end' : e.type, data: e }));
    if (progress) write(() => jobs.update(t, id, { progress }));
  };
  try {
    const spec = job.spec as Record<string, unknown>;
    if (!job.datasetVersionId) throw new AndonError('invalid_input', 'the job has no dataset version');
    const dv = await ctx.meta.datasets.getVersion(t, job.datasetVersionId);
    if (!dv) throw new AndonError('not_found', 'the dataset version of this job was deleted');
    const checkpointDir = checkpointDirOf(ctx, t, id);
    const checkpointKey = await checkpointKeyOf(ctx, t, id, checkpointDir);
    const work: TrainingWork = {
      bytes: await ctx.blobs.get(t, dv.blobKey),
      format: storedFormatOf(dv),
      spec: checkTrainingSpec(spec),
      checkpointDir,
      ...(checkpointKey ? { checkpointKey } : {}),
    };
    const thread = startTrainingThread(work, onProgress);
    const onAbort = () => {
      if (abortCause(signal) === 'cancelled') thread.cancel();
      else void thread.terminate();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted) onAbort();
    let result;
    try {
      result = await thread.done;
    } finally {
      signal.removeEventListener('abort', onAbort);
      await chain;
    }
    if (abortCause(signal) === 'cancelled' || result.stopped === 'cancelled') {
      await jobs.transition(t, id, 'cancelled');
      await jobs.appendEvent(t, id, { type: 'cancelled' });
      return;
    }
    if (signal.aborted) return handBack(ctx, t, id, signal);
    for (const w of result.warnings) await jobs.appendEvent(t, id, { type: 'warning', data: { ...w } });
    // Every blob first; the version row last, so no reader ever sees a half-written model.
    const bundle: Record<string, string> = {};
    for (const [name, bytes] of result.files) bundle[name] = (await ctx.blobs.put(t, bytes)).key;
    const manifest = JSON.parse(Buffer.from(result.files.get('manifest.json')!).toString('utf8')) as JsonObject;
    const model = await ctx.meta.models.ensure(t, spec.modelName as string);
    const { version } = await ctx.meta.models.addVersion(t, model.id, {
      format: 'andon',
      bundle,
      manifest: manifestSummary(manifest),
      metrics: (manifest.metrics ?? {}) as JsonObject,
      datasetVersionId: dv.id,
      jobId: id,
      createdBy: (spec.actor as string | undefined) ?? null,
    });
    await jobs.transition(t, id, 'succeeded', { resultModelVersionId: version.id, progress: { fraction: 1 } });
    // The event log is not sealed: it gets the scalar metrics only (class labels and sampled targets stay in the sealed version row).
    await jobs.appendEvent(t, id, {
      type: 'succeeded',
      data: { model: model.name, version: version.number, versionId: version.id, metrics: scalarMetrics(version.metrics) },
    });
    await rm(work.checkpointDir!, { recursive: true, force: true });
  } catch (e) {
    await chain;
    if (signal.aborted && abortCause(signal) !== 'cancelled') return handBack(ctx, t, id, signal);
    const message = e instanceof Error ? e.message : String(e);
    const code = isAndonError(e) ? e.code : 'internal';
    const ended = await jobs.transition(t, id, abortCause(signal) === 'cancelled' ? 'cancelled' : 'failed', { error: message }).catch(() => null);
    if (ended) await jobs.appendEvent(t, id, { type: ended.status, data: { error: message, code } });
    throw e;
  }
}

/** Shutdown or a lost lease: the job goes back to the queue and resumes from its checkpoint later. */
async function handBack(ctx: ServiceContext, t: string, id: string, signal: AbortSignal): Promise<void> {
  if (abortCause(signal) !== 'shutdown') return; // lease lost: another consumer owns the job now
  await ctx.meta.jobs.transition(t, id, 'queued').catch(() => {});
  await ctx.meta.jobs.appendEvent(t, id, { type: 'interrupted', data: { reason: 'shutdown' } }).catch(() => {});
}

/** The job's progress field; `fraction` counts completed epochs (early stopping may end sooner). */
function progressOf(e: ProgressEvent, epochs: number): JsonObject | null {
  const fraction = (done: number) => (epochs > 0 ? Math.min(1, done / epochs) : 0);
  if (e.type === 'start') return { epoch: e.resumedFromEpoch ?? 0, epochs: e.epochs, fraction: fraction(e.resumedFromEpoch ?? 0) };
  if (e.type === 'epoch')
    return { epoch: e.epoch, epochs, fraction: fraction(e.epoch), trainLoss: e.trainLoss, validationLoss: e.validationLoss ?? null, etaSeconds: e.etaSeconds };
  if (e.type === 'step') return { epoch: e.epoch, epochs, step: e.step, loss: e.loss, etaSeconds: e.etaSeconds };
  return null;
}

function scalarMetrics(m: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number'));
}

/** What the registry keeps in its row: everything but the bulky fitted pipeline and weights layout (they stay in the bundle blob). */
function manifestSummary(m: JsonObject): JsonObject {
  const { pipeline: _p, spec: _s, files: _f, ...rest } = m;
  return rest;
}
