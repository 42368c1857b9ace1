// The API's response shapes the dashboard reads (a subset of the OpenAPI document at /docs/json).
export interface Page<T> {
  items: T[];
}

export interface Dataset {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface ColumnProfile {
  name: string;
  type: string;
  storage: string;
  missing: number;
  distinct: number;
  role: string;
  reason: string;
  count: number;
  numeric?: { mean: number; std: number; min: number; max: number; histogram: { edges: number[]; counts: number[] } };
  top?: { value: string; count: number }[];
  text?: {
    chars: { min: number; mean: number; max: number };
    tokens: { min: number; mean: number; max: number };
    topTokens: { token: string; count: number }[];
  };
}
export interface ProfileWarning {
  code: string;
  column: string;
  message: string;
}
export interface Profile {
  rows: number;
  columns: ColumnProfile[];
  warnings: ProfileWarning[];
  target?: { name: string; distribution?: { label: string; count: number; fraction: number }[] };
}
export interface MaskReport {
  rows: number;
  maskedCells: number;
  dropped: string[];
  found: Record<string, number>;
  columns: { column: string; source: string; found: Record<string, number>; maskedCells: number; dropped: boolean }[];
}
export interface DatasetVersion {
  id: string;
  number: number;
  rows: number;
  bytes: number;
  createdAt: string;
  sha256: string;
  schema: { rows: number; columns: { name: string; type: string; role: string }[] };
  profile: Profile;
  maskingReport: MaskReport | null;
  source: { filename: string | null; format: string; masked: boolean };
}
export interface DatasetDetail extends Dataset {
  versions: DatasetVersion[];
}
export interface Preview {
  dataset: string;
  version: number;
  columns: string[];
  rows: Record<string, unknown>[];
  totalRows: number;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export interface Job {
  id: string;
  status: JobStatus;
  progress: { fraction?: number; epoch?: number; etaSeconds?: number } | null;
  error: string | null;
  spec: { dataset: string; datasetVersion: number; target: string; modelName: string; template?: string; epochs?: number };
  resultModelVersionId: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Metrics {
  [k: string]: unknown;
  roc_curve?: { fpr: number[]; tpr: number[] };
  pr_curve?: { recall: number[]; precision: number[] };
  confusion_matrix?: { labels: string[]; matrix: number[][] };
  per_class?: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** Not sent by the server yet: held-out actual and predicted values for regression and RUL. */
  predicted_vs_actual?: { actual: number[]; predicted: number[] };
}
export interface Manifest {
  task: string;
  template?: string;
  target: string;
  labels?: string[];
  positive_label?: string;
  threshold?: number;
  input_schema: { name: string; type: string; categories?: string[] }[];
  metrics: Metrics;
  training?: { epochs_run?: number; best_epoch?: number; stopped?: string; rows_train?: number; rows_validation?: number };
}
export interface ModelVersion {
  id: string;
  number: number;
  format: string;
  bundle: Record<string, string>;
  manifest: Manifest;
  metrics: Metrics;
  datasetVersionId: string | null;
  jobId: string | null;
  createdAt: string;
}
export interface Alias {
  alias: string;
  versionId: string;
  updatedAt: string;
}
export interface Model {
  id: string;
  name: string;
  description: string | null;
  createdAt: string;
  updatedAt: string;
}
export interface ModelDetail extends Model {
  versions: ModelVersion[];
  aliases: Alias[];
}
export interface Comparison {
  model: string;
  a: { number: number };
  b: { number: number };
  metrics: { name: string; a: number | null; b: number | null; delta: number | null }[];
}

export interface Deployment {
  id: string;
  name: string;
  model: string;
  targetAlias: string | null;
  targetVersion: number | null;
  batching: { maxBatch: number; maxDelayMs: number } | null;
  createdAt: string;
  updatedAt: string;
}
export interface Prediction {
  label?: string;
  probabilities?: Record<string, number>;
  value?: number;
  group?: string;
}
export interface PredictResult {
  model: string;
  version: number;
  predictions: Prediction[];
}

export interface ApiKey {
  id: string;
  name: string;
  role: string;
  scopes: string[];
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
  lastUsedAt: string | null;
}
export interface AuditEvent {
  id: string;
  seq: number;
  actor: string;
  action: string;
  objectType: string;
  objectId: string;
  address: string | null;
  details: Record<string, unknown>;
  at: string;
}
