// The append-only audit log: one sequence per tenant; the hash chain is computed by the caller's sealer.
import { AndonError } from '../../../errors.js';
import { newId } from '../../ids.js';
import type { AuditEvent, JsonObject } from '../entities.js';
import { fromJson, limitOf, num, requireText, str, strOrNull, type Row, type Sql } from '../sql.js';
import type { AuditRepository, AuditSealer, NewAuditEvent } from '../types.js';
import { isoOrNull, requireTenant, tid } from './common.js';

const eventOf = (r: Row): AuditEvent => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  seq: num(r.seq),
  actor: str(r.actor),
  action: str(r.action),
  objectType: strOrNull(r.object_type),
  objectId: strOrNull(r.object_id),
  address: strOrNull(r.address),
  details: fromJson<JsonObject>(r.details, {}),
  at: str(r.at),
  prevHash: strOrNull(r.prev_hash),
  hash: strOrNull(r.hash),
});

const defaultSeal: AuditSealer = (prev) => ({ prevHash: prev?.hash ?? null, hash: null });

export class AuditRepo implements AuditRepository {
  constructor(private readonly sql: Sql) {}

  async append(tenantId: string, input: NewAuditEvent, seal: AuditSealer = defaultSeal): Promise<AuditEvent> {
    await requireTenant(this.sql, tenantId);
    const base = {
      actor: requireText(input.actor, 'actor', 256),
      action: requireText(input.action, 'action', 128),
      objectType: input.objectType ?? null,
      objectId: input.objectId ?? null,
      address: input.address ?? null,
      // A round trip through JSON, so the sealer hashes exactly what will be read back.
      details: JSON.parse(JSON.stringify(input.details ?? {})) as JsonObject,
      at: isoOrNull(input.at, 'at') ?? new Date().toISOString(),
    };
    for (let round = 0; round < 10; round++) {
      const row = await this.sql.transaction(async (tx) => {
        const prevRow = await tx.get('SELECT * FROM audit_events WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1', [tenantId]);
        const prev = prevRow ? eventOf(prevRow) : null;
        const next = { id: newId('audit'), tenantId, seq: (prev?.seq ?? 0) + 1, ...base };
        const { prevHash, hash } = seal(prev, next);
        return tx.get(
          `INSERT INTO audit_events (id, tenant_id, seq, actor, action, object_type, object_id, address, details, at, prev_hash, hash)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
          [
            next.id,
            tenantId,
            next.seq,
            next.actor,
            next.action,
            next.objectType,
            next.objectId,
            next.address,
            JSON.stringify(next.details),
            next.at,
            prevHash,
            hash,
          ],
        );
      });
      if (row) return eventOf(row);
    }
    throw new AndonError('conflict', 'too many concurrent writers on the audit log; try again', { tenantId });
  }

  async list(
    tenantId: string,
    options: { afterSeq?: number; limit?: number; objectType?: string; objectId?: string; action?: string } = {},
  ): Promise<AuditEvent[]> {
    const where = ['tenant_id = ?', 'seq > ?'];
    const params: (string | number)[] = [tid(tenantId), options.afterSeq ?? 0];
    for (const [col, v] of [
      ['object_type', options.objectType],
      ['object_id', options.objectId],
      ['action', options.action],
    ] as const) {
      if (v !== undefined) {
        where.push(`${col} = ?`);
        params.push(v);
      }
    }
    const rows = await this.sql.all(`SELECT * FROM audit_events WHERE ${where.join(' AND ')} ORDER BY seq LIMIT ?`, [
      ...params,
      limitOf(options.limit, 1000, 10000),
    ]);
    return rows.map(eventOf);
  }

  async last(tenantId: string): Promise<AuditEvent | null> {
    const row = await this.sql.get('SELECT * FROM audit_events WHERE tenant_id = ? ORDER BY seq DESC LIMIT 1', [tid(tenantId)]);
    return row ? eventOf(row) : null;
  }
}
