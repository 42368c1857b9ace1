// The MetaStore interface: typed repositories over the metadata of every noun, each scoped by tenant.
// Rules every implementation keeps (the contract suite in ./contract.ts checks them):
// - every method takes the tenant id first and every query is filtered by it: another tenant's id is
//   simply not found (`null` from getters, an empty list, AndonError `not_found` from mutations);
//   the cross-tenant methods are named so (`…AcrossTenants`, the queue repository for the local queue);
// - versions (dataset, model) and event logs (job events, alias history, audit) are immutable;
// - a name taken in the tenant → `conflict`; an illegal job state change → `conflict`;
// - ids are `<prefix>_<random UUID>` (see ../ids.ts) unless the caller supplies one where allowed.
import type {
  Alias,
  AliasChange,
  ApiKey,
  AuditEvent,
  BatchJob,
  BatchingConfig,
  Dataset,
  DatasetVersion,
  Deployment,
  JobEvent,
  JobStatus,
  JsonObject,
  Model,
  ModelVersion,
  PredictionLog,
  QueueItem,
  QueueItemStatus,
  Role,
  Tenant,
  TrainingJob,
} from './entities.js';

export type * from './entities.js';

/** A tenant's data key, only ever stored wrapped (encrypted) by a master key; see src/security/keyring.ts. */
export interface TenantKey {
  /** 32 lowercase hex digits; also written in the header of every blob it encrypts. */
  id: string;
  tenantId: string;
  /** 1 for the tenant's first key; the highest generation encrypts new blobs. */
  generation: number;
  /** base64 of the wrapped key (format of src/security/envelope.ts). */
  wrapped: string;
  masterKeyId: string;
  /** The wrapping by the pending master key of an unfinished rotation, stored beside the current one. */
  nextWrapped: string | null;
  nextMasterKeyId: string | null;
  createdAt: string;
  rewrappedAt: string | null;
}

export type MasterKeyState = 'active' | 'pending' | 'retired';

/** What the store knows of a master key: an id and a check value derived from it, never the key. */
export interface MasterKeyRecord {
  id: string;
  checkValue: string;
  state: MasterKeyState;
  createdAt: string;
  activatedAt: string | null;
  retiredAt: string | null;
}

export { ROLES } from './entities.js';

/**
 * Seals a value under a tenant's key and opens it again. The store holds no keys: the service passes the
 * encrypted blob store's sealValue/openValue (as prediction logs use). `context` binds a sealed value to its
 * row and field, so a sealed cell moved to another row or field does not open.
 */
export interface ValueSealer {
  sealValue(tenantId: string, value: unknown, context: string): Promise<string>;
  openValue(tenantId: string, sealed: string, context: string): Promise<unknown>;
}

export interface ListOptions {
  /** At most this many items (implementations cap it at 1000). */
  limit?: number;
  offset?: number;
}

export interface TenantRepository {
  create(input: { id?: string; name: string }): Promise<Tenant>;
  get(tenantId: string): Promise<Tenant | null>;
  /** Every tenant: for bootstrap ("is this home empty?") and maintenance loops, not for requests. */
  listAcrossTenants(): Promise<Tenant[]>;
}

export interface NewApiKey {
  name: string;
  role: Role;
  scopes?: string[];
  keyHash: string;
  prefix: string;
  expiresAt?: string | null;
}

export interface ApiKeyRepository {
  create(tenantId: string, input: NewApiKey): Promise<ApiKey>;
  get(tenantId: string, id: string): Promise<ApiKey | null>;
  list(tenantId: string): Promise<ApiKey[]>;
  revoke(tenantId: string, id: string): Promise<ApiKey>;
  touch(tenantId: string, id: string): Promise<void>;
  delete(tenantId: string, id: string): Promise<void>;
  /** The one cross-tenant lookup: find a presented key by its public prefix to authenticate it. */
  findByPrefixAcrossTenants(prefix: string): Promise<ApiKey | null>;
}

export interface NewDatasetVersion {
  sha256: string;
  blobKey: string;
  schema: unknown;
  profile?: unknown;
  rows: number;
  bytes: number;
  maskingReport?: unknown;
  source?: unknown;
}

