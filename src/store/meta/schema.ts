// The metadata schema as an ordered list of migrations; migration N is MIGRATIONS[N - 1]. Never edit
// one that has shipped: append a new one. The DDL uses types SQLite and PostgreSQL both accept
// (TEXT, INTEGER, BIGINT, DOUBLE PRECISION), so one list serves both.
// Children reference parents by (tenant_id, id), so a row can never point at another tenant's row.

const V1 = `
CREATE TABLE tenants (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'operator', 'viewer')),
  scopes TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  prefix TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT,
  last_used_at TEXT
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, created_at);

CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant_id, name),
  UNIQUE (tenant_id, id)
);

CREATE TABLE dataset_versions (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  dataset_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  blob_key TEXT NOT NULL,
  schema_json TEXT NOT NULL,
  profile_json TEXT,
  row_count BIGINT NOT NULL,
  byte_count BIGINT NOT NULL,
  masking_report TEXT,
  source TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (dataset_id, number),
  UNIQUE (dataset_id, sha256),
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, dataset_id) REFERENCES datasets (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX dataset_versions_blob ON dataset_versions (tenant_id, blob_key);

CREATE TABLE training_jobs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  dataset_version_id TEXT,
  spec TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  progress TEXT,
  error TEXT,
  checkpoint_blob_key TEXT,
  result_model_version_id TEXT,
  attempt INTEGER NOT NULL DEFAULT 0,
  claimed_by TEXT,
  lease_expires_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, dataset_version_id) REFERENCES dataset_versions (tenant_id, id)
);
CREATE INDEX training_jobs_tenant ON training_jobs (tenant_id, created_at);

CREATE TABLE job_events (
  tenant_id TEXT NOT NULL,
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT,
  at TEXT NOT NULL,
  PRIMARY KEY (job_id, seq),
  FOREIGN KEY (tenant_id, job_id) REFERENCES training_jobs (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE models (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  description TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant_id, name),
  UNIQUE (tenant_id, id)
);

CREATE TABLE model_versions (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  number INTEGER NOT NULL,
  format TEXT NOT NULL,
  bundle TEXT NOT NULL,
  manifest TEXT NOT NULL,
  metrics TEXT NOT NULL,
  dataset_version_id TEXT,
  job_id TEXT,
  created_by TEXT,
  created_at TEXT NOT NULL,
  UNIQUE (model_id, number),
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, job_id),
  FOREIGN KEY (tenant_id, model_id) REFERENCES models (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, dataset_version_id) REFERENCES dataset_versions (tenant_id, id),
  FOREIGN KEY (tenant_id, job_id) REFERENCES training_jobs (tenant_id, id)
);

CREATE TABLE model_aliases (
  tenant_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  alias TEXT NOT NULL,
  version_id TEXT NOT NULL,
  updated_by TEXT,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (model_id, alias),
  FOREIGN KEY (tenant_id, model_id) REFERENCES models (tenant_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, version_id) REFERENCES model_versions (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE model_alias_history (
  tenant_id TEXT NOT NULL,
  model_id TEXT NOT NULL,
  alias TEXT NOT NULL,
  seq INTEGER NOT NULL,
  from_version_id TEXT,
  to_version_id TEXT,
  actor TEXT,
  at TEXT NOT NULL,
  PRIMARY KEY (model_id, alias, seq),
  FOREIGN KEY (tenant_id, model_id) REFERENCES models (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE deployments (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  name TEXT NOT NULL,
  model_id TEXT NOT NULL,
  target_alias TEXT,
  target_version_id TEXT,
  batching TEXT,
  config TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (tenant_id, name),
  UNIQUE (tenant_id, id),
  CHECK ((target_alias IS NULL) <> (target_version_id IS NULL)),
  FOREIGN KEY (tenant_id, model_id) REFERENCES models (tenant_id, id),
  FOREIGN KEY (tenant_id, target_version_id) REFERENCES model_versions (tenant_id, id)
);

CREATE TABLE batch_jobs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  deployment_id TEXT,
  model_version_id TEXT,
  input_blob_key TEXT NOT NULL,
  output_blob_key TEXT,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  rows_total BIGINT,
  rows_done BIGINT NOT NULL DEFAULT 0,
  rows_failed BIGINT NOT NULL DEFAULT 0,
  error TEXT,
  options TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  UNIQUE (tenant_id, id)
);
CREATE INDEX batch_jobs_tenant ON batch_jobs (tenant_id, created_at);

CREATE TABLE prediction_logs (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  deployment_id TEXT NOT NULL,
  model_version_id TEXT NOT NULL,
  inputs TEXT,
  outputs TEXT,
  latency_ms DOUBLE PRECISION NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX prediction_logs_deployment ON prediction_logs (tenant_id, deployment_id, at);
CREATE INDEX prediction_logs_at ON prediction_logs (tenant_id, at);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  seq INTEGER NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT,
  object_id TEXT,
  address TEXT,
  details TEXT NOT NULL,
  at TEXT NOT NULL,
  prev_hash TEXT,
  hash TEXT,
  UNIQUE (tenant_id, seq)
);

CREATE TABLE queue_items (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  attempt INTEGER NOT NULL DEFAULT 0,
  claimed_by TEXT,
  lease_expires_at TEXT,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX queue_items_claim ON queue_items (kind, status, created_at);
`;

// V2: envelope encryption at rest (src/security). master_keys records which master keys this home
// knows, by a check value (an HMAC of a constant, never the key): at most one active and one pending
// (the target of an unfinished rotation). tenant_keys holds each tenant's data keys only wrapped by a
// master key; during a rotation a key carries its new wrapping beside the old one (next_*) until one
// transaction swaps them all, so either master key keeps working if the rotation is interrupted.
const V2 = `
CREATE TABLE master_keys (
  id TEXT PRIMARY KEY,
  check_value TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('active', 'pending', 'retired')),
  created_at TEXT NOT NULL,
  activated_at TEXT,
  retired_at TEXT
);
CREATE UNIQUE INDEX master_keys_one_active ON master_keys (state) WHERE state = 'active';
CREATE UNIQUE INDEX master_keys_one_pending ON master_keys (state) WHERE state = 'pending';

CREATE TABLE tenant_keys (
  id TEXT PRIMARY KEY,
  tenant_id TEXT NOT NULL REFERENCES tenants (id),
  generation INTEGER NOT NULL,
  wrapped TEXT NOT NULL,
  master_key_id TEXT NOT NULL REFERENCES master_keys (id),
  next_wrapped TEXT,
  next_master_key_id TEXT REFERENCES master_keys (id),
  created_at TEXT NOT NULL,
  rewrapped_at TEXT,
  UNIQUE (tenant_id, generation),
  UNIQUE (tenant_id, id),
  CHECK ((next_wrapped IS NULL) = (next_master_key_id IS NULL))
);
CREATE INDEX tenant_keys_master ON tenant_keys (master_key_id);
`;

// V3: the JSON values of dataset and model versions (schemas, profiles, masking reports, sources, manifests,
// metrics) are stored sealed under the tenant's data key as {"sealed": "<base64>"} (see repos/sealed.ts); the
// service seals rows an older Andon wrote in clear when it opens the home (MetaStore.sealClearValues). Nothing in
// the tables changes: this version exists so that an older Andon refuses this database ("written by a newer
// Andon") rather than serving sealed cells as profiles and manifests, or writing new values in clear.
const V3 = `
-- dataset_versions.schema_json, profile_json, masking_report, source and model_versions.manifest, metrics hold sealed cells.
`;

export const MIGRATIONS: readonly string[] = [V1, V2, V3];
