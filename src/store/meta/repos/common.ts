// Helpers the SQL repositories share: tenant checks and the translation of reference errors.
import { AndonError } from '../../../errors.js';
import { checkId } from '../../ids.js';
import { isConstraint, notFound, type Sql } from '../sql.js';

/** Tenant ids are validated everywhere they enter, so a malformed one is an error and not an empty result. */
export function tid(tenantId: unknown): string {
  return checkId(tenantId, 'tenantId');
}

/** Throws not_found when the tenant does not exist (used before writes, for a clear message). */
export async function requireTenant(sql: Sql, tenantId: string): Promise<void> {
  const row = await sql.get('SELECT id FROM tenants WHERE id = ?', [tid(tenantId)]);
  if (!row) throw notFound('tenant', tenantId);
}

/** A unique-constraint error from a create → conflict naming what is taken. */
export function takenOr(e: unknown, what: string, details: Record<string, unknown>): unknown {
  if (isConstraint(e, 'unique')) return new AndonError('conflict', `${what} already exists`, details);
  return e;
}

/** A foreign-key error on delete → conflict: something still refers to the record. */
export function referencedOr(e: unknown, what: string, id: string): unknown {
  if (isConstraint(e, 'foreign_key')) {
    return new AndonError('conflict', `${what} ${id} is still referenced (by jobs, model versions or deployments)`, { id });
  }
  return e;
}

export function stringArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new AndonError('invalid_input', `${field} must be an array of strings`, { field });
  }
  return value as string[];
}

export function nonNegativeInt(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new AndonError('invalid_input', `${field} must be a non-negative integer`, { field, value });
  }
  return value;
}

export function isoOrNull(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    throw new AndonError('invalid_input', `${field} must be an ISO-8601 timestamp`, { field, value });
  }
  return new Date(value).toISOString();
}
