// The embedded BlobStore: one file per blob under <root>/<tenant>/<first two hex digits>/<sha256>.
// A put streams into <root>/<tenant>/.tmp/<random> (same file system, so the rename is atomic), hashes
// on the way, fsyncs, then renames to the final name and fsyncs the directory: a crash leaves at most
// a temp file, which is never listed or read as a blob and is removed at the next open.
// Folders are created 0700 and files 0600: only the owner of the home reads it.
import { createHash, randomUUID } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { AndonError } from '../../errors.js';
import { checkId } from '../ids.js';
import { BLOB_KEY, type BlobInput, type BlobRef, type BlobStore, type PutOptions } from './types.js';

export interface FileBlobOptions {
  /** The folder holding every tenant's blobs; created if missing. */
  root: string;
  /** Default size limit of a put (bytes); none if unset. */
  maxBytes?: number;
  /** Temp files older than this are removed at open (default one hour; 0 removes all). */
  tempMaxAgeMs?: number;
}

const TMP = '.tmp';

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code;
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || !BLOB_KEY.test(key)) {
    throw new AndonError('invalid_input', 'a blob key is 64 lowercase hex digits', { key: String(key).slice(0, 200) });
  }
  return key;
}

async function* chunksOf(data: BlobInput): AsyncIterable<Uint8Array> {
  if (data instanceof Uint8Array) {
    yield data;
    return;
  }
  for await (const chunk of data) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

async function writeAll(fh: FileHandle, chunk: Uint8Array): Promise<void> {
  let off = 0;
  while (off < chunk.length) off += (await fh.write(chunk, off, chunk.length - off)).bytesWritten;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } catch (e) {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
    if (code(e) !== 'EINVAL' && code(e) !== 'EPERM') throw e;
  } finally {
    await fh.close();
  }
}

export class FileBlobStore implements BlobStore {
  constructor(private readonly options: FileBlobOptions) {}

  private tenantDir(tenantId: string): string {
    return join(this.options.root, checkId(tenantId, 'tenantId'));
  }

  private path(tenantId: string, key: string): string {
    const k = checkKey(key);
    return join(this.tenantDir(tenantId), k.slice(0, 2), k);
  }

  async put(tenantId: string, data: BlobInput, options: PutOptions = {}): Promise<BlobRef> {
    const dir = this.tenantDir(tenantId);
    const limit = options.maxBytes ?? this.options.maxBytes ?? Infinity;
    const tmpDir = join(dir, TMP);
    await mkdir(tmpDir, { recursive: true, mode: 0o700 });
    const tmp = join(tmpDir, randomUUID());
    const fh = await open(tmp, 'wx', 0o600);
    let closed = false;
    try {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of chunksOf(data)) {
        bytes += chunk.length;
        if (bytes > limit) throw new AndonError('too_large', `the data is larger than the limit of ${limit} bytes`, { limit });
        hash.update(chunk);
        await writeAll(fh, chunk);
      }
      await fh.sync();
      await fh.close();
      closed = true;
      const key = hash.digest('hex');
      const shard = join(dir, key.slice(0, 2));
      const final = join(shard, key);
      const existing = await stat(final).catch(() => null);
      if (existing?.isFile() && existing.size === bytes) {
        await unlink(tmp);
        return { key, sha256: key, bytes };
      }
      await mkdir(shard, { recursive: true, mode: 0o700 });
      await rename(tmp, final);
      await fsyncDir(shard);
      return { key, sha256: key, bytes };
    } catch (e) {
      if (!closed) await fh.close().catch(() => {});
      await unlink(tmp).catch(() => {});
      throw e;
    }
  }

  async get(tenantId: string, key: string): Promise<Buffer> {
    const path = this.path(tenantId, key);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      if (code(e) === 'ENOENT') throw new AndonError('not_found', `blob ${key} not found`, { key });
      throw e;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== key) throw altered(key);
    return bytes;
  }

  async createReadStream(tenantId: string, key: string): Promise<Readable> {
    const path = this.path(tenantId, key);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (e) {
      if (code(e) === 'ENOENT') throw new AndonError('not_found', `blob ${key} not found`, { key });
      throw e;
    }
    const hash = createHash('sha256');
    const check = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        done(hash.digest('hex') === key ? null : altered(key));
      },
    });
    const source = fh.createReadStream();
    source.on('error', (e) => check.destroy(e));
    check.on('close', () => {
      source.destroy();
    });
    return source.pipe(check);
  }

  async has(tenantId: string, key: string): Promise<boolean> {
    return (await this.stat(tenantId, key)) !== null;
  }

  async stat(tenantId: string, key: string): Promise<{ bytes: number } | null> {
    const s = await stat(this.path(tenantId, key)).catch((e) => {
      if (code(e) === 'ENOENT') return null;
      throw e;
    });
    return s?.isFile() ? { bytes: s.size } : null;
  }

  async delete(tenantId: string, key: string): Promise<boolean> {
    try {
      await unlink(this.path(tenantId, key));
      return true;
    } catch (e) {
      if (code(e) === 'ENOENT') return false;
      throw e;
    }
  }

  async *list(tenantId: string): AsyncIterable<string> {
    const dir = this.tenantDir(tenantId);
    const shards = await readdir(dir).catch((e) => {
      if (code(e) === 'ENOENT') return [] as string[];
      throw e;
    });
    for (const shard of shards.sort()) {
      if (!/^[0-9a-f]{2}$/.test(shard)) continue;
      const names = await readdir(join(dir, shard)).catch(() => [] as string[]);
      for (const name of names.sort()) if (BLOB_KEY.test(name) && name.startsWith(shard)) yield name;
    }
  }

  /** Removes temp files left by interrupted puts that are older than `olderThanMs`; returns how many. */
  async cleanTemp(olderThanMs = this.options.tempMaxAgeMs ?? 3_600_000): Promise<number> {
    const tenants = await readdir(this.options.root).catch(() => [] as string[]);
    const cutoff = Date.now() - olderThanMs;
    let removed = 0;
    for (const tenant of tenants) {
      const tmpDir = join(this.options.root, tenant, TMP);
      const names = await readdir(tmpDir).catch(() => [] as string[]);
      for (const name of names) {
        const p = join(tmpDir, name);
        const s = await stat(p).catch(() => null);
        if (s && (olderThanMs <= 0 || s.mtimeMs < cutoff)) {
          await rm(p, { force: true, recursive: true });
          removed++;
        }
      }
    }
    return removed;
  }

  async ping(): Promise<void> {
    const s = await stat(this.options.root).catch(() => null);
    if (!s?.isDirectory()) throw new AndonError('unavailable', `the blob folder ${this.options.root} is not reachable`, {});
  }

  async close(): Promise<void> {}
}

function altered(key: string): AndonError {
  return new AndonError('integrity_error', `blob ${key} does not match its checksum`, { key });
}

export async function openFileBlobStore(options: FileBlobOptions): Promise<FileBlobStore> {
  try {
    await mkdir(options.root, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new AndonError('unavailable', `cannot create the blob folder ${options.root}: ${(e as Error).message}`, { root: options.root });
  }
  const store = new FileBlobStore(options);
  await store.cleanTemp();
  return store;
}
