// Persistence of the local job queue. Claims are compare-and-set updates, so several consumers (or
// processes sharing one database) never run the same item at once; a lease that is not renewed in
// time lets another consumer take the item over.
import { AndonError } from '../../../errors.js';
import { checkId } from '../../ids.js';
import type { JsonObject, QueueItem, QueueItemStatus } from '../entities.js';
import { fromJson, isConstraint, notFound, nowIso, num, requireText, str, strOrNull, type Row, type Sql } from '../sql.js';
import type { QueueRepository } from '../types.js';

const itemOf = (r: Row): QueueItem => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  kind: str(r.kind),
  payload: fromJson<JsonObject>(r.payload, {}),
  status: str(r.status) as QueueItemStatus,
  attempt: num(r.attempt),
  claimedBy: strOrNull(r.claimed_by),
  leaseExpiresAt: strOrNull(r.lease_expires_at),
  cancelRequested: num(r.cancel_requested) !== 0,
  error: strOrNull(r.error),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

// Items a consumer may take: queued ones, and running ones whose holder let the lease expire.
const CLAIMABLE = `kind = ? AND cancel_requested = 0
  AND (status = 'queued' OR (status = 'running' AND lease_expires_at < ? AND (claimed_by IS NULL OR claimed_by <> ?)))`;

export class QueueRepo implements QueueRepository {
  constructor(private readonly sql: Sql) {}

  async enqueue(item: { id: string; tenantId: string; kind: string; payload: JsonObject }): Promise<{ item: QueueItem; created: boolean }> {
    checkId(item.id, 'jobId');
    checkId(item.tenantId, 'tenantId');
    requireText(item.kind, 'kind', 64);
    const now = nowIso();
    const row = await this.sql
      .get(
        `INSERT INTO queue_items (id, tenant_id, kind, payload, status, attempt, cancel_requested, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'queued', 0, 0, ?, ?) ON CONFLICT (id) DO NOTHING RETURNING *`,
        [item.id, item.tenantId, item.kind, JSON.stringify(item.payload ?? {}), now, now],
      )
      .catch((e) => {
        throw isConstraint(e, 'foreign_key') ? notFound('tenant', item.tenantId) : e;
      });
    if (row) return { item: itemOf(row), created: true };
    const existing = await this.get(item.id);
    if (!existing) throw new AndonError('conflict', `queue item ${item.id} vanished while being enqueued`, { id: item.id });
    if (existing.kind !== item.kind || existing.tenantId !== item.tenantId) {
      throw new AndonError('conflict', `job ${item.id} is already queued as another kind or tenant`, { id: item.id });
    }
    return { item: existing, created: false };
  }

  async get(id: string): Promise<QueueItem | null> {
    const row = await this.sql.get('SELECT * FROM queue_items WHERE id = ?', [id]);
    return row ? itemOf(row) : null;
  }

  async claim(kind: string, workerId: string, leaseExpiresAt: string): Promise<QueueItem | null> {
    for (let round = 0; round < 10; round++) {
      const now = nowIso();
      const candidate = await this.sql.get(`SELECT id FROM queue_items WHERE ${CLAIMABLE} ORDER BY created_at, id LIMIT 1`, [kind, now, workerId]);
      if (!candidate) return null;
      const row = await this.sql.get(
        `UPDATE queue_items SET status = 'running', claimed_by = ?, lease_expires_at = ?, attempt = attempt + 1, updated_at = ?
         WHERE id = ? AND ${CLAIMABLE} RETURNING *`,
        [workerId, leaseExpiresAt, now, str(candidate.id), kind, now, workerId],
      );
      if (row) return itemOf(row);
    }
    return null;
  }

  async renew(id: string, workerId: string, leaseExpiresAt: string): Promise<QueueItem | null> {
    const row = await this.sql.get(
      `UPDATE queue_items SET lease_expires_at = ?, updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'running' RETURNING *`,
      [leaseExpiresAt, nowIso(), id, workerId],
    );
    return row ? itemOf(row) : null;
  }

  async finish(id: string, workerId: string, status: Exclude<QueueItemStatus, 'queued' | 'running'>, error: string | null = null): Promise<boolean> {
    if (!['succeeded', 'failed', 'cancelled'].includes(status)) throw new AndonError('invalid_input', `cannot finish with status ${status}`, { status });
    const n = await this.sql.run(
      `UPDATE queue_items SET status = ?, error = ?, lease_expires_at = NULL, updated_at = ? WHERE id = ? AND claimed_by = ? AND status = 'running'`,
      [status, error, nowIso(), id, workerId],
    );
    return n > 0;
  }

  async release(id: string, workerId: string): Promise<boolean> {
    const n = await this.sql.run(
      `UPDATE queue_items SET status = 'queued', claimed_by = NULL, lease_expires_at = NULL, updated_at = ?
       WHERE id = ? AND claimed_by = ? AND status = 'running'`,
      [nowIso(), id, workerId],
    );
    return n > 0;
  }

  async requestCancel(id: string): Promise<QueueItem | null> {
    return this.sql.transaction(async (tx) => {
      const now = nowIso();
      await tx.run(`UPDATE queue_items SET status = 'cancelled', updated_at = ? WHERE id = ? AND status = 'queued'`, [now, id]);
      await tx.run(`UPDATE queue_items SET cancel_requested = 1, updated_at = ? WHERE id = ? AND status = 'running'`, [now, id]);
      const row = await tx.get('SELECT * FROM queue_items WHERE id = ?', [id]);
      return row ? itemOf(row) : null;
    });
  }

  async requeueRunning(workerId: string, options: { onlyExpired: boolean; kinds?: string[] }): Promise<QueueItem[]> {
    const where = [`status = 'running'`, '(claimed_by IS NULL OR claimed_by <> ?)'];
    const params: string[] = [workerId];
    if (options.onlyExpired) {
      where.push('lease_expires_at < ?');
      params.push(nowIso());
    }
    if (options.kinds) {
      if (options.kinds.length === 0) return [];
      where.push(`kind IN (${options.kinds.map(() => '?').join(', ')})`);
      params.push(...options.kinds);
    }
    return this.sql.transaction(async (tx) => {
      const now = nowIso();
      // A cancel asked of a worker that died is honoured now instead of running the job again.
      await tx.run(
        `UPDATE queue_items SET status = 'cancelled', lease_expires_at = NULL, updated_at = ? WHERE ${where.join(' AND ')} AND cancel_requested = 1`,
        [now, ...params],
      );
      const rows = await tx.all(
        `UPDATE queue_items SET status = 'queued', claimed_by = NULL, lease_expires_at = NULL, updated_at = ?
         WHERE ${where.join(' AND ')} RETURNING *`,
        [now, ...params],
      );
      return rows.map(itemOf).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
    });
  }

  async counts(): Promise<Array<{ kind: string; status: QueueItemStatus; count: number }>> {
    const rows = await this.sql.all('SELECT kind, status, COUNT(*) AS n FROM queue_items GROUP BY kind, status ORDER BY kind, status');
    return rows.map((r) => ({ kind: str(r.kind), status: str(r.status) as QueueItemStatus, count: num(r.n) }));
  }
}
