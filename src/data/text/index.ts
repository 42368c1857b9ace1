// Public surface of text preprocessing: normalisation, tokenisation, column analysis, vocabulary and feature hashing.
export { normalizeText, resolveNormalizeOptions, foldCase, DEFAULT_NORMALIZE } from './normalize.js';
export type { NormalizeOptions } from './normalize.js';
export {
  Tokenizer,
  tokenize,
  resolveTokenizerOptions,
  wordNgrams,
  charNgrams,
  isWordToken,
  DEFAULT_TOKENIZER,
  CHAR_NGRAM_PREFIX,
  NGRAM_SEPARATOR,
} from './tokenize.js';
export type { TokenizerOptions, CharNgramOptions, Analysis } from './tokenize.js';
export { Vocabulary, countTokens, resolveVocabularyOptions, DEFAULT_VOCABULARY, PAD_ID, UNK_ID, RESERVED, PAD_TOKEN, UNK_TOKEN } from './vocabulary.js';
export type { VocabularyOptions, TokenIndex } from './vocabulary.js';
export { HashingIndex, fnv1a32, MAX_BUCKETS } from './hashing.js';
export { analyzeColumn, analyzeText, allFeatures, resolveTextOptions } from './analyze.js';
export type { TextOptions, TextSpec } from './analyze.js';
