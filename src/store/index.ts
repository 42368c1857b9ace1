// The public surface of the stores: the interfaces, and openStores(), where a URI picks each implementation.
//   databaseUrl: sqlite:///abs/path.db | sqlite::memory:   (postgres://… later)
//   blobUrl:     file:///abs/dir | s3://bucket/prefix
//   queueUrl:    local:                                     (redis://… later)
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AndonError } from '../errors.js';
import { openFileBlobStore } from './blob/file.js';
import { openS3BlobStore, parseS3Url } from './blob/s3.js';
import type { BlobStore } from './blob/types.js';
import { openSqliteMetaStore } from './meta/sqlite.js';
import type { MetaStore } from './meta/types.js';
import { LocalJobQueue, type LocalQueueOptions } from './queue/local.js';
import type { JobQueue } from './queue/types.js';

export type * from './meta/types.js';
export type * from './blob/types.js';
export type * from './queue/types.js';
export { ROLES } from './meta/entities.js';
export { JOB_STATUSES, canTransition, isFinal } from './meta/status.js';
export { JobAborted, abortCause } from './queue/types.js';
export { BLOB_KEY } from './blob/types.js';
export { collectBlobInput } from './blob/collect.js';
export { newId, ID_PREFIXES } from './ids.js';

export interface StoreUrls {
  databaseUrl: string;
  blobUrl: string;
  queueUrl: string;
}

export interface StoreOptions extends StoreUrls {
  /** Default size limit of blob puts, in bytes. */
  maxBlobBytes?: number;
  /** SQLite busy timeout in milliseconds (default 5000). */
  busyTimeoutMs?: number;
  queue?: LocalQueueOptions;
  /**
   * Wraps the blob store once the metadata store is open (src/security/stores.ts encrypts blobs at rest
   * this way: the stores know nothing of keys). A throw closes what was opened.
   */
  wrapBlobs?: (meta: MetaStore, openInner: (options: { maxBytes?: number }) => Promise<BlobStore>, maxBytes: number | undefined) => Promise<BlobStore>;
}

export interface Stores {
  meta: MetaStore;
  blobs: BlobStore;
  queue: JobQueue;
  /** Closes the queue first (its handlers still write to the database), then the others. */
  close(): Promise<void>;
}

/** The embedded layout under ANDON_HOME: andon.db and blobs/ beside each other, and the local queue. */
export function embeddedStoreUrls(home: string): StoreUrls {
  const abs = resolve(home);
  return { databaseUrl: `sqlite://${encodeURI(join(abs, 'andon.db'))}`, blobUrl: pathToFileURL(join(abs, 'blobs')).href, queueUrl: 'local:' };
}

const SCHEMES = {
  database: { what: 'the metadata store', ok: ['sqlite'], later: ['postgres', 'postgresql'], hint: 'sqlite:///absolute/path.db or sqlite::memory:' },
  blob: { what: 'the blob store', ok: ['file', 's3'], later: [], hint: 'file:///absolute/dir or s3://bucket/prefix' },
  queue: { what: 'the job queue', ok: ['local'], later: ['redis', 'rediss'], hint: 'local:' },
} as const;

/** Validates a store URL without opening anything; returns its scheme. */
export function checkStoreUrl(kind: keyof typeof SCHEMES, url: unknown): string {
  const s = SCHEMES[kind];
  if (typeof url !== 'string' || url === '') throw new AndonError('invalid_input', `the URL of ${s.what} is missing: use ${s.hint}`, { kind });
  const scheme = url.split(':', 1)[0]!.toLowerCase();
  if ((s.later as readonly string[]).includes(scheme)) {
    throw new AndonError('unavailable', `${s.what} on ${scheme} is not implemented yet; use ${s.hint}`, { kind, url: redact(url) });
  }
  if (!(s.ok as readonly string[]).includes(scheme)) {
    throw new AndonError('invalid_input', `unknown URL scheme "${scheme}" for ${s.what}: use ${s.hint}`, { kind, url: redact(url) });
  }
  return scheme;
}

/** Keeps credentials out of error messages and logs. */
function redact(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//***@');
}

export function sqlitePathOf(url: string): string {
  if (url === 'sqlite::memory:') return ':memory:';
  const path = url.startsWith('sqlite://') ? decodeURIComponent(url.slice('sqlite://'.length)) : '';
  if (!path.startsWith('/')) throw new AndonError('invalid_input', `a SQLite URL is ${SCHEMES.database.hint}`, { url });
  return path;
}

function blobRootOf(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    throw new AndonError('invalid_input', `a blob URL is ${SCHEMES.blob.hint}`, { url });
  }
}

export async function openMetaStore(url: string, options: { busyTimeoutMs?: number } = {}): Promise<MetaStore> {
  checkStoreUrl('database', url);
  return openSqliteMetaStore({ path: sqlitePathOf(url), busyTimeoutMs: options.busyTimeoutMs });
}

/** Validates a blob URL fully (scheme and shape) without opening anything. */
function checkBlobUrl(url: string): 'file' | 's3' {
  if (checkStoreUrl('blob', url) === 's3') {
    parseS3Url(url);
    return 's3';
  }
  blobRootOf(url);
  return 'file';
}

export async function openBlobStore(url: string, options: { maxBytes?: number } = {}): Promise<BlobStore> {
  if (checkBlobUrl(url) === 's3') return openS3BlobStore(url, { maxBytes: options.maxBytes });
  return openFileBlobStore({ root: blobRootOf(url), maxBytes: options.maxBytes });
}

export function openJobQueue(url: string, meta: MetaStore, options: LocalQueueOptions = {}): JobQueue {
  checkStoreUrl('queue', url);
  return new LocalJobQueue(meta, options);
}

export async function openStores(options: StoreOptions): Promise<Stores> {
  // Check every URL before opening anything, so a typo does not leave a half-created home behind.
  checkStoreUrl('database', options.databaseUrl);
  sqlitePathOf(options.databaseUrl);
  checkBlobUrl(options.blobUrl);
  checkStoreUrl('queue', options.queueUrl);
  const meta = await openMetaStore(options.databaseUrl, { busyTimeoutMs: options.busyTimeoutMs });
  let blobs: BlobStore;
  try {
    const openInner = (o: { maxBytes?: number }) => openBlobStore(options.blobUrl, o);
    blobs = options.wrapBlobs ? await options.wrapBlobs(meta, openInner, options.maxBlobBytes) : await openInner({ maxBytes: options.maxBlobBytes });
  } catch (e) {
    await meta.close();
    throw e;
  }
  const queue = openJobQueue(options.queueUrl, meta, options.queue);
  let closed: Promise<void> | null = null;
  return {
    meta,
    blobs,
    queue,
    close: () =>
      (closed ??= (async () => {
        await queue.close();
        await blobs.close();
        await meta.close();
      })()),
  };
}