export interface DatasetRepository {
  create(tenantId: string, input: { name: string; description?: string | null }): Promise<Dataset>;
  /** The dataset of that name, created if missing; safe under concurrent callers. */
  ensure(tenantId: string, name: string): Promise<Dataset>;
  get(tenantId: string, id: string): Promise<Dataset | null>;
  getByName(tenantId: string, name: string): Promise<Dataset | null>;
  list(tenantId: string, options?: ListOptions): Promise<Dataset[]>;
  /** Deletes the dataset and its versions; `conflict` while a job or model version refers to one of them. */
  delete(tenantId: string, id: string): Promise<{ versions: DatasetVersion[] }>;
  /** Adds the next version, or returns the existing one with the same sha256 (`created: false`). */
  addVersion(tenantId: string, datasetId: string, input: NewDatasetVersion): Promise<{ version: DatasetVersion; created: boolean }>;
  getVersion(tenantId: string, versionId: string): Promise<DatasetVersion | null>;
  getVersionByNumber(tenantId: string, datasetId: string, number: number): Promise<DatasetVersion | null>;
  latestVersion(tenantId: string, datasetId: string): Promise<DatasetVersion | null>;
  listVersions(tenantId: string, datasetId: string): Promise<DatasetVersion[]>;
  /** How many dataset versions of the tenant point at a blob (content-addressed blobs may be shared). */
  countVersionsByBlobKey(tenantId: string, blobKey: string): Promise<number>;
}

/** Fields a status change may set together with the status. */
export interface JobPatch {
  progress?: unknown;
  error?: string | null;
  checkpointBlobKey?: string | null;
  resultModelVersionId?: string | null;
  attempt?: number;
  claimedBy?: string | null;
  leaseExpiresAt?: string | null;
}

export interface TrainingJobRepository {
  create(tenantId: string, input: { id?: string; datasetVersionId?: string | null; spec: JsonObject }): Promise<TrainingJob>;
  get(tenantId: string, id: string): Promise<TrainingJob | null>;
  list(tenantId: string, options?: ListOptions & { status?: JobStatus }): Promise<TrainingJob[]>;
  /**
   * Moves the job to `to` if the state machine allows it (see ./status.ts), atomically with `patch`;
   * `conflict` otherwise, also when another writer changed the status first.
   */
  transition(tenantId: string, id: string, to: JobStatus, patch?: JobPatch): Promise<TrainingJob>;
  /** Changes fields other than the status while the job is not final; `conflict` once it is. */
  update(tenantId: string, id: string, patch: JobPatch): Promise<TrainingJob>;
  appendEvent(tenantId: string, jobId: string, event: { type: string; data?: unknown }): Promise<JobEvent>;
  /** Events with seq > afterSeq, oldest first. */
  listEvents(tenantId: string, jobId: string, afterSeq?: number, limit?: number): Promise<JobEvent[]>;
}

export interface NewModelVersion {
  format?: string;
  bundle: Record<string, string>;
  manifest?: JsonObject;
  metrics?: JsonObject;
  datasetVersionId?: string | null;
  /** At most one version per job: adding again for the same job returns the existing version. */
  jobId?: string | null;
  createdBy?: string | null;
}

export type VersionRef = { alias: string } | { number: number } | { versionId: string };

export interface ModelRepository {
  create(tenantId: string, input: { name: string; description?: string | null }): Promise<Model>;
  ensure(tenantId: string, name: string): Promise<Model>;
  get(tenantId: string, id: string): Promise<Model | null>;
  getByName(tenantId: string, name: string): Promise<Model | null>;
  list(tenantId: string, options?: ListOptions): Promise<Model[]>;
  /** `conflict` while a deployment serves it. Versions and aliases go with it. */
  delete(tenantId: string, id: string): Promise<void>;
  addVersion(tenantId: string, modelId: string, input: NewModelVersion): Promise<{ version: ModelVersion; created: boolean }>;
  getVersion(tenantId: string, versionId: string): Promise<ModelVersion | null>;
  getVersionByNumber(tenantId: string, modelId: string, number: number): Promise<ModelVersion | null>;
  listVersions(tenantId: string, modelId: string): Promise<ModelVersion[]>;
  /** The version an alias, number or id names within the model; null when there is none. */
  resolve(tenantId: string, modelId: string, ref: VersionRef): Promise<ModelVersion | null>;
  /**
   * Points the alias at a version of the same model and appends to its history, atomically.
   * With `expectedVersionId` (null: the alias must not exist yet) the move happens only from that
   * version, else `conflict`.
   */
  setAlias(
    tenantId: string,
    modelId: string,
    alias: string,
    versionId: string,
    options?: { actor?: string | null; expectedVersionId?: string | null },
  ): Promise<Alias>;
  removeAlias(tenantId: string, modelId: string, alias: string, options?: { actor?: string | null }): Promise<void>;
  getAlias(tenantId: string, modelId: string, alias: string): Promise<Alias | null>;
  listAliases(tenantId: string, modelId: string): Promise<Alias[]>;
  /** Moves of the model's aliases (or of one), oldest first. */
  aliasHistory(tenantId: string, modelId: string, alias?: string): Promise<AliasChange[]>;
}

