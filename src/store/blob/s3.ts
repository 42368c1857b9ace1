// The BlobStore on S3-compatible storage: one object per blob at <prefix>/<tenant>/<first two hex digits>/<sha256>.
// A put buffers the data (up to the size limit), hashes it, then sends one PutObject: S3 makes an object
// visible whole or not at all, so there is no temp object and no debris after a crash. Nothing relies on
// conditional writes (some S3-compatible servers ignore them): two puts of the same key write the same
// bytes, and the registry's truth (which blob a version uses) stays in the database.
// Endpoint: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL (path-style addressing, for local servers such as
// moto or MinIO); region: AWS_REGION (default us-east-1); credentials: the SDK's default chain.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { AndonError } from '../../errors.js';
import { checkId } from '../ids.js';
import { collectBlobInput } from './collect.js';
import { BLOB_KEY, type BlobInput, type BlobRef, type BlobStore, type PutOptions } from './types.js';

export interface S3BlobOptions {
  bucket: string;
  /** Folder-like prefix of every object, without leading or trailing '/'; '' for the bucket's root. */
  prefix: string;
  /** Default size limit of a put (bytes); none if unset. */
  maxBytes?: number;
  /** Overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (tests). */
  endpoint?: string;
  /** Overrides AWS_REGION. */
  region?: string;
  /** Keys per ListObjectsV2 page (S3's default, 1000, if unset; tests use small pages to cross page boundaries). */
  listPageSize?: number;
}

// S3's bucket naming rules (lowercase, 3-63 characters); a prefix is kept to safe path segments.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const S3_HINT = 's3://bucket/prefix';

