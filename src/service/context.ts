// The service context: the opened stores, where the data home is, the loaded-model cache, and the training and batch consumers.
import { join, resolve } from 'node:path';
import { embeddedStoreUrls, type StoreUrls, type Stores } from '../store/index.js';
import { openEncryptedStores, type EncryptedStoreOptions } from '../security/stores.js';
import type { LocalQueueOptions } from '../store/queue/local.js';
import { consumeBatch, recoverBatchJobs } from './batch-jobs.js';
import { consumeTraining, recoverJobs } from './jobs.js';
import { ModelCache } from './serving.js';
import { LookupCaches } from './lookup-cache.js';
import type { InferenceObserver } from './inference.js';
import { loadMasterKey } from '../security/master-key.js';
import { sealerOf } from './sealing.js';

export interface ServiceOptions {
  /** The data home (ANDON_HOME): embedded stores and training checkpoints live under it. */
  home: string;
  /** Store URLs; default the embedded layout under `home`. */
  urls?: Partial<StoreUrls>;
  queue?: LocalQueueOptions;
  maxBlobBytes?: number;
  /** Start consuming training jobs (default true); `andon serve` in scale-out may leave it to workers. */
  consume?: boolean;
  /** Recover jobs left running by a previous process before consuming (default true). */
  recover?: boolean;
  /** Concurrent trainings in this process (default 1: the machine's cores are shared with serving). */
  trainingConcurrency?: number;
  /** Concurrent batch prediction jobs in this process (default 1). */
  batchConcurrency?: number;
  /**
   * The master key that wraps each tenant's data key (encryption at rest is always on): the value of
   * ANDON_MASTER_KEY as the entry point read it, or undefined to use (or create, mode 0600) `<home>/master.key`.
   */
  masterKey?: string;
  /** How many loaded model versions to keep in memory (default 16). */
  modelCacheSize?: number;
  /** How long another replica's changes to keys, deployments and aliases may take to be seen here (default 1000 ms). */
  lookupTtlMs?: number;
}

export interface ServiceContext {
  readonly stores: Stores;
  readonly meta: Stores['meta'];
  readonly blobs: Stores['blobs'];
  readonly queue: Stores['queue'];
  readonly home: string;
  /** Training checkpoints: `<checkpointRoot>/<tenant>/<job>`. */
  readonly checkpointRoot: string;
  readonly models: ModelCache;
  readonly lookups: LookupCaches;
  /** Who is told of every prediction (the server's metrics); see inference.ts. */
  readonly inference: { observer: InferenceObserver | null };
  close(): Promise<void>;
}

export async function createServiceContext(options: ServiceOptions): Promise<ServiceContext> {
  const home = resolve(options.home);
  const urls = { ...embeddedStoreUrls(home), ...(options.urls ?? {}) };
  const storeOptions: EncryptedStoreOptions = {
    ...urls,
    queue: options.queue,
    maxBlobBytes: options.maxBlobBytes,
    masterKey: async (meta) => (await loadMasterKey({ home, env: options.masterKey, meta })).key,
  };
  const stores = await openEncryptedStores(storeOptions);
  // Version rows carry values of tenant data (profile top values, manifest categories): sealed under the tenant key like the blobs.
  const sealer = sealerOf(stores.blobs);
  if (sealer) stores.meta.sealValuesWith(sealer);
  const models = new ModelCache(options.modelCacheSize ?? 16);
  let closed: Promise<void> | null = null;
  const ctx: ServiceContext = {
    stores,
    meta: stores.meta,
    blobs: stores.blobs,
    queue: stores.queue,
    home,
    checkpointRoot: join(home, 'checkpoints'),
    models,
    lookups: new LookupCaches(options.lookupTtlMs ?? 1000),
    inference: { observer: null },
    close: () =>
      (closed ??= (async () => {
        await stores.close();
        await models.close();
      })()),
  };
  try {
    // A home an older Andon wrote holds those values in clear: seal them before anything is served.
    if (sealer) await stores.meta.sealClearValues();
    // recoverJobs runs the queue's recover() (once, for every kind) before the batch rows are looked at.
    if (options.recover ?? true) {
      await recoverJobs(ctx);
      await recoverBatchJobs(ctx);
    }
    if (options.consume ?? true) {
      consumeTraining(ctx, { concurrency: options.trainingConcurrency ?? 1 });
      consumeBatch(ctx, { concurrency: options.batchConcurrency ?? 1 });
    }
  } catch (e) {
    await ctx.close();
    throw e;
  }
  return ctx;
}
