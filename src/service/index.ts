// The service layer's public surface: the use cases as plain async functions over a ServiceContext.
export { createServiceContext, type ServiceContext, type ServiceOptions } from './context.js';
export { checkName, type VersionSelector } from './common.js';
export {
  addDataset,
  listDatasets,
  getDataset,
  previewVersion,
  deleteDataset,
  readVersionTable,
  tableToCsv,
  type AddDatasetInput,
  type AddDatasetResult,
} from './datasets.js';
export {
  startTraining,
  getJob,
  listJobs,
  jobEvents,
  cancelJob,
  recoverJobs,
  consumeTraining,
  TRAINING_KIND,
  INTERRUPTED,
  type StartTrainingInput,
} from './jobs.js';
export {
  startBatchJob,
  getBatchJob,
  listBatchJobs,
  cancelBatchJob,
  batchJobOutput,
  consumeBatch,
  recoverBatchJobs,
  BATCH_KIND,
  DEFAULT_CHUNK_ROWS,
  type StartBatchJobInput,
} from './batch-jobs.js';
export { listModels, getModel, getVersion, promote, removeAlias, aliasHistory, compareVersions, modelCard, type MetricComparison } from './registry.js';
export {
  createDeployment,
  deploymentLogs,
  getDeployment,
  listDeployments,
  updateDeployment,
  deleteDeployment,
  resolveDeployment,
  loadVersion,
  type CreateDeploymentInput,
  type DeploymentView,
} from './deployments.js';
export { infer, targetModel, type Door, type InferenceTarget, type InferenceRows, type InferenceResult, type InferenceObserver } from './inference.js';
export { MAX_PREDICT_ROWS, type Prediction, type ServingModel } from './serving.js';
export { predictTableRows, type TablePredictionOptions } from './table-predictions.js';
export { audit, listAudit, recordAudit, SYSTEM, type Actor, type AuditQuery } from './audit.js';
export { bootstrap, DEFAULT_TENANT_ID, type Bootstrap } from './bootstrap.js';
export { createKey, listKeys, revokeKey, type PublicKey } from './keys.js';
