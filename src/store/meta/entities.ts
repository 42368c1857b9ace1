// The records the MetaStore keeps: one type per noun of DESIGN.md, as the repositories return them.
// Timestamps are ISO-8601 strings in UTC (`Date#toISOString`), so they sort as text in any database.
// JSON-valued fields hold whatever JSON-serialisable value the caller stored; the store never looks inside.

export type JsonObject = Record<string, unknown>;

export interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export type Role = 'admin' | 'developer' | 'operator' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'developer', 'operator', 'viewer'];

export interface ApiKey {
  id: string;
  tenantId: string;
  name: string;
  role: Role;
  /** Deployment names the key is limited to; empty means every deployment. */
  scopes: string[];
  /** The hash of the secret; the secret itself is never stored. */
  keyHash: string;
  /** The public, non-secret start of the key, unique across all tenants, used to find the key. */
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface Dataset {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Immutable once written. `number` counts 1, 2, 3… per dataset; `sha256` is unique per dataset. */
export interface DatasetVersion {
  id: string;
  tenantId: string;
  datasetId: string;
  number: number;
  sha256: string;
  blobKey: string;
  schema: unknown;
  profile: unknown;
  rows: number;
  bytes: number;
  maskingReport: unknown;
  /** Where the data came from: file name, format, reader report… */
  source: unknown;
  createdAt: string;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TrainingJob {
  id: string;
  tenantId: string;
  datasetVersionId: string | null;
  spec: JsonObject;
  status: JobStatus;
  progress: unknown;
  error: string | null;
  checkpointBlobKey: string | null;
  resultModelVersionId: string | null;
  /** How many times a worker has started this job (0 while it never ran). */
  attempt: number;
  claimedBy: string | null;
  leaseExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One line of a job's append-only log; `seq` counts 1, 2, 3… per job, for server-sent-event replay. */
export interface JobEvent {
  tenantId: string;
  jobId: string;
  seq: number;
  type: string;
  data: unknown;
  at: string;
}

export interface Model {
  id: string;
  tenantId: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Immutable once written. `bundle` maps a bundle file name (manifest.json, weights.safetensors…) to its blob key. */
export interface ModelVersion {
  id: string;
  tenantId: string;
  modelId: string;
  number: number;
  format: string;
  bundle: Record<string, string>;
  manifest: JsonObject;
  metrics: JsonObject;
  datasetVersionId: string | null;
  jobId: string | null;
  createdBy: string | null;
  createdAt: string;
}

export interface Alias {
  tenantId: string;
  modelId: string;
  alias: string;
  versionId: string;
  updatedBy: string | null;
  updatedAt: string;
}

/** One move of an alias; `toVersionId` is null when the alias was removed. */
export interface AliasChange {
  tenantId: string;
  modelId: string;
  alias: string;
  seq: number;
  fromVersionId: string | null;
  toVersionId: string | null;
  actor: string | null;
  at: string;
}

export interface BatchingConfig {
  maxBatch: number;
  maxDelayMs: number;
}

/** What an endpoint serves: exactly one of `targetAlias` and `targetVersionId` is set. */
export interface Deployment {
  id: string;
  tenantId: string;
  name: string;
  modelId: string;
  targetAlias: string | null;
  targetVersionId: string | null;
  batching: BatchingConfig | null;
  /** Further settings (traffic split, stream bindings…), kept as given. */
  config: JsonObject;
  createdAt: string;
  updatedAt: string;
}

export interface BatchJob {
  id: string;
  tenantId: string;
  deploymentId: string | null;
  modelVersionId: string | null;
  inputBlobKey: string;
  outputBlobKey: string | null;
  status: JobStatus;
  rowsTotal: number | null;
  rowsDone: number;
  rowsFailed: number;
  error: string | null;
  options: JsonObject;
  createdAt: string;
  updatedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface PredictionLog {
  id: string;
  tenantId: string;
  deploymentId: string;
  modelVersionId: string;
  inputs: unknown;
  outputs: unknown;
  latencyMs: number;
  at: string;
}

/** Append-only. `seq` counts 1, 2, 3… per tenant; `prevHash`/`hash` carry the tenant's hash chain. */
export interface AuditEvent {
  id: string;
  tenantId: string;
  seq: number;
  actor: string;
  action: string;
  objectType: string | null;
  objectId: string | null;
  address: string | null;
  details: JsonObject;
  at: string;
  prevHash: string | null;
  hash: string | null;
}

export type QueueItemStatus = JobStatus;

/** The persisted state of one item of the local job queue (see src/store/queue). */
export interface QueueItem {
  id: string;
  tenantId: string;
  kind: string;
  payload: JsonObject;
  status: QueueItemStatus;
  attempt: number;
  claimedBy: string | null;
  leaseExpiresAt: string | null;
  cancelRequested: boolean;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}
