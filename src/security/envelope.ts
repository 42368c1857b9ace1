// Envelope encryption with node:crypto: data keys wrapped by the master key, blobs sealed by data keys,
// both AES-256-GCM with everything that identifies them bound as additional authenticated data.
//
// Blob format (version 1), whole buffers:
//   header  = "ANDE" | 0x01 | key id (16 bytes) | nonce (12 bytes)     — 33 bytes
//   blob    = header | AES-256-GCM ciphertext | tag (16 bytes)
//   AAD     = header | UTF-8 of the context (the tenant id)
// The nonce is synthetic by default: HMAC-SHA256(nonce key, header prefix | context | plaintext), cut
// to 12 bytes (the SIV construction over GCM), so equal plaintexts under one key give equal blobs and
// a content-addressed store still deduplicates. Distinct plaintexts get distinct nonces unless a
// 96-bit PRF collides — the same bound as random nonces. The AES key and the nonce key are derived from
// the data key with HKDF under different labels, so no key serves two algorithms.
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AndonError } from '../errors.js';

export const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID_BYTES = 16;
const MAGIC = Buffer.from('ANDE', 'latin1');
const BLOB_VERSION = 1;
export const BLOB_HEADER_BYTES = MAGIC.length + 1 + KEY_ID_BYTES + NONCE_BYTES;
/** What sealing adds to a plaintext's length. */
export const BLOB_OVERHEAD = BLOB_HEADER_BYTES + TAG_BYTES;
const WRAP_VERSION = 1;
const WRAPPED_BYTES = 1 + NONCE_BYTES + KEY_BYTES + TAG_BYTES;

/** An unwrapped data key. `id` is 32 lowercase hex digits; keep `key` in memory only. */
export interface DataKey {
  id: string;
  key: Buffer;
}

export interface BlobHeader {
  version: number;
  keyId: string;
  nonce: Buffer;
}

function requireKey(key: Uint8Array, what: string): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) {
    throw new AndonError('internal', `${what} must be ${KEY_BYTES} bytes`);
  }
}

function integrity(message: string, details: Record<string, unknown> = {}): AndonError {
  return new AndonError('integrity_error', message, details);
}

/** A fresh random data key with a random id. */
export function newDataKey(): DataKey {
  return { id: randomBytes(KEY_ID_BYTES).toString('hex'), key: randomBytes(KEY_BYTES) };
}

/** What a wrapping is bound to: the key's tenant and id, so a wrapped key moved to another row fails. */
function wrapAad(tenantId: string, keyId: string): Buffer {
  return Buffer.from(`andon/data-key/v1\0${tenantId}\0${keyId}`, 'utf8');
}

/** Encrypts a data key under the master key: base64 of version | nonce | ciphertext | tag. */
export function wrapDataKey(masterKey: Uint8Array, tenantId: string, dataKey: DataKey): string {
  requireKey(masterKey, 'the master key');
  requireKey(dataKey.key, 'a data key');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, nonce);
  cipher.setAAD(wrapAad(tenantId, dataKey.id));
  const body = Buffer.concat([cipher.update(dataKey.key), cipher.final()]);
  return Buffer.concat([Buffer.of(WRAP_VERSION), nonce, body, cipher.getAuthTag()]).toString('base64');
}

/** Decrypts a wrapped data key; `integrity_error` when the master key, tenant, id or bytes do not match. */
export function unwrapDataKey(masterKey: Uint8Array, tenantId: string, keyId: string, wrapped: string): DataKey {
  requireKey(masterKey, 'the master key');
  const raw = Buffer.from(wrapped, 'base64');
  if (raw.length !== WRAPPED_BYTES || raw[0] !== WRAP_VERSION) {
    throw integrity(`the wrapped data key ${keyId} is malformed`, { keyId, tenantId });
  }
  const nonce = raw.subarray(1, 1 + NONCE_BYTES);
  const body = raw.subarray(1 + NONCE_BYTES, 1 + NONCE_BYTES + KEY_BYTES);
  const tag = raw.subarray(raw.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(wrapAad(tenantId, keyId));
    decipher.setAuthTag(tag);
    return { id: keyId, key: Buffer.concat([decipher.update(body), decipher.final()]) };
  } catch {
    throw integrity(`the data key ${keyId} cannot be unwrapped: wrong master key, or the wrapped key was altered or moved`, { keyId, tenantId });
  }
}

const derived = new WeakMap<Buffer, { enc: Buffer; nonce: Buffer }>();

