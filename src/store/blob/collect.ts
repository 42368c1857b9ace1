// A put's bytes gathered in memory up to a limit, for stores that must see all of them first (to hash, to seal).
import { AndonError } from '../../errors.js';
import type { BlobInput } from './types.js';

/** The bytes of `data`, refused with `too_large` as soon as they pass `limit` (nothing beyond it is read). */
export async function collectBlobInput(data: BlobInput, limit: number): Promise<Buffer> {
  const tooLarge = () => new AndonError('too_large', `the data is larger than the limit of ${limit} bytes`, { limit });
  if (data instanceof Uint8Array) {
    if (data.length > limit) throw tooLarge();
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }
  const parts: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of data) {
    // A view, not a copy: Buffer.concat below copies once.
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    bytes += b.length;
    if (bytes > limit) throw tooLarge();
    parts.push(b);
  }
  return Buffer.concat(parts, bytes);
}
