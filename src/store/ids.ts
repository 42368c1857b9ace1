// Ids of stored records: `<prefix>_<random UUID v4>`, e.g. `job_0b6f…`. The prefix says what an id
// names when it shows up in a log or URL; the UUID makes ids unguessable and collision-free without
// asking the database, so any replica can mint them.
import { randomUUID } from 'node:crypto';
import { AndonError } from '../errors.js';

export const ID_PREFIXES = {
  tenant: 'ten',
  apiKey: 'key',
  dataset: 'ds',
  datasetVersion: 'dsv',
  job: 'job',
  model: 'mdl',
  modelVersion: 'mv',
  deployment: 'dep',
  batchJob: 'bj',
  predictionLog: 'pl',
  audit: 'aud',
  alias: 'al',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

export function newId(kind: IdKind): string {
  return `${ID_PREFIXES[kind]}_${randomUUID()}`;
}

/** Caller-supplied ids (tenants, jobs) end up in paths and URLs: letters, digits, '_' and '-' only. */
export function checkId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/.test(id)) {
    throw new AndonError('invalid_input', `${field} must be 1-128 letters, digits, '_' or '-'`, { field, id: String(id) });
  }
  return id;
}