function subkeys(dataKey: DataKey): { enc: Buffer; nonce: Buffer } {
  let d = derived.get(dataKey.key);
  if (!d) {
    requireKey(dataKey.key, 'a data key');
    const derive = (label: string) => Buffer.from(hkdfSync('sha256', dataKey.key, Buffer.alloc(0), `andon/blob/v1/${label}`, KEY_BYTES));
    d = { enc: derive('aes-256-gcm'), nonce: derive('synthetic-nonce') };
    derived.set(dataKey.key, d);
  }
  return d;
}

function headerOf(keyId: string, nonce: Buffer): Buffer {
  if (!/^[0-9a-f]{32}$/.test(keyId)) throw new AndonError('internal', 'a data key id is 32 lowercase hex digits');
  return Buffer.concat([MAGIC, Buffer.of(BLOB_VERSION), Buffer.from(keyId, 'hex'), nonce]);
}

/**
 * Encrypts a blob under a data key, bound to `context` (the tenant id). Deterministic unless `random`:
 * see the header comment.
 */
export function sealBlob(dataKey: DataKey, plaintext: Uint8Array, context: string, options: { random?: boolean } = {}): Buffer {
  const keys = subkeys(dataKey);
  const ctx = Buffer.from(context, 'utf8');
  let nonce: Buffer;
  if (options.random) {
    nonce = randomBytes(NONCE_BYTES);
  } else {
    const mac = createHmac('sha256', keys.nonce);
    mac.update(headerOf(dataKey.id, Buffer.alloc(NONCE_BYTES)).subarray(0, BLOB_HEADER_BYTES - NONCE_BYTES));
    mac.update(Buffer.from(String(ctx.length) + ':'));
    mac.update(ctx);
    mac.update(plaintext);
    nonce = mac.digest().subarray(0, NONCE_BYTES);
  }
  const header = headerOf(dataKey.id, nonce);
  const cipher = createCipheriv('aes-256-gcm', keys.enc, nonce);
  cipher.setAAD(Buffer.concat([header, ctx]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, body, cipher.getAuthTag()]);
}

/** Reads a blob's header; `integrity_error` when it is not a sealed blob of a known format. */
export function parseBlobHeader(blob: Uint8Array): BlobHeader {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length < BLOB_OVERHEAD) throw integrity('the encrypted blob is truncated', { bytes: b.length });
  if (!b.subarray(0, MAGIC.length).equals(MAGIC)) throw integrity('the blob is not an Andon encrypted blob (bad magic)');
  const version = b[MAGIC.length]!;
  if (version !== BLOB_VERSION) throw integrity(`the encrypted blob has format version ${version}, this Andon reads ${BLOB_VERSION}`, { version });
  const keyId = b.subarray(MAGIC.length + 1, MAGIC.length + 1 + KEY_ID_BYTES).toString('hex');
  const nonce = Buffer.from(b.subarray(BLOB_HEADER_BYTES - NONCE_BYTES, BLOB_HEADER_BYTES));
  return { version, keyId, nonce };
}

/**
 * Decrypts and authenticates a blob. `keyFor` finds the data key named in the header (null: unknown
 * here). Any tampering — header, ciphertext, tag, truncation, another context — is an `integrity_error`.
 */
export async function openBlob(blob: Uint8Array, context: string, keyFor: (keyId: string) => DataKey | null | Promise<DataKey | null>): Promise<Buffer> {
  const header = parseBlobHeader(blob);
  const dataKey = await keyFor(header.keyId);
  if (!dataKey) throw integrity(`the blob is encrypted with data key ${header.keyId}, which this tenant does not have`, { keyId: header.keyId });
  return openBlobWith(dataKey, blob, context);
}

/** As openBlob with a known key; the header must name it. */
export function openBlobWith(dataKey: DataKey, blob: Uint8Array, context: string): Buffer {
  const header = parseBlobHeader(blob);
  const expected = Buffer.from(dataKey.id, 'hex');
  const named = Buffer.from(header.keyId, 'hex');
  if (expected.length !== named.length || !timingSafeEqual(expected, named)) {
    throw integrity(`the blob is encrypted with data key ${header.keyId}, not ${dataKey.id}`, { keyId: header.keyId });
  }
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const keys = subkeys(dataKey);
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.enc, header.nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([b.subarray(0, BLOB_HEADER_BYTES), Buffer.from(context, 'utf8')]));
    decipher.setAuthTag(b.subarray(b.length - TAG_BYTES));
    return Buffer.concat([decipher.update(b.subarray(BLOB_HEADER_BYTES, b.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw integrity('the encrypted blob failed authentication: it was altered, truncated or belongs to another tenant', { keyId: header.keyId });
  }
}
