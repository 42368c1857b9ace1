// A BlobStore that encrypts at rest: each blob is sealed (AES-256-GCM, src/security/envelope.ts) under
// its tenant's data key before it reaches the inner store, and opened and authenticated on the way out.
//
// Naming. The inner store names a blob by the sha256 of what it stores — here the sealed bytes. The
// sealing is deterministic per tenant key (a synthetic nonce), so the same plaintext put twice by one
// tenant gives the same sealed bytes and the same key: deduplication still works, and the key is a
// function of the plaintext only through the tenant's secret key. That is the point: a sha256 of the
// plaintext as a file name lets anyone who can list the blob folder confirm a guess of a file's content
// (a known public dataset, a small config) and see which tenants hold the same file; a name keyed by
// the tenant (as an HMAC would be) reveals only equality inside one tenant, which deduplication needs
// anyway. Being the hash of the stored bytes, it also keeps the inner store's checksum-on-read.
// `BlobRef.sha256` stays the sha256 of the plaintext: the caller's checksum of its own bytes.
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { AndonError } from '../errors.js';
import { BLOB_OVERHEAD, openBlob, sealBlob } from './envelope.js';
import type { TenantKeyring } from './keyring.js';
import { checkId } from '../store/ids.js';
import { collectBlobInput, type BlobInput, type BlobRef, type BlobStore, type PutOptions } from '../store/index.js';

export interface EncryptedBlobOptions {
  /** Default size limit of a put, in plaintext bytes; none if unset. */
  maxBytes?: number;
}

export class EncryptedBlobStore implements BlobStore {
  constructor(
    private readonly inner: BlobStore,
    private readonly keyring: TenantKeyring,
    private readonly options: EncryptedBlobOptions = {},
  ) {}

  async put(tenantId: string, data: BlobInput, options: PutOptions = {}): Promise<BlobRef> {
    checkId(tenantId, 'tenantId');
    const plaintext = await collectBlobInput(data, options.maxBytes ?? this.options.maxBytes ?? Infinity);
    const sealed = sealBlob(await this.keyring.current(tenantId), plaintext, tenantId);
    const ref = await this.inner.put(tenantId, sealed, { maxBytes: sealed.length });
    return { key: ref.key, sha256: createHash('sha256').update(plaintext).digest('hex'), bytes: plaintext.length };
  }

  /**
   * A small value (a prediction log entry) sealed under the tenant's data key, as base64 text for a database
   * column; a random nonce, so equal values do not look equal. `context` binds it to its use.
   */
  async sealValue(tenantId: string, value: unknown, context: string): Promise<string> {
    checkId(tenantId, 'tenantId');
    const plaintext = Buffer.from(JSON.stringify(value), 'utf8');
    return sealBlob(await this.keyring.current(tenantId), plaintext, `${tenantId}/${context}`, { random: true }).toString('base64');
  }

  async openValue(tenantId: string, sealed: string, context: string): Promise<unknown> {
    const bytes = await openBlob(Buffer.from(sealed, 'base64'), `${tenantId}/${context}`, (keyId) => this.keyring.get(tenantId, keyId));
    return JSON.parse(bytes.toString('utf8')) as unknown;
  }

  /** The key a put of these bytes by the tenant returns now (creating the tenant's data key if needed). */
  async keyOf(tenantId: string, data: Uint8Array): Promise<string> {
    checkId(tenantId, 'tenantId');
    const sealed = sealBlob(await this.keyring.current(tenantId), data, tenantId);
    return createHash('sha256').update(sealed).digest('hex');
  }

  async get(tenantId: string, key: string): Promise<Buffer> {
    const sealed = await this.inner.get(tenantId, key);
    try {
      return await openBlob(sealed, tenantId, (keyId) => this.keyring.get(tenantId, keyId));
    } catch (e) {
      if (e instanceof AndonError && e.code === 'integrity_error') {
        throw new AndonError('integrity_error', `blob ${key}: ${e.message}`, { ...e.details, key });
      }
      throw e;
    }
  }

  /** Whole-buffer: the blob is authenticated before the first byte is handed out; a failure errors the stream. */
  async createReadStream(tenantId: string, key: string): Promise<Readable> {
    try {
      return Readable.from([await this.get(tenantId, key)]);
    } catch (e) {
      if (!(e instanceof AndonError && e.code === 'integrity_error')) throw e;
      return new Readable({
        read() {
          this.destroy(e);
        },
      });
    }
  }

  has(tenantId: string, key: string): Promise<boolean> {
    return this.inner.has(tenantId, key);
  }

  async stat(tenantId: string, key: string): Promise<{ bytes: number } | null> {
    const s = await this.inner.stat(tenantId, key);
    return s ? { bytes: Math.max(0, s.bytes - BLOB_OVERHEAD) } : null;
  }

  delete(tenantId: string, key: string): Promise<boolean> {
    return this.inner.delete(tenantId, key);
  }

  list(tenantId: string): AsyncIterable<string> {
    return this.inner.list(tenantId);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