export interface NewDeployment {
  name: string;
  modelId: string;
  targetAlias?: string | null;
  targetVersionId?: string | null;
  batching?: BatchingConfig | null;
  config?: JsonObject;
}

export interface DeploymentRepository {
  create(tenantId: string, input: NewDeployment): Promise<Deployment>;
  get(tenantId: string, id: string): Promise<Deployment | null>;
  getByName(tenantId: string, name: string): Promise<Deployment | null>;
  list(tenantId: string, options?: ListOptions & { modelId?: string }): Promise<Deployment[]>;
  update(tenantId: string, id: string, patch: Partial<Omit<NewDeployment, 'name' | 'modelId'>>): Promise<Deployment>;
  delete(tenantId: string, id: string): Promise<void>;
}

export interface BatchJobRepository {
  create(
    tenantId: string,
    input: { id?: string; deploymentId?: string | null; modelVersionId?: string | null; inputBlobKey: string; options?: JsonObject },
  ): Promise<BatchJob>;
  get(tenantId: string, id: string): Promise<BatchJob | null>;
  list(tenantId: string, options?: ListOptions & { status?: JobStatus }): Promise<BatchJob[]>;
  transition(
    tenantId: string,
    id: string,
    to: JobStatus,
    patch?: { error?: string | null; outputBlobKey?: string | null; modelVersionId?: string | null },
  ): Promise<BatchJob>;
  /** Progress counts while the job is not final. */
  updateCounts(tenantId: string, id: string, counts: { rowsTotal?: number; rowsDone?: number; rowsFailed?: number }): Promise<BatchJob>;
}

export interface NewPredictionLog {
  deploymentId: string;
  modelVersionId: string;
  inputs: unknown;
  outputs: unknown;
  latencyMs: number;
  at?: string;
}

export interface PredictionLogRepository {
  append(tenantId: string, entries: NewPredictionLog[]): Promise<void>;
  /** Newest first. `since`/`until` bound `at` (inclusive/exclusive). */
  list(tenantId: string, options?: { deploymentId?: string; since?: string; until?: string; limit?: number }): Promise<PredictionLog[]>;
  /** Retention: deletes entries older than `before`, then all but the newest `keep` per deployment. */
  prune(tenantId: string, options: { before?: string; keep?: number }): Promise<number>;
}

export interface NewAuditEvent {
  actor: string;
  action: string;
  objectType?: string | null;
  objectId?: string | null;
  address?: string | null;
  details?: JsonObject;
  at?: string;
}

/** Computes the chain fields of a new event from the tenant's previous event (null for the first). */
export type AuditSealer = (prev: AuditEvent | null, next: Omit<AuditEvent, 'prevHash' | 'hash'>) => { prevHash: string | null; hash: string | null };

export interface AuditRepository {
  /**
   * Appends with the next seq of the tenant; `seal` runs synchronously with the previous event read in
   * the same transaction, so a chain never forks. Without it, prevHash = previous hash, hash = null.
   */
  append(tenantId: string, event: NewAuditEvent, seal?: AuditSealer): Promise<AuditEvent>;
  /** Oldest first, seq > afterSeq. */
  list(tenantId: string, options?: { afterSeq?: number; limit?: number; objectType?: string; objectId?: string; action?: string }): Promise<AuditEvent[]>;
  last(tenantId: string): Promise<AuditEvent | null>;
}

export interface NewTenantKey {
  /** 32 lowercase hex digits, chosen by the caller (it is bound into the wrapping). */
  id: string;
  /** Default 1. */
  generation?: number;
  wrapped: string;
  /** Must be the active master key: keys are never wrapped by a pending or retired one. */
  masterKeyId: string;
}

/**
 * Wrapped tenant data keys and the registry of master keys (src/security/keyring.ts, master-key.ts).
 * Nothing here is secret: wrapped keys are useless without the master key, master keys are known by an
 * id and a check value only.
 */
