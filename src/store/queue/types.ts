// The JobQueue interface: durable background jobs (training, batch prediction) by kind. Implementations:
// ./local.ts (in-process consumers over the MetaStore); BullMQ on Redis comes later with the same contract.
import type { JsonObject } from '../meta/entities.js';

export interface QueuedJob {
  /** The id given at enqueue: the training or batch job's id. */
  id: string;
  tenantId: string;
  kind: string;
  payload: JsonObject;
  /**
   * 1 on the first run; more when the job was handed back after its consumer died, was shut down or
   * lost its lease: the handler should resume from its checkpoint, or fail the job with the reason.
   */
  attempt: number;
}

/** Why a handler's signal fired: the job was cancelled, the queue is closing, or another consumer took the job over. */
export type AbortCause = 'cancelled' | 'shutdown' | 'lease_lost';

/** The `reason` of an aborted handler signal. */
export class JobAborted extends Error {
  override name = 'JobAborted';
  constructor(readonly why: AbortCause) {
    super(`job aborted: ${why}`);
  }
}

/** Why the signal fired, or undefined while it has not. */
export function abortCause(signal: AbortSignal): AbortCause | undefined {
  return signal.aborted && signal.reason instanceof JobAborted ? signal.reason.why : undefined;
}

export interface JobContext {
  /** Aborted with a JobAborted reason; the handler should stop soon and return or throw. */
  signal: AbortSignal;
}

/**
 * Runs one job. Resolving marks it succeeded, throwing marks it failed, unless the signal fired: then
 * it is cancelled (cause `cancelled`) or handed back to the queue for a later attempt (`shutdown`,
 * `lease_lost`). Handlers must be async and must not block the event loop for long (heavy work goes to
 * worker threads), or the lease cannot be renewed.
 */
export type JobHandler = (job: QueuedJob, context: JobContext) => Promise<void>;

export type QueueJobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface QueueJobState {
  id: string;
  tenantId: string;
  kind: string;
  status: QueueJobStatus;
  attempt: number;
  error: string | null;
  cancelRequested: boolean;
}

/**
 * - `cancelled`: it was queued and will not run;
 * - `signalled`: it is running: its handler's signal is (or, on another consumer, will be) aborted;
 * - `finished`: it had already ended; `not_found`: no such job.
 */
export type CancelResult = 'cancelled' | 'signalled' | 'finished' | 'not_found';

export interface RecoveredJob {
  id: string;
  tenantId: string;
  kind: string;
  /** The attempt number its handler will see when it runs again. */
  attempt: number;
}

export interface JobQueue {
  /** Adds a job; enqueueing the same jobId again is a no-op (`created: false`). */
  enqueue(kind: string, payload: JsonObject, options: { jobId: string; tenantId: string }): Promise<{ jobId: string; created: boolean }>;
  /** Starts consuming a kind with up to `concurrency` handlers at once (default 1). One registration per kind. */
  process(kind: string, handler: JobHandler, options?: { concurrency?: number }): void;
  cancel(jobId: string): Promise<CancelResult>;
  /**
   * Call once at start, before `process`: jobs found running whose consumer is gone go back to the
   * queue and are returned, each with the attempt it will run as (previous + 1). The local queue owns
   * its database, so every running job counts as abandoned; a distributed queue only takes over jobs
   * whose lease has expired. Cancels asked of a dead consumer are completed instead.
   */
  recover(): Promise<RecoveredJob[]>;
  get(jobId: string): Promise<QueueJobState | null>;
  /** Number of jobs per kind and status (for metrics: queue depth, jobs by state). */
  counts(): Promise<Array<{ kind: string; status: QueueJobStatus; count: number }>>;
  /**
   * Stops taking jobs, aborts running handlers with cause `shutdown`, waits for them to settle and hands
   * their jobs back to the queue (they run again, as a new attempt, after a restart).
   */
  close(): Promise<void>;
}
