// Batch prediction jobs: an input blob in, an output blob out, with the job state machine and row counts.
import { AndonError } from '../../../errors.js';
import { checkId, newId } from '../../ids.js';
import type { BatchJob, JobStatus, JsonObject } from '../entities.js';
import { fromJson, limitOf, nowIso, num, numOrNull, offsetOf, requireText, str, strOrNull, type Row, type Sql } from '../sql.js';
import { checkStatus } from '../status.js';
import type { BatchJobRepository, ListOptions } from '../types.js';
import { nonNegativeInt, requireTenant, takenOr, tid } from './common.js';
import { transitionRow, updateActiveRow } from './transition.js';

const batchOf = (r: Row): BatchJob => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  deploymentId: strOrNull(r.deployment_id),
  modelVersionId: strOrNull(r.model_version_id),
  inputBlobKey: str(r.input_blob_key),
  outputBlobKey: strOrNull(r.output_blob_key),
  status: str(r.status) as JobStatus,
  rowsTotal: numOrNull(r.rows_total),
  rowsDone: num(r.rows_done),
  rowsFailed: num(r.rows_failed),
  error: strOrNull(r.error),
  options: fromJson<JsonObject>(r.options, {}),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
  startedAt: strOrNull(r.started_at),
  finishedAt: strOrNull(r.finished_at),
});

export class BatchJobRepo implements BatchJobRepository {
  constructor(private readonly sql: Sql) {}

  async create(
    tenantId: string,
    input: { id?: string; deploymentId?: string | null; modelVersionId?: string | null; inputBlobKey: string; options?: JsonObject },
  ): Promise<BatchJob> {
    await requireTenant(this.sql, tenantId);
    const id = input.id === undefined ? newId('batchJob') : checkId(input.id, 'batch job id');
    if (input.options !== undefined && (typeof input.options !== 'object' || input.options === null || Array.isArray(input.options))) {
      throw new AndonError('invalid_input', 'batch job options must be an object', {});
    }
    const now = nowIso();
    const row = await this.sql
      .get(
        `INSERT INTO batch_jobs (id, tenant_id, deployment_id, model_version_id, input_blob_key, status, options, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'queued', ?, ?, ?) RETURNING *`,
        [
          id,
          tenantId,
          input.deploymentId ?? null,
          input.modelVersionId ?? null,
          requireText(input.inputBlobKey, 'inputBlobKey', 512),
          JSON.stringify(input.options ?? {}),
          now,
          now,
        ],
      )
      .catch((e) => {
        throw takenOr(e, `batch job ${id}`, { id });
      });
    return batchOf(row!);
  }

  async get(tenantId: string, id: string): Promise<BatchJob | null> {
    const row = await this.sql.get('SELECT * FROM batch_jobs WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
    return row ? batchOf(row) : null;
  }

  async list(tenantId: string, options: ListOptions & { status?: JobStatus } = {}): Promise<BatchJob[]> {
    const status = options.status === undefined ? null : checkStatus(options.status);
    const rows = await this.sql.all(
      `SELECT * FROM batch_jobs WHERE tenant_id = ?${status ? ' AND status = ?' : ''} ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?`,
      [tid(tenantId), ...(status ? [status] : []), limitOf(options.limit), offsetOf(options.offset)],
    );
    return rows.map(batchOf);
  }

  async transition(
    tenantId: string,
    id: string,
    to: JobStatus,
    patch: { error?: string | null; outputBlobKey?: string | null; modelVersionId?: string | null } = {},
  ): Promise<BatchJob> {
    return batchOf(
      await transitionRow(this.sql, 'batch_jobs', 'batch job', tenantId, id, to, {
        error: patch.error,
        output_blob_key: patch.outputBlobKey,
        model_version_id: patch.modelVersionId,
      }),
    );
  }

  async updateCounts(tenantId: string, id: string, counts: { rowsTotal?: number; rowsDone?: number; rowsFailed?: number }): Promise<BatchJob> {
    const n = (v: number | undefined, f: string) => (v === undefined ? undefined : nonNegativeInt(v, f));
    return batchOf(
      await updateActiveRow(this.sql, 'batch_jobs', 'batch job', tenantId, id, {
        rows_total: n(counts.rowsTotal, 'rowsTotal'),
        rows_done: n(counts.rowsDone, 'rowsDone'),
        rows_failed: n(counts.rowsFailed, 'rowsFailed'),
      }),
    );
  }
}