export interface TenantKeyRepository {
  /**
   * Adds the tenant's key of that generation, or returns the one already there (`created: false`), so
   * concurrent first uses agree on one key. `conflict` when `masterKeyId` is not the active master key.
   */
  create(tenantId: string, input: NewTenantKey): Promise<{ key: TenantKey; created: boolean }>;
  get(tenantId: string, keyId: string): Promise<TenantKey | null>;
  /** The newest generation: the key new blobs are encrypted with; null before the first. */
  current(tenantId: string): Promise<TenantKey | null>;
  list(tenantId: string): Promise<TenantKey[]>;
  /** Maintenance (rotation): keys of every tenant, ordered by id, paged with `afterId`. */
  listAcrossTenants(options?: { masterKeyId?: string; afterId?: string; limit?: number }): Promise<TenantKey[]>;
  countAcrossTenants(): Promise<number>;
  masterKeys(): Promise<MasterKeyRecord[]>;
  /**
   * Registers a master key as `active` (the first start of a home) or `pending` (the target of a
   * rotation). `created: false` with the existing record when the id is known already; `conflict` when
   * another key already holds that state.
   */
  addMasterKey(input: { id: string; checkValue: string; state: 'active' | 'pending' }): Promise<{ record: MasterKeyRecord; created: boolean }>;
  /** Stores a wrapping by the pending master key beside the current one; false if the key is no longer wrapped by `masterKeyId`. */
  setNextWrapping(tenantId: string, keyId: string, input: { masterKeyId: string; nextWrapped: string; nextMasterKeyId: string }): Promise<boolean>;
  /**
   * Finishes a rotation in one transaction: `from` (active) is retired, `to` (pending) becomes active, and
   * every key's next wrapping replaces its current one. `conflict`, changing nothing, while a key wrapped
   * by `from` has no wrapping by `to`. Returns how many keys were switched.
   */
  commitMasterRotation(from: string, to: string): Promise<number>;
  /** Forgets a pending master key and the wrappings made for it (an abandoned rotation). */
  abandonMasterKey(id: string): Promise<void>;
}

/**
 * Persistence of the local JobQueue (src/store/queue/local.ts). Items are found by their job id,
 * which is unique across tenants; consumers pull across tenants by design.
 */
export interface QueueRepository {
  enqueue(item: { id: string; tenantId: string; kind: string; payload: JsonObject }): Promise<{ item: QueueItem; created: boolean }>;
  get(id: string): Promise<QueueItem | null>;
  /** Claims the oldest queued item of the kind (or one whose lease expired and is not the caller's): attempt + 1. */
  claim(kind: string, workerId: string, leaseExpiresAt: string): Promise<QueueItem | null>;
  /** Extends the lease; null when the worker no longer holds the item. */
  renew(id: string, workerId: string, leaseExpiresAt: string): Promise<QueueItem | null>;
  /** Final status for an item the worker holds; false if it lost it. */
  finish(id: string, workerId: string, status: Exclude<QueueItemStatus, 'queued' | 'running'>, error?: string | null): Promise<boolean>;
  /** Back to queued without counting as finished (shutdown); false if the worker lost it. */
  release(id: string, workerId: string): Promise<boolean>;
  /** A queued item is cancelled at once; a running one gets cancelRequested for its holder. */
  requestCancel(id: string): Promise<QueueItem | null>;
  /** Running items not held by `workerId` (all of them, or only expired leases) go back to queued. */
  requeueRunning(workerId: string, options: { onlyExpired: boolean; kinds?: string[] }): Promise<QueueItem[]>;
  counts(): Promise<Array<{ kind: string; status: QueueItemStatus; count: number }>>;
}

export interface MetaStore {
  readonly tenants: TenantRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly datasets: DatasetRepository;
  readonly jobs: TrainingJobRepository;
  readonly models: ModelRepository;
  readonly deployments: DeploymentRepository;
  readonly batchJobs: BatchJobRepository;
  readonly predictionLogs: PredictionLogRepository;
  readonly audit: AuditRepository;
  readonly queue: QueueRepository;
  readonly tenantKeys: TenantKeyRepository;
  /**
   * From now on the JSON values of dataset and model versions (schema, profile, masking report, source, manifest,
   * metrics: all derived from tenant data) are sealed on write and opened on read. Set once the keys are at hand
   * (they live in this store); a value written in clear before is still read as it is.
   */
  sealValuesWith(sealer: ValueSealer): void;
  /** Seals the version values still stored in clear (written before sealing existed); returns how many rows changed. */
  sealClearValues(): Promise<number>;
  /** Applies pending migrations (opening does it already); returns the versions applied now. */
  migrate(): Promise<number[]>;
  schemaVersion(): Promise<number>;
  /** Throws `unavailable` when the database cannot be reached (for /health/ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
