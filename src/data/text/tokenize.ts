// Tokeniser for English-like and CJK text: word tokens, Intl.Segmenter words for Chinese/Japanese runs, emoji, n-grams.
import { AndonError } from '../../errors.js';

export interface CharNgramOptions {
  min: number;
  max: number;
  /**
   * 'cjk': n-grams of each run of Chinese/Japanese characters, across word boundaries, so a segmenter
   * mistake still leaves the right pairs of characters. 'words': fastText subwords of every word token,
   * with '<' and '>' marking its ends ("<go", "goo", "ood", "od>").
   */
  scope: 'cjk' | 'words';
}

/** Plain values only, so the resolved options serialise with a fitted encoder. */
export interface TokenizerOptions {
  /** Chinese/Japanese runs: 'words' via Intl.Segmenter, or 'chars' — one token per character. */
  cjk: 'words' | 'chars';
  /** Locale handed to Intl.Segmenter; ICU's dictionary covers Chinese and Japanese under either. */
  segmenterLocale: string;
  /** Keep punctuation and symbols as one-character tokens ("!" and "?" carry sentiment). */
  punctuation: boolean;
  /** Keep emoji and emoticons (":)", ":-(", "<3", "^_^") as tokens. */
  emoji: boolean;
  /** Largest word n-gram: 1 = words only, 2 adds bigrams "not good" (fastText's -wordNgrams). */
  wordNgrams: number;
  /** Character n-grams, or null for none. */
  charNgrams: CharNgramOptions | null;
}

export const DEFAULT_TOKENIZER: Readonly<TokenizerOptions> = Object.freeze({
  cjk: 'words',
  segmenterLocale: 'zh',
  punctuation: true,
  emoji: true,
  wordNgrams: 1,
  charNgrams: null,
});

/** Char n-gram features start with this; no word token can (':' is split off words), so they never collide. */
export const CHAR_NGRAM_PREFIX = 'c:';
/** Word n-grams join tokens with a space, which no token contains. */
export const NGRAM_SEPARATOR = ' ';

function bad(message: string, details: Record<string, unknown> = {}): AndonError {
  return new AndonError('invalid_input', message, details);
}

function isInt(v: unknown, lo: number, hi: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;
}

export function resolveTokenizerOptions(options: Partial<TokenizerOptions> = {}): TokenizerOptions {
  if (!options || typeof options !== 'object') throw bad('tokenizer options must be an object');
  const known = Object.keys(DEFAULT_TOKENIZER);
  for (const k of Object.keys(options)) if (!known.includes(k)) throw bad(`unknown tokenizer option "${k}"`, { option: k, known });
  const o: TokenizerOptions = { ...DEFAULT_TOKENIZER };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) (o as unknown as Record<string, unknown>)[k] = v;
  if (o.cjk !== 'words' && o.cjk !== 'chars') throw bad('tokenizer option "cjk" must be "words" or "chars"');
  if (typeof o.segmenterLocale !== 'string' || !o.segmenterLocale) throw bad('tokenizer option "segmenterLocale" must be a locale such as "zh"');
  try {
    segmenter(o.segmenterLocale);
  } catch {
    throw bad(`"${o.segmenterLocale}" is not a valid locale`);
  }
  if (typeof o.punctuation !== 'boolean' || typeof o.emoji !== 'boolean') throw bad('tokenizer options "punctuation" and "emoji" must be true or false');
  if (!isInt(o.wordNgrams, 1, 5)) throw bad('tokenizer option "wordNgrams" must be an integer from 1 to 5', { wordNgrams: o.wordNgrams });
  if (o.charNgrams !== null) {
    const c = o.charNgrams;
    if (typeof c !== 'object' || !isInt(c.min, 1, 10) || !isInt(c.max, c.min, 10) || (c.scope !== 'cjk' && c.scope !== 'words')) {
      throw bad('tokenizer option "charNgrams" must be null or {min, max, scope} with 1 ≤ min ≤ max ≤ 10 and scope "cjk" or "words"', { charNgrams: c });
    }
    o.charNgrams = { min: c.min, max: c.max, scope: c.scope };
  }
  return o;
}

const CJK = '\\p{sc=Han}\\p{sc=Hiragana}\\p{sc=Katakana}\\u30FC\\u3005\\u3006';
// A letter, mark or digit of a space-separated script.
const W = `(?:(?![${CJK}])[\\p{L}\\p{M}\\p{N}])`;
// Inside a word: apostrophes ("don't"), hyphens and underscores (codes like "e-104"), and . or , between digits ("1,000.5").
const WORD = `${W}+(?:(?:['_\\-]|(?<=\\p{N})[.,](?=\\p{N}))${W}+)*`;
const PLACEHOLDER = '<(?:url|user|email|num)>';
const EYES = '[:;=]',
  NOSE = "[-'^o]?",
  MOUTH = '[)(\\][dDpPsSxXoO0/\\\\|*3$@]';