/** Parses `s3://bucket/prefix` (the prefix is optional) without opening anything. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const bad = () => new AndonError('invalid_input', `an S3 blob URL is ${S3_HINT}`, { url: url.slice(0, 200) });
  const m = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(url);
  if (!m || !BUCKET.test(m[1]!)) throw bad();
  const prefix = (m[2] ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && !prefix.split('/').every((s) => PREFIX_SEGMENT.test(s))) throw bad();
  return { bucket: m[1]!, prefix };
}

function checkKey(key: unknown): string {
  if (typeof key !== 'string' || !BLOB_KEY.test(key)) {
    throw new AndonError('invalid_input', 'a blob key is 64 lowercase hex digits', { key: String(key).slice(0, 200) });
  }
  return key;
}

// A missing object, not a missing bucket (NoSuchBucket is also a 404, but means the store is misconfigured).
// HEAD responses have no body, so a HeadObject on a missing bucket also reads as NotFound: a later write says why.
function isNotFound(e: unknown): boolean {
  const name = (e as { name?: string } | null)?.name;
  return name === 'NotFound' || name === 'NoSuchKey';
}

function altered(key: string): AndonError {
  return new AndonError('integrity_error', `blob ${key} does not match its checksum`, { key });
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export class S3BlobStore implements BlobStore {
  private readonly client: S3Client;
  private readonly base: string;

  constructor(private readonly options: S3BlobOptions) {
    const endpoint = options.endpoint ?? (process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined);
    this.client = new S3Client({
      region: options.region ?? (process.env.AWS_REGION || 'us-east-1'),
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
      // Checksums only where S3 requires them: some S3-compatible servers refuse the SDK's default
      // trailing checksums, and every read is verified against the key's sha256 here anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.base = options.prefix ? `${options.prefix}/` : '';
  }

  private tenantPrefix(tenantId: string): string {
    return `${this.base}${checkId(tenantId, 'tenantId')}/`;
  }

  private objectKey(tenantId: string, key: string): string {
    const k = checkKey(key);
    return `${this.tenantPrefix(tenantId)}${k.slice(0, 2)}/${k}`;
  }

  /** Sends a command; a failure other than a missing object is the store being unreachable or refusing. */
  private async send<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      if (isNotFound(e) || e instanceof AndonError) throw e;
      const err = e as Error;
      throw new AndonError('unavailable', `the S3 blob store (bucket ${this.options.bucket}) failed to ${what}: ${err.name}: ${err.message}`, {
        bucket: this.options.bucket,
      });
    }
  }

  private async head(objectKey: string): Promise<{ bytes: number } | null> {
    try {
      const out = await this.send('read an object', () => this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: objectKey })));
      return { bytes: out.ContentLength ?? 0 };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async put(tenantId: string, data: BlobInput, options: PutOptions = {}): Promise<BlobRef> {
    const prefix = this.tenantPrefix(tenantId);
    const bytes = await collectBlobInput(data, options.maxBytes ?? this.options.maxBytes ?? Infinity);
    const key = sha256(bytes);
    const objectKey = `${prefix}${key.slice(0, 2)}/${key}`;
    const existing = await this.head(objectKey);
    if (existing?.bytes !== bytes.length) {
      await this.send('write an object', () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.options.bucket,
            Key: objectKey,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: 'application/octet-stream',
          }),
        ),
      );
    }
    return { key, sha256: key, bytes: bytes.length };
  }

  async get(tenantId: string, key: string): Promise<Buffer> {
    const objectKey = this.objectKey(tenantId, key);
    let bytes: Buffer;
    try {
      bytes = await this.send('read an object', async () => {
        const out = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: objectKey }));
        return Buffer.from((await out.Body?.transformToByteArray()) ?? new Uint8Array(0));
      });
    } catch (e) {
      if (isNotFound(e)) throw new AndonError('not_found', `blob ${key} not found`, { key });
      throw e;
    }
    if (sha256(bytes) !== key) throw altered(key);
    return bytes;
  }

  /**
   * Reads the whole object before the stream starts: the checksum can only be checked once every byte
   * is in, and S3 gives no way to withdraw bytes already handed on. Blobs are bounded by the put limit.
   * A missing blob rejects here (`not_found`); altered bytes fail the stream (`integrity_error`).
   */
  async createReadStream(tenantId: string, key: string): Promise<Readable> {
    let bytes: Buffer | null = null;
    let failure: unknown = null;
    try {
      bytes = await this.get(tenantId, key);
    } catch (e) {
      if (!(e instanceof AndonError && e.code === 'integrity_error')) throw e;
      failure = e;
    }
    return Readable.from(
      (async function* () {
        if (failure) throw failure;
        yield bytes!;
      })(),
      { objectMode: false },
    );
  }

  async has(tenantId: string, key: string): Promise<boolean> {
    return (await this.stat(tenantId, key)) !== null;
  }

  async stat(tenantId: string, key: string): Promise<{ bytes: number } | null> {
    return this.head(this.objectKey(tenantId, key));
  }

  async delete(tenantId: string, key: string): Promise<boolean> {
    const objectKey = this.objectKey(tenantId, key);
    // S3 deletes succeed whether or not the object existed: ask first to report it.
    if (!(await this.head(objectKey))) return false;
    await this.send('delete an object', () => this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: objectKey })));
    return true;
  }

  async *list(tenantId: string): AsyncIterable<string> {
    const prefix = this.tenantPrefix(tenantId);
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.send('list objects', () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.options.listPageSize }),
        ),
      );
      for (const o of page.Contents ?? []) {
        const [shard, name, ...rest] = (o.Key ?? '').slice(prefix.length).split('/');
        if (rest.length === 0 && name && BLOB_KEY.test(name) && name.startsWith(shard!)) yield name;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async ping(): Promise<void> {
    await this.send('reach the bucket', () => this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }))).catch((e: unknown) => {
      if (e instanceof AndonError) throw e;
      throw new AndonError('unavailable', `the S3 bucket ${this.options.bucket} is not reachable`, { bucket: this.options.bucket });
    });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** Opens nothing yet: reachability and credentials are checked by ping() (/health/ready) and each call. */
export function openS3BlobStore(url: string, options: Omit<S3BlobOptions, 'bucket' | 'prefix'> = {}): S3BlobStore {
  return new S3BlobStore({ ...parseS3Url(url), ...options });
}
