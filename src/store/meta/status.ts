// The life of a training or batch job: which status changes are legal. Final states never change.
import { AndonError } from '../../errors.js';
import type { JobStatus } from './entities.js';

export const JOB_STATUSES: readonly JobStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

// running → queued: a job whose worker is gone goes back to the queue to resume from its checkpoint.
// running → running: a new worker takes over the same run (new attempt, new lease).
// queued → failed: a job that cannot start (its data was deleted, recovery gave up) fails with a reason.
const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['running', 'queued', 'succeeded', 'failed', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function isFinal(status: JobStatus): boolean {
  return NEXT[status].length === 0;
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return NEXT[from].includes(to);
}

export function checkStatus(status: unknown): JobStatus {
  if (!JOB_STATUSES.includes(status as JobStatus)) {
    throw new AndonError('invalid_input', `unknown job status ${String(status)}`, { status, allowed: JOB_STATUSES });
  }
  return status as JobStatus;
}

export function assertTransition(what: string, id: string, from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) {
    throw new AndonError('conflict', `${what} ${id} is ${from} and cannot become ${to}`, { id, from, to });
  }
}
