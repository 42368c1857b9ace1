// The BlobStore interface: content-addressed bytes per tenant. Implementations: ./file.ts (local
// folder) and ./s3.ts (S3-compatible buckets); src/security/encrypted-blobs.ts wraps either to encrypt at rest.
import type { Readable } from 'node:stream';

export interface BlobRef {
  /** The blob's name in the store: the lowercase hex sha256 of the stored bytes. */
  key: string;
  sha256: string;
  bytes: number;
}

export type BlobInput = Uint8Array | AsyncIterable<Uint8Array>;

export interface PutOptions {
  /** Refuse more than this many bytes with `too_large` (nothing is kept). Overrides the store's default. */
  maxBytes?: number;
}

/**
 * Rules every implementation keeps (checked by ./contract.ts):
 * - a blob is visible complete or not at all, even if the process dies mid-put;
 * - putting the same bytes twice is a no-op returning the same key;
 * - tenants are apart: a key put by tenant A is not found for tenant B;
 * - a malformed key or tenant id (path traversal…) → `invalid_input`; a missing blob → `not_found`;
 * - reading a blob whose bytes no longer match its key → `integrity_error`.
 */
export interface BlobStore {
  put(tenantId: string, data: BlobInput, options?: PutOptions): Promise<BlobRef>;
  get(tenantId: string, key: string): Promise<Buffer>;
  /** Resolves once the blob is found (else rejects `not_found`); the stream fails if the bytes were altered. */
  createReadStream(tenantId: string, key: string): Promise<Readable>;
  has(tenantId: string, key: string): Promise<boolean>;
  /** Size of a stored blob, or null. */
  stat(tenantId: string, key: string): Promise<{ bytes: number } | null>;
  /** True if something was deleted. Blobs are shared by content: check references before deleting. */
  delete(tenantId: string, key: string): Promise<boolean>;
  /** Every key of the tenant, in no particular order (for garbage collection). */
  list(tenantId: string): AsyncIterable<string>;
  /** Throws `unavailable` when the store cannot be reached (for /health/ready). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const BLOB_KEY = /^[0-9a-f]{64}$/;
