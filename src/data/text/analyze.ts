// Text of a table column → each row's tokens and n-grams, under one serialisable set of normalise + tokenise options.
import { AndonError } from '../../errors.js';
import type { Table } from '../table.js';
import { normalizeText, resolveNormalizeOptions, type NormalizeOptions } from './normalize.js';
import { Tokenizer, type Analysis, type TokenizerOptions } from './tokenize.js';

/** How raw text becomes tokens; stored resolved, so a bundle replays even if defaults change. */
export interface TextOptions {
  normalize: NormalizeOptions;
  tokenize: TokenizerOptions;
}
export interface TextSpec {
  normalize?: Partial<NormalizeOptions>;
  tokenize?: Partial<TokenizerOptions>;
}

export function resolveTextOptions(spec: TextSpec = {}): TextOptions {
  if (!spec || typeof spec !== 'object') throw new AndonError('invalid_input', 'text options must be an object');
  for (const k of Object.keys(spec)) {
    if (k !== 'normalize' && k !== 'tokenize')
      throw new AndonError('invalid_input', `unknown text option "${k}"`, { option: k, known: ['normalize', 'tokenize'] });
  }
  return { normalize: resolveNormalizeOptions(spec.normalize), tokenize: new Tokenizer(spec.tokenize).toJSON() };
}

/** Normalises then tokenises one text. */
export function analyzeText(text: string, options: TextOptions): Analysis {
  return new Tokenizer(options.tokenize).analyze(normalizeText(text, options.normalize));
}

/** A row's tokens followed by its n-grams. */
export const allFeatures = (a: Analysis): string[] => (a.ngrams.length ? a.tokens.concat(a.ngrams) : a.tokens);

/**
 * Analyses per distinct text, kept as long as the column's dictionary lives: fitting and then encoding the
 * same training table (or several encoders with the same text options on one column) tokenise once.
 * Cached analyses are shared between rows and callers, so nobody may mutate them.
 */
const analysisCache = new WeakMap<readonly string[], Map<string, Map<number, Analysis>>>();
function cacheFor(dictionary: readonly string[], text: TextOptions): Map<number, Analysis> {
  let byOptions = analysisCache.get(dictionary);
  if (!byOptions) {
    byOptions = new Map();
    analysisCache.set(dictionary, byOptions);
  }
  const key = JSON.stringify(text);
  let cache = byOptions.get(key);
  if (!cache) {
    cache = new Map();
    byOptions.set(key, cache);
  }
  return cache;
}

/**
 * Each row's analysis. Text columns are dictionary-coded, so each distinct text is normalised and tokenised
 * once, lazily: a one-row serving table may share a training-sized dictionary. A number column is read as
 * the numbers' text. Missing cells analyse as no tokens.
 */
export function analyzeColumn(table: Table, column: string, text: TextOptions): Analysis[] {
  const col = table.column(column);
  const tokenizer = new Tokenizer(text.tokenize);
  const analyze = (s: string) => tokenizer.analyze(normalizeText(s, text.normalize));
  const none: Analysis = { tokens: [], ngrams: [] };
  const out = new Array<Analysis>(table.rowCount);
  if (col.type === 'number') {
    for (let r = 0; r < out.length; r++) out[r] = Number.isNaN(col.values[r]) ? none : analyze(String(col.values[r]));
    return out;
  }
  const cache = cacheFor(col.dictionary, text);
  for (let r = 0; r < out.length; r++) {
    const c = col.codes[r];
    if (c < 0) {
      out[r] = none;
      continue;
    }
    let a = cache.get(c);
    if (!a) {
      a = analyze(col.dictionary[c]);
      cache.set(c, a);
    }
    out[r] = a;
  }
  return out;
}