const EMOTICON = `(?<![\\p{L}\\p{N}])(?:${EYES}${NOSE}${MOUTH}+|[)(][-']?${EYES}|<\\/?3+|\\^_*\\^|-_+-|[oO]_[oO])(?![\\p{L}\\p{N}])`;
const EMOJI_UNIT = '\\p{Extended_Pictographic}(?:\\uFE0F|\\p{Emoji_Modifier})?';
const EMOJI = `\\p{Regional_Indicator}{2}|${EMOJI_UNIT}(?:\\u200D${EMOJI_UNIT})*`;
// Alternatives in priority order; a group name says what matched.
const TOKEN_RE = new RegExp(
  `(?<ph>${PLACEHOLDER})|(?<emo>${EMOTICON})|(?<emoji>${EMOJI})|(?<cjk>[${CJK}]+)|(?<word>${WORD})|(?<other>[^\\s\\uFE0F\\u200D])`,
  'gu',
);

const segmenters = new Map<string, Intl.Segmenter>();
function segmenter(locale: string): Intl.Segmenter {
  let s = segmenters.get(locale);
  if (!s) {
    s = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(locale, s);
  }
  return s;
}

/** Word tokens of one text, and the n-gram features built on them. */
export interface Analysis {
  tokens: string[];
  ngrams: string[];
}

/** All n-grams of length 2..n over tokens, shortest first, joined by NGRAM_SEPARATOR. */
export function wordNgrams(tokens: readonly string[], n: number): string[] {
  const out: string[] = [];
  for (let k = 2; k <= n; k++) {
    for (let i = 0; i + k <= tokens.length; i++) out.push(tokens.slice(i, i + k).join(NGRAM_SEPARATOR));
  }
  return out;
}

/** Character n-grams (by code point, so astral characters count once) of lengths min..max, in order of length then position. */
export function charNgrams(text: string, min: number, max: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let k = min; k <= max; k++) {
    for (let i = 0; i + k <= chars.length; i++) out.push(chars.slice(i, i + k).join(''));
  }
  return out;
}

/** Splits normalised text into tokens. Stateless apart from its options, which `toJSON` returns for replay. */
export class Tokenizer {
  readonly options: TokenizerOptions;

  constructor(options: Partial<TokenizerOptions> = {}) {
    this.options = resolveTokenizerOptions(options);
  }

  /** Word-level tokens only, in text order: what a sequence model reads. */
  tokens(text: string): string[] {
    return this.scan(text, null);
  }

  /** Tokens plus the configured word and character n-grams: what a bag-of-features model reads. */
  analyze(text: string): Analysis {
    const o = this.options;
    const cjkRuns: string[] | null = o.charNgrams?.scope === 'cjk' ? [] : null;
    const tokens = this.scan(text, cjkRuns);
    const ngrams = o.wordNgrams > 1 ? wordNgrams(tokens, o.wordNgrams) : [];
    const c = o.charNgrams;
    if (c) {
      const sources = cjkRuns ?? tokens.filter(isWordToken).map((t) => `<${t}>`);
      for (const s of sources) for (const g of charNgrams(s, c.min, c.max)) ngrams.push(CHAR_NGRAM_PREFIX + g);
    }
    return { tokens, ngrams };
  }

  /** Tokens and n-grams in one list. */
  features(text: string): string[] {
    const a = this.analyze(text);
    return a.ngrams.length ? a.tokens.concat(a.ngrams) : a.tokens;
  }

  toJSON(): TokenizerOptions {
    return { ...this.options, charNgrams: this.options.charNgrams && { ...this.options.charNgrams } };
  }

  private scan(text: string, cjkRuns: string[] | null): string[] {
    const o = this.options;
    const out: string[] = [];
    for (const m of text.matchAll(TOKEN_RE)) {
      const g = m.groups!;
      if (g.ph !== undefined || g.word !== undefined) out.push(m[0]);
      else if (g.cjk !== undefined) {
        cjkRuns?.push(g.cjk);
        if (o.cjk === 'chars') out.push(...Array.from(g.cjk));
        else
          for (const s of segmenter(o.segmenterLocale).segment(g.cjk)) {
            if (s.segment.trim()) out.push(s.segment);
          }
      } else if (g.emo !== undefined || g.emoji !== undefined) {
        if (o.emoji) out.push(m[0]);
      } else if (o.punctuation) out.push(m[0]);
    }
    return out;
  }
}

const WORD_TOKEN_RE = new RegExp(`^(?:${WORD}|[${CJK}]+)$`, 'u');
/** A token made of letters or digits (not a placeholder, emoji or punctuation): the ones with subwords. */
export function isWordToken(t: string): boolean {
  return WORD_TOKEN_RE.test(t);
}

/** One-off tokenisation with default or given options. */
export function tokenize(text: string, options: Partial<TokenizerOptions> = {}): string[] {
  return new Tokenizer(options).tokens(text);
}
