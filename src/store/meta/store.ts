// A MetaStore over any Sql executor: the repositories are shared by every SQL database; an
// implementation (sqlite.ts, later postgres) supplies the executor and its lifecycle.
import { ApiKeyRepo, TenantRepo } from './repos/tenants.js';
import { AuditRepo } from './repos/audit.js';
import { BatchJobRepo } from './repos/batch-jobs.js';
import { DatasetRepo } from './repos/datasets.js';
import { DeploymentRepo } from './repos/deployments.js';
import { JobRepo } from './repos/jobs.js';
import { ModelRepo } from './repos/models.js';
import { PredictionLogRepo } from './repos/prediction-logs.js';
import { QueueRepo } from './repos/queue.js';
import { TenantKeyRepo } from './repos/tenant-keys.js';
import { SealerSlot } from './repos/sealed.js';
import type { Sql } from './sql.js';
import type { MetaStore, ValueSealer } from './types.js';

export interface Lifecycle {
  migrate(): Promise<number[]>;
  version(): Promise<number>;
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Makes the space that updates freed leave the files now (SQLite: checkpoint the WAL into the database, where secure_delete zeroed it). */
  purgeFreed?(): Promise<void>;
}

export class SqlMetaStore implements MetaStore {
  readonly tenants: TenantRepo;
  readonly apiKeys: ApiKeyRepo;
  readonly datasets: DatasetRepo;
  readonly jobs: JobRepo;
  readonly models: ModelRepo;
  readonly deployments: DeploymentRepo;
  readonly batchJobs: BatchJobRepo;
  readonly predictionLogs: PredictionLogRepo;
  readonly audit: AuditRepo;
  readonly queue: QueueRepo;
  readonly tenantKeys: TenantKeyRepo;
  private readonly sealing = new SealerSlot();

  constructor(
    sql: Sql,
    private readonly lifecycle: Lifecycle,
  ) {
    this.tenants = new TenantRepo(sql);
    this.apiKeys = new ApiKeyRepo(sql);
    this.datasets = new DatasetRepo(sql, this.sealing);
    this.jobs = new JobRepo(sql);
    this.models = new ModelRepo(sql, this.sealing);
    this.deployments = new DeploymentRepo(sql);
    this.batchJobs = new BatchJobRepo(sql);
    this.predictionLogs = new PredictionLogRepo(sql);
    this.audit = new AuditRepo(sql);
    this.queue = new QueueRepo(sql);
    this.tenantKeys = new TenantKeyRepo(sql);
  }

  sealValuesWith(sealer: ValueSealer): void {
    this.sealing.sealer = sealer;
  }
  async sealClearValues(): Promise<number> {
    const n = (await this.datasets.sealClearValues()) + (await this.models.sealClearValues());
    // The clear values just replaced must not wait for the next automatic checkpoint to leave the files.
    if (n > 0) await this.lifecycle.purgeFreed?.();
    return n;
  }
  migrate(): Promise<number[]> {
    return this.lifecycle.migrate();
  }
  schemaVersion(): Promise<number> {
    return this.lifecycle.version();
  }
  ping(): Promise<void> {
    return this.lifecycle.ping();
  }
  close(): Promise<void> {
    return this.lifecycle.close();
  }
}
