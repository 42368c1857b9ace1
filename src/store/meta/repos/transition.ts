// Status changes and field updates of job-like rows (training jobs, batch jobs), as compare-and-set
// updates: the UPDATE only matches the status that was checked, so two racing writers cannot both win.
import { AndonError } from '../../../errors.js';
import type { JobStatus } from '../entities.js';
import { notFound, nowIso, str, type Row, type Sql, type SqlValue } from '../sql.js';
import { assertTransition, checkStatus, isFinal } from '../status.js';
import { tid } from './common.js';

export type Columns = Record<string, SqlValue>;

function setClause(cols: Columns): { sql: string; params: SqlValue[] } {
  const names = Object.keys(cols).filter((k) => cols[k] !== undefined);
  return { sql: names.map((k) => `${k} = ?`).join(', '), params: names.map((k) => cols[k]) };
}

export async function transitionRow(sql: Sql, table: string, what: string, tenantId: string, id: string, to: JobStatus, cols: Columns): Promise<Row> {
  checkStatus(to);
  const current = await sql.get('SELECT status FROM ' + table + ' WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
  if (!current) throw notFound(what, id);
  const from = str(current.status) as JobStatus;
  assertTransition(what, id, from, to);
  const now = nowIso();
  const set = setClause({ ...cols, status: to, updated_at: now, finished_at: isFinal(to) ? now : undefined });
  // started_at keeps the first start: a resumed job still says when it began.
  const started = to === 'running' ? ', started_at = COALESCE(started_at, ?)' : '';
  const row = await sql.get(`UPDATE ${table} SET ${set.sql}${started} WHERE tenant_id = ? AND id = ? AND status = ? RETURNING *`, [
    ...set.params,
    ...(to === 'running' ? [now] : []),
    tenantId,
    id,
    from,
  ]);
  if (!row) {
    throw new AndonError('conflict', `${what} ${id} changed while it was being moved from ${from} to ${to}; read it again`, { id, from, to });
  }
  return row;
}

/** Updates fields of a row that is not final yet; not_found or conflict otherwise. */
export async function updateActiveRow(sql: Sql, table: string, what: string, tenantId: string, id: string, cols: Columns): Promise<Row> {
  const set = setClause({ ...cols, updated_at: nowIso() });
  const row = await sql.get(`UPDATE ${table} SET ${set.sql} WHERE tenant_id = ? AND id = ? AND status IN ('queued', 'running') RETURNING *`, [
    ...set.params,
    tid(tenantId),
    id,
  ]);
  if (row) return row;
  const current = await sql.get('SELECT status FROM ' + table + ' WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  if (!current) throw notFound(what, id);
  throw new AndonError('conflict', `${what} ${id} is ${str(current.status)} and can no longer change`, { id, status: current.status });
}
