// Sampled prediction inputs and outputs for monitoring, with a retention query.
import { AndonError } from '../../../errors.js';
import { newId } from '../../ids.js';
import type { PredictionLog } from '../entities.js';
import { fromJson, limitOf, num, requireText, str, toJson, type Row, type Sql } from '../sql.js';
import type { NewPredictionLog, PredictionLogRepository } from '../types.js';
import { isoOrNull, nonNegativeInt, requireTenant, tid } from './common.js';

const logOf = (r: Row): PredictionLog => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  deploymentId: str(r.deployment_id),
  modelVersionId: str(r.model_version_id),
  inputs: fromJson(r.inputs, null),
  outputs: fromJson(r.outputs, null),
  latencyMs: num(r.latency_ms),
  at: str(r.at),
});

export class PredictionLogRepo implements PredictionLogRepository {
  constructor(private readonly sql: Sql) {}

  async append(tenantId: string, entries: NewPredictionLog[]): Promise<void> {
    if (entries.length === 0) return;
    await requireTenant(this.sql, tenantId);
    const rows = entries.map((e) => {
      if (typeof e.latencyMs !== 'number' || !Number.isFinite(e.latencyMs) || e.latencyMs < 0) {
        throw new AndonError('invalid_input', 'latencyMs must be a non-negative number', { latencyMs: e.latencyMs });
      }
      return [
        newId('predictionLog'),
        tenantId,
        requireText(e.deploymentId, 'deploymentId'),
        requireText(e.modelVersionId, 'modelVersionId'),
        toJson(e.inputs ?? null),
        toJson(e.outputs ?? null),
        e.latencyMs,
        isoOrNull(e.at, 'at') ?? new Date().toISOString(),
      ];
    });
    await this.sql.transaction(async (tx) => {
      for (const r of rows) {
        await tx.run(
          `INSERT INTO prediction_logs (id, tenant_id, deployment_id, model_version_id, inputs, outputs, latency_ms, at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
          r,
        );
      }
    });
  }

  async list(tenantId: string, options: { deploymentId?: string; since?: string; until?: string; limit?: number } = {}): Promise<PredictionLog[]> {
    const where = ['tenant_id = ?'];
    const params: (string | number)[] = [tid(tenantId)];
    if (options.deploymentId !== undefined) {
      where.push('deployment_id = ?');
      params.push(options.deploymentId);
    }
    const since = isoOrNull(options.since, 'since');
    const until = isoOrNull(options.until, 'until');
    if (since !== null) {
      where.push('at >= ?');
      params.push(since);
    }
    if (until !== null) {
      where.push('at < ?');
      params.push(until);
    }
    const rows = await this.sql.all(`SELECT * FROM prediction_logs WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT ?`, [
      ...params,
      limitOf(options.limit, 100, 10000),
    ]);
    return rows.map(logOf);
  }

  async prune(tenantId: string, options: { before?: string; keep?: number }): Promise<number> {
    tid(tenantId);
    const before = isoOrNull(options.before, 'before');
    const keep = options.keep === undefined ? null : nonNegativeInt(options.keep, 'keep');
    return this.sql.transaction(async (tx) => {
      let deleted = 0;
      if (before !== null) deleted += await tx.run('DELETE FROM prediction_logs WHERE tenant_id = ? AND at < ?', [tenantId, before]);
      if (keep !== null) {
        deleted += await tx.run(
          `DELETE FROM prediction_logs WHERE tenant_id = ? AND id IN (
             SELECT id FROM (
               SELECT id, ROW_NUMBER() OVER (PARTITION BY deployment_id ORDER BY at DESC, id DESC) AS rn
               FROM prediction_logs WHERE tenant_id = ?
             ) ranked WHERE rn > ?)`,
          [tenantId, tenantId, keep],
        );
      }
      return deleted;
    });
  }
}
