// JSON-schema pieces shared by the routes (validated by Fastify, shown in the OpenAPI document).
import { JOB_STATUSES } from '../store/index.js';

export const name = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$', description: 'letters, digits, ".", "_", "-"' } as const;
export const id = { type: 'string', pattern: '^[a-z]+_[0-9a-f-]{36}$' } as const;
export const versionRef = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,128}$', description: 'a version number, an alias or a version id' } as const;

export const pageQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000 }, offset: { type: 'integer', minimum: 0 } },
} as const;

/** The query of a job list (training or batch): a status and a page. */
export const jobListQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { type: 'string', enum: [...JOB_STATUSES] }, ...pageQuery.properties },
} as const;

export function page(q: { limit?: number; offset?: number }): { limit?: number; offset?: number } {
  return { ...(q.limit !== undefined ? { limit: q.limit } : {}), ...(q.offset !== undefined ? { offset: q.offset } : {}) };
}

/** A version selector from a path: numbers stay numbers, so "3" is version 3 and "production" an alias. */
export function selector(ref: string): number | string {
  return /^\d+$/.test(ref) ? Number(ref) : ref;
}
