// Training jobs (the state machine in ../status.ts) and their append-only event log.
import { AndonError } from '../../../errors.js';
import { checkId, newId } from '../../ids.js';
import type { JobEvent, JobStatus, JsonObject, TrainingJob } from '../entities.js';
import { fromJson, limitOf, notFound, nowIso, num, offsetOf, requireText, str, strOrNull, toJson, type Row, type Sql } from '../sql.js';
import { checkStatus } from '../status.js';
import type { JobPatch, ListOptions, TrainingJobRepository } from '../types.js';
import { isoOrNull, nonNegativeInt, requireTenant, takenOr, tid } from './common.js';
import { transitionRow, updateActiveRow, type Columns } from './transition.js';

const jobOf = (r: Row): TrainingJob => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  datasetVersionId: strOrNull(r.dataset_version_id),
  spec: fromJson<JsonObject>(r.spec, {}),
  status: str(r.status) as JobStatus,
  progress: fromJson(r.progress, null),
  error: strOrNull(r.error),
  checkpointBlobKey: strOrNull(r.checkpoint_blob_key),
  resultModelVersionId: strOrNull(r.result_model_version_id),
  attempt: num(r.attempt),
  claimedBy: strOrNull(r.claimed_by),
  leaseExpiresAt: strOrNull(r.lease_expires_at),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
  startedAt: strOrNull(r.started_at),
  finishedAt: strOrNull(r.finished_at),
});

const eventOf = (r: Row): JobEvent => ({
  tenantId: str(r.tenant_id),
  jobId: str(r.job_id),
  seq: num(r.seq),
  type: str(r.type),
  data: fromJson(r.data, null),
  at: str(r.at),
});

function columns(patch: JobPatch): Columns {
  return {
    progress: patch.progress === undefined ? undefined : toJson(patch.progress),
    error: patch.error,
    checkpoint_blob_key: patch.checkpointBlobKey,
    result_model_version_id: patch.resultModelVersionId,
    attempt: patch.attempt === undefined ? undefined : nonNegativeInt(patch.attempt, 'attempt'),
    claimed_by: patch.claimedBy,
    lease_expires_at: patch.leaseExpiresAt === undefined ? undefined : isoOrNull(patch.leaseExpiresAt, 'leaseExpiresAt'),
  };
}

export class JobRepo implements TrainingJobRepository {
  constructor(private readonly sql: Sql) {}

  async create(tenantId: string, input: { id?: string; datasetVersionId?: string | null; spec: JsonObject }): Promise<TrainingJob> {
    await requireTenant(this.sql, tenantId);
    const id = input.id === undefined ? newId('job') : checkId(input.id, 'job id');
    if (typeof input.spec !== 'object' || input.spec === null || Array.isArray(input.spec)) {
      throw new AndonError('invalid_input', 'a training job needs a spec object', {});
    }
    const dsv = input.datasetVersionId ?? null;
    if (dsv !== null && !(await this.sql.get('SELECT id FROM dataset_versions WHERE tenant_id = ? AND id = ?', [tenantId, dsv]))) {
      throw notFound('dataset version', dsv);
    }
    const now = nowIso();
    const row = await this.sql
      .get(
        `INSERT INTO training_jobs (id, tenant_id, dataset_version_id, spec, status, attempt, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'queued', 0, ?, ?) RETURNING *`,
        [id, tenantId, dsv, JSON.stringify(input.spec), now, now],
      )
      .catch((e) => {
        throw takenOr(e, `training job ${id}`, { id });
      });
    return jobOf(row!);
  }

  async get(tenantId: string, id: string): Promise<TrainingJob | null> {
    const row = await this.sql.get('SELECT * FROM training_jobs WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
    return row ? jobOf(row) : null;
  }

  async list(tenantId: string, options: ListOptions & { status?: JobStatus } = {}): Promise<TrainingJob[]> {
    const status = options.status === undefined ? null : checkStatus(options.status);
    const rows = await this.sql.all(
      `SELECT * FROM training_jobs WHERE tenant_id = ?${status ? ' AND status = ?' : ''}
       ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      [tid(tenantId), ...(status ? [status] : []), limitOf(options.limit), offsetOf(options.offset)],
    );
    return rows.map(jobOf);
  }

  async transition(tenantId: string, id: string, to: JobStatus, patch: JobPatch = {}): Promise<TrainingJob> {
    return jobOf(await transitionRow(this.sql, 'training_jobs', 'training job', tenantId, id, to, columns(patch)));
  }

  async update(tenantId: string, id: string, patch: JobPatch): Promise<TrainingJob> {
    return jobOf(await updateActiveRow(this.sql, 'training_jobs', 'training job', tenantId, id, columns(patch)));
  }

  async appendEvent(tenantId: string, jobId: string, event: { type: string; data?: unknown }): Promise<JobEvent> {
    tid(tenantId);
    const type = requireText(event.type, 'event type', 64);
    const data = toJson(event.data ?? null);
    for (let round = 0; round < 10; round++) {
      const row = await this.sql.transaction(async (tx) => {
        if (!(await tx.get('SELECT id FROM training_jobs WHERE tenant_id = ? AND id = ?', [tenantId, jobId]))) {
          throw notFound('training job', jobId);
        }
        const max = await tx.get<{ n: unknown }>('SELECT MAX(seq) AS n FROM job_events WHERE job_id = ?', [jobId]);
        return tx.get(
          `INSERT INTO job_events (tenant_id, job_id, seq, type, data, at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING *`,
          [tenantId, jobId, num(max?.n ?? 0) + 1, type, data, nowIso()],
        );
      });
      if (row) return eventOf(row);
    }
    throw new AndonError('conflict', `too many concurrent writers on the events of job ${jobId}; try again`, { jobId });
  }

  async listEvents(tenantId: string, jobId: string, afterSeq = 0, limit?: number): Promise<JobEvent[]> {
    const rows = await this.sql.all('SELECT * FROM job_events WHERE tenant_id = ? AND job_id = ? AND seq > ? ORDER BY seq LIMIT ?', [
      tid(tenantId),
      jobId,
      afterSeq,
      limitOf(limit, 1000, 10000),
    ]);
    return rows.map(eventOf);
  }
}
