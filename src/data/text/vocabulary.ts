// Vocabulary: token ↔ id fitted on a training corpus, most frequent first, with reserved padding and unknown ids.
import { AndonError } from '../../errors.js';

export const PAD_ID = 0;
export const UNK_ID = 1;
/** Ids below this are reserved; learned tokens start here. */
export const RESERVED = 2;
export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';

/** What encoders need from a vocabulary or a hashing index. */
export interface TokenIndex {
  readonly size: number;
  /** The token's id; a vocabulary answers UNK_ID for a token it has not seen. */
  id(token: string): number;
  has(token: string): boolean;
  toJSON(): { type: string; [key: string]: unknown };
}

export interface VocabularyOptions {
  /** Tokens seen fewer times than this in the whole corpus are left out. */
  minCount: number;
  /** Largest total size, counting the two reserved ids; null = no limit. */
  maxSize: number | null;
}

export const DEFAULT_VOCABULARY: Readonly<VocabularyOptions> = Object.freeze({ minCount: 1, maxSize: null });

export function resolveVocabularyOptions(options: Partial<VocabularyOptions> = {}): VocabularyOptions {
  const o = { ...DEFAULT_VOCABULARY, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) };
  for (const k of Object.keys(o)) {
    if (!(k in DEFAULT_VOCABULARY)) throw new AndonError('invalid_input', `unknown vocabulary option "${k}"`, { option: k });
  }
  if (!Number.isInteger(o.minCount) || o.minCount < 1)
    throw new AndonError('invalid_input', 'vocabulary minCount must be an integer ≥ 1', { minCount: o.minCount });
  if (o.maxSize !== null && (!Number.isInteger(o.maxSize) || o.maxSize < RESERVED)) {
    throw new AndonError('invalid_input', `vocabulary maxSize must be null or an integer ≥ ${RESERVED}`, { maxSize: o.maxSize });
  }
  return o;
}

/** Counts how often each token occurs; a Map so tokens like "__proto__" are ordinary keys. */
export function countTokens(docs: Iterable<readonly string[]>, counts = new Map<string, number>()): Map<string, number> {
  for (const doc of docs) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/** Code-unit order: the same on every machine, unlike localeCompare. */
function byToken(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class Vocabulary implements TokenIndex {
  private readonly ids = new Map<string, number>();

  /** `tokens[id]` is the token of each id; tokens[0] and tokens[1] must be the reserved ones. */
  constructor(readonly tokens: readonly string[]) {
    if (tokens[PAD_ID] !== PAD_TOKEN || tokens[UNK_ID] !== UNK_TOKEN) {
      throw new AndonError('invalid_input', `a vocabulary starts with "${PAD_TOKEN}" and "${UNK_TOKEN}"`);
    }
    tokens.forEach((t, i) => {
      if (typeof t !== 'string') throw new AndonError('invalid_input', `vocabulary entry ${i} is not a string`);
      if (this.ids.has(t)) throw new AndonError('invalid_input', `token "${t}" appears twice in the vocabulary`, { token: t });
      this.ids.set(t, i);
    });
  }

  /**
   * Keeps tokens counted at least `minCount` times, most frequent first, equal counts in code-unit order
   * of the token (so the same corpus gives the same ids anywhere), cut at `maxSize` ids in all.
   * Tokens spelled like the reserved ones are skipped rather than given a second id.
   */
  static fromCounts(counts: ReadonlyMap<string, number>, options: Partial<VocabularyOptions> = {}): Vocabulary {
    const o = resolveVocabularyOptions(options);
    const kept = [...counts].filter(([t, c]) => c >= o.minCount && t !== PAD_TOKEN && t !== UNK_TOKEN);
    kept.sort((a, b) => b[1] - a[1] || byToken(a[0], b[0]));
    const limit = o.maxSize === null ? kept.length : Math.min(kept.length, o.maxSize - RESERVED);
    return new Vocabulary([PAD_TOKEN, UNK_TOKEN, ...kept.slice(0, limit).map(([t]) => t)]);
  }

  /** Fits on tokenised documents. */
  static fit(docs: Iterable<readonly string[]>, options: Partial<VocabularyOptions> = {}): Vocabulary {
    return Vocabulary.fromCounts(countTokens(docs), options);
  }

  get size(): number {
    return this.tokens.length;
  }

  id(token: string): number {
    return this.ids.get(token) ?? UNK_ID;
  }

  /** The id, or undefined for an unseen token (callers that drop unknowns use this). */
  lookup(token: string): number | undefined {
    return this.ids.get(token);
  }

  has(token: string): boolean {
    return this.ids.has(token);
  }

  token(id: number): string {
    const t = this.tokens[id];
    if (t === undefined) throw new AndonError('invalid_input', `id ${id} is outside the vocabulary of ${this.size}`, { id });
    return t;
  }

  /** The learned tokens only; the reserved two are implied and put back by fromJSON. */
  toJSON(): { type: 'vocabulary'; tokens: string[] } {
    return { type: 'vocabulary', tokens: this.tokens.slice(RESERVED) };
  }

  static fromJSON(state: unknown): Vocabulary {
    const s = state as { type?: unknown; tokens?: unknown };
    if (!s || s.type !== 'vocabulary' || !Array.isArray(s.tokens) || !s.tokens.every((t) => typeof t === 'string')) {
      throw new AndonError('parse_error', 'not a serialised vocabulary');
    }
    try {
      return new Vocabulary([PAD_TOKEN, UNK_TOKEN, ...(s.tokens as string[])]);
    } catch (e) {
      throw new AndonError('parse_error', `corrupt vocabulary: ${(e as Error).message}`);
    }
  }
}
