// Sealed JSON cells: a value derived from tenant data is stored as {"sealed": "<base64>"} (the form prediction logs use), sealed and opened by the ValueSealer the store was given.
import { AndonError } from '../../../errors.js';
import { num, str, type Row, type Sql } from '../sql.js';
import type { ValueSealer } from '../types.js';

/** The sealer shared by the repositories that seal; set after opening, because the keys it uses live in the store. */
export class SealerSlot {
  sealer: ValueSealer | null = null;
}

/** Every sealed cell starts so (JSON.stringify of { sealed: string }); a clear one never does. */
const SEALED_PREFIX = '{"sealed":"';

function sealedOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const keys = Object.keys(value);
  const sealed = (value as { sealed?: unknown }).sealed;
  return keys.length === 1 && typeof sealed === 'string' ? sealed : null;
}

/** A cell's text: undefined stays SQL NULL and null stays `null` (nothing to hide); anything else is sealed when a sealer is set. */
export async function sealCell(slot: SealerSlot, tenantId: string, value: unknown, context: string): Promise<string | null> {
  if (value === undefined) return null;
  if (value === null || !slot.sealer) return JSON.stringify(value);
  return JSON.stringify({ sealed: await slot.sealer.sealValue(tenantId, value, context) });
}

/** A cell's value: opened when sealed (an altered or moved cell is an integrity_error), parsed as it is when written in clear. */
export async function openCell(slot: SealerSlot, tenantId: string, cell: unknown, context: string, fallback: unknown): Promise<unknown> {
  if (cell === null || cell === undefined) return fallback;
  const value = JSON.parse(String(cell)) as unknown;
  const sealed = sealedOf(value);
  if (sealed === null) return value;
  if (!slot.sealer) {
    throw new AndonError('unavailable', 'this value is sealed under the tenant key, and the metadata store was opened without keys', { context });
  }
  return slot.sealer.openValue(tenantId, sealed, context);
}

/** What a repository tells sealClearCells about its table: the JSON columns to seal and each one's sealing context. */
export interface SealedTable {
  table: string;
  /** [field name in the context, column] pairs. */
  columns: readonly (readonly [string, string])[];
  context: (rowId: string, field: string) => string;
}

/**
 * Seals the cells of `t` still held in clear, a page of rows at a time (keyset by id, so a row that cannot be sealed
 * is passed over, not retried forever). Each update applies only if the row is unchanged since it was read.
 */
export async function sealClearCells(sql: Sql, slot: SealerSlot, t: SealedTable): Promise<number> {
  if (!slot.sealer) return 0;
  const clear = t.columns.map(([, c]) => `(${c} IS NOT NULL AND ${c} <> 'null' AND ${c} NOT LIKE ?)`).join(' OR ');
  let after = '',
    changed = 0;
  for (;;) {
    const rows = await sql.all(`SELECT * FROM ${t.table} WHERE id > ? AND (${clear}) ORDER BY id LIMIT 100`, [
      after,
      ...t.columns.map(() => `${SEALED_PREFIX}%`),
    ]);
    if (rows.length === 0) return changed;
    for (const r of rows) {
      after = str(r.id);
      changed += await sealRow(sql, slot, t, r);
    }
  }
}

async function sealRow(sql: Sql, slot: SealerSlot, t: SealedTable, r: Row): Promise<number> {
  const id = str(r.id),
    tenantId = str(r.tenant_id);
  const sets: string[] = [],
    guards: string[] = [],
    setParams: string[] = [],
    guardParams: string[] = [];
  for (const [field, column] of t.columns) {
    const cell = r[column];
    if (cell === null || cell === undefined || String(cell).startsWith(SEALED_PREFIX)) continue;
    let value: unknown;
    try {
      value = JSON.parse(String(cell));
    } catch {
      continue;
    } // not JSON: reading it fails loudly already; nothing to seal
    if (value === null) continue;
    sets.push(`${column} = ?`);
    setParams.push((await sealCell(slot, tenantId, value, t.context(id, field)))!);
    guards.push(`${column} = ?`);
    guardParams.push(String(cell));
  }
  if (sets.length === 0) return 0;
  return num(await sql.run(`UPDATE ${t.table} SET ${sets.join(', ')} WHERE id = ? AND ${guards.join(' AND ')}`, [...setParams, id, ...guardParams]));
}
