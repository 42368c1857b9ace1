// The small SQL surface the repositories are written against, so that SQLite and PostgreSQL share them.
// Statements use `?` placeholders (a PostgreSQL executor rewrites them to $1, $2…), ISO-8601 TEXT
// timestamps, JSON in TEXT columns, and only syntax both databases accept: INSERT … ON CONFLICT DO
// NOTHING / DO UPDATE, RETURNING, partial indexes. What differs lives in a Dialect.
import { AndonError } from '../../errors.js';

export type SqlValue = string | number | bigint | boolean | null | undefined | Uint8Array;

export interface Sql {
  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement that returns no rows; resolves to the number of rows changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Runs `fn` in one write transaction (committed when it resolves, rolled back when it throws).
   * Nested calls join the outer transaction. The body must only touch the database through `tx`.
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
}

export type Row = Record<string, unknown>;

export interface Dialect {
  readonly name: 'sqlite' | 'postgres';
  /** Driver error → the store's AndonError, or null to rethrow as is. */
  translateError(error: unknown): AndonError | null;
}

/** Row values as the repositories read them: the drivers return numbers or strings for INTEGER columns. */
export function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : Number(v ?? 0);
}

export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function str(v: unknown): string {
  return String(v);
}

export function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

export function toJson(v: unknown): string | null {
  return v === undefined ? null : JSON.stringify(v);
}

export function fromJson<T = unknown>(v: unknown, fallback: T): T {
  if (v === null || v === undefined) return fallback;
  return JSON.parse(String(v)) as T;
}

/** Caps list sizes so one request cannot read a whole table. */
export function limitOf(limit: number | undefined, fallback = 100, max = 1000): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 0) throw new AndonError('invalid_input', 'limit must be a non-negative integer', { limit });
  return Math.min(limit, max);
}

export function offsetOf(offset: number | undefined): number {
  if (offset === undefined) return 0;
  if (!Number.isInteger(offset) || offset < 0) throw new AndonError('invalid_input', 'offset must be a non-negative integer', { offset });
  return offset;
}

export function isConstraint(e: unknown, kind: 'unique' | 'foreign_key'): e is AndonError {
  return e instanceof AndonError && e.code === 'conflict' && e.details.constraint === kind;
}

export function notFound(what: string, id: string): AndonError {
  return new AndonError('not_found', `${what} ${id} not found`, { id });
}

export function nowIso(): string {
  return new Date().toISOString();
}

export function requireText(value: unknown, field: string, max = 200): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max) {
    throw new AndonError('invalid_input', `${field} must be a non-empty string of at most ${max} characters`, { field });
  }
  return value;
}

/** Names of datasets, models, deployments and aliases: they appear in URLs, so keep them plain. */
export function requireName(value: unknown, field = 'name'): string {
  const s = requireText(value, field, 128);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(s)) {
    throw new AndonError('invalid_input', `${field} may only contain letters, digits, '.', '_' and '-', starting with a letter or digit`, { field, value: s });
  }
  return s;
}
