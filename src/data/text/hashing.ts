// Feature hashing: a token's id from a stable 32-bit FNV-1a hash of its UTF-8 bytes, the same on every machine.
import { AndonError } from '../../errors.js';
import { PAD_ID, UNK_ID, RESERVED } from './vocabulary.js';

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * FNV-1a, 32 bits, over the UTF-8 encoding of `text`: start from 2166136261, then for each byte
 * `h = (h XOR byte) × 16777619 mod 2³²`. UTF-8 (not JavaScript's UTF-16 code units) so the value matches
 * any other implementation hashing the same string. A lone surrogate is hashed as U+FFFD, as
 * TextEncoder would write it.
 */
export function fnv1a32(text: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) {
      h = Math.imul(h ^ cp, FNV_PRIME);
    } else if (cp < 0x800) {
      h = Math.imul(h ^ (0xc0 | (cp >> 6)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
    } else if (cp < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (cp >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (cp >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((cp >> 12) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((cp >> 6) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | (cp & 0x3f)), FNV_PRIME);
    }
  }
  return h >>> 0;
}

/** Largest bucket count; 2²⁴ rows of embeddings is already far more than text models here need. */
export const MAX_BUCKETS = 1 << 24;

/**
 * Token → id without a fitted vocabulary: `RESERVED + fnv1a32(token) mod buckets`, so ids 0 (padding)
 * and 1 (unknown) keep their meaning and `size = buckets + 2`. Nothing is ever unknown; distinct tokens
 * may share an id, less often the more buckets there are.
 */
export class HashingIndex {
  readonly padId = PAD_ID;
  readonly unkId = UNK_ID;
  readonly size: number;

  constructor(readonly buckets: number) {
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > MAX_BUCKETS) {
      throw new AndonError('invalid_input', `hashing buckets must be an integer from 1 to ${MAX_BUCKETS}`, { buckets });
    }
    this.size = buckets + RESERVED;
  }

  id(token: string): number {
    return RESERVED + (fnv1a32(token) % this.buckets);
  }

  /** Hashing knows every token; the method exists so callers can treat a HashingIndex like a Vocabulary. */
  has(_token: string): boolean {
    return true;
  }

  toJSON(): { type: 'hashing'; hash: 'fnv1a32-utf8'; buckets: number } {
    return { type: 'hashing', hash: 'fnv1a32-utf8', buckets: this.buckets };
  }

  static fromJSON(state: unknown): HashingIndex {
    const s = state as { type?: unknown; hash?: unknown; buckets?: unknown };
    if (!s || s.type !== 'hashing' || s.hash !== 'fnv1a32-utf8' || typeof s.buckets !== 'number') {
      throw new AndonError('parse_error', 'not a serialised hashing index (fnv1a32-utf8)');
    }
    return new HashingIndex(s.buckets);
  }
}
