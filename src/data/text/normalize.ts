// Text normalisation before tokenising: Unicode NFKC, case folding, placeholders for URLs/e-mails/mentions/numbers, whitespace.
import { AndonError } from '../../errors.js';

/**
 * Every field is a plain value so the resolved options serialise into a model bundle and replay
 * exactly at serving time, even if the defaults here change later.
 */
export interface NormalizeOptions {
  /** Unicode NFKC: full-width ＡＢＣ１２３ → ABC123, full-width punctuation ，！ → ,!, ℃ → °C, ² → 2, ﬁ → fi. */
  nfkc: boolean;
  /** Lower-case (see `foldCase`). */
  lowercase: boolean;
  /** Typographic apostrophes ’ ‘ ʼ → ' so "don’t" and "don't" are one token. */
  apostrophes: boolean;
  /** http(s)://, ftp:// and www. links → `<url>`. */
  urls: boolean;
  /** name@host.tld → `<email>`. */
  emails: boolean;
  /** @handle → `<user>`. */
  mentions: boolean;
  /**
   * Stand-alone numbers → `<num>`. Off by default: in maintenance text "E-104" or "95°C" carry meaning.
   * Even when on, digits glued to Latin letters or joined by a hyphen ("E-104", "3pm", "m2") stay,
   * because those are codes and units rather than quantities; digits next to CJK characters
   * ("温度95度") are replaced, because Chinese writes numbers without spaces.
   */
  numbers: boolean;
  /** Runs of whitespace (and control characters) → one space; ends trimmed. */
  whitespace: boolean;
}

export const DEFAULT_NORMALIZE: Readonly<NormalizeOptions> = Object.freeze({
  nfkc: true,
  lowercase: true,
  apostrophes: true,
  urls: true,
  emails: true,
  mentions: true,
  numbers: false,
  whitespace: true,
});

const KEYS = Object.keys(DEFAULT_NORMALIZE) as (keyof NormalizeOptions)[];

/** Fills defaults and rejects unknown or non-boolean fields, so a typo in a spec is an error, not a silent default. */
export function resolveNormalizeOptions(options: Partial<NormalizeOptions> = {}): NormalizeOptions {
  if (!options || typeof options !== 'object') throw new AndonError('invalid_input', 'normalize options must be an object');
  for (const [k, v] of Object.entries(options)) {
    if (!KEYS.includes(k as keyof NormalizeOptions)) throw new AndonError('invalid_input', `unknown normalize option "${k}"`, { option: k, known: KEYS });
    if (v !== undefined && typeof v !== 'boolean') throw new AndonError('invalid_input', `normalize option "${k}" must be true or false`, { option: k });
  }
  const out = { ...DEFAULT_NORMALIZE };
  for (const k of KEYS) if (options[k] !== undefined) out[k] = options[k]!;
  return out;
}

// Trailing punctuation is usually the sentence's, not the link's: "see http://x.co/a." keeps its full stop.
const URL_RE = /(?<![\p{L}\p{N}])(?:(?:https?|ftp):\/\/|www\.)[^\s<>"'`]+/giu;
const URL_TRAILING = /[.,;:!?)\]}…]+$/u;
const EMAIL_RE = /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}(?![\p{L}\p{N}])/gu;
const MENTION_RE = /(?<![\p{L}\p{N}_@])@[\p{L}\p{N}_]+/gu;
const NUMBER_RE = /[-+]?\p{Nd}+(?:[.,]\p{Nd}+)*/gu;
const CJK_RE = /[\p{sc=Han}\p{sc=Hiragana}\p{sc=Katakana}]/u;
const WORDISH_RE = /[\p{L}\p{N}\p{M}_]/u;
const APOSTROPHES_RE = /[\u2018\u2019\u02BC\uFF07]/g;
// Zero-width space and byte-order marks are invisible noise; zero-width joiners are kept because emoji sequences need them.
const INVISIBLE_RE = /[\u200B\u2060\uFEFF]/g;
const SPACE_RE = /[\s\p{Cc}]+/gu;

/**
 * Case folding with `String.prototype.toLowerCase`, which applies Unicode's default, locale-independent
 * mapping — the same result on every server whatever its locale. That is close to, but not, full case
 * folding: "ß" stays "ß" (not "ss") and final sigma keeps its form. Turkish dotted "İ" lowercases to
 * "i" + combining dot above; we drop the dot so "İstanbul" and "Istanbul" meet as "istanbul". Turkish
 * dotless "ı" stays "ı", since merging it with "i" would merge distinct Turkish words.
 */
export function foldCase(text: string): string {
  return text.toLowerCase().replace(/i\u0307/g, 'i');
}

function replaceUrls(text: string): string {
  return text.replace(URL_RE, (url) => {
    const tail = URL_TRAILING.exec(url);
    return tail ? '<url>' + tail[0] : '<url>';
  });
}

/** The code point that ends just before `at`, or '' at the start (handles surrogate pairs). */
function charBefore(s: string, at: number): string {
  if (at <= 0) return '';
  const lo = s.charCodeAt(at - 1);
  if (lo >= 0xdc00 && lo <= 0xdfff && at >= 2) return s.slice(at - 2, at);
  return s[at - 1];
}

function charAfter(s: string, at: number): string {
  if (at >= s.length) return '';
  return String.fromCodePoint(s.codePointAt(at)!);
}

/** A letter or digit outside CJK: what a code is made of. */
function isCodeChar(c: string): boolean {
  return c !== '' && WORDISH_RE.test(c) && !CJK_RE.test(c);
}

/**
 * True when the digit run [from, to) belongs to a code or unit: a non-CJK letter/digit, '_' or '-'
 * touches it, or a '.' that itself touches one ("v2.0", "1.2.3"); a sentence's full stop does not.
 */
function partOfCode(s: string, from: number, to: number): boolean {
  const before = charBefore(s, from),
    after = charAfter(s, to);
  if (isCodeChar(before) || before === '_' || before === '-') return true;
  if (isCodeChar(after) || after === '_' || after === '-') return true;
  if (before === '.' && isCodeChar(charBefore(s, from - 1))) return true;
  if (after === '.' && isCodeChar(charAfter(s, to + 1))) return true;
  return false;
}

function replaceNumbers(text: string): string {
  return text.replace(NUMBER_RE, (m: string, at: number) => {
    const signed = m[0] === '-' || m[0] === '+';
    // A sign glued to a letter is a hyphen ("E-104"), so the digits are a code.
    if (signed && isCodeChar(charBefore(text, at))) return m;
    // "<3" is a heart, not a three.
    if (/^3+$/.test(m) && (charBefore(text, at) === '<' || text.slice(at - 2, at) === '</')) return m;
    return partOfCode(text, at, at + m.length) ? m : '<num>';
  });
}

/** Normalises one text with resolved options (see `resolveNormalizeOptions`). */
export function normalizeText(text: string, options: NormalizeOptions = DEFAULT_NORMALIZE): string {
  let t = text;
  if (options.nfkc) t = t.normalize('NFKC');
  t = t.replace(INVISIBLE_RE, '');
  if (options.apostrophes) t = t.replace(APOSTROPHES_RE, "'");
  // URLs before e-mails (a URL may hold user@host), e-mails before mentions (an address holds @host).
  // The includes() guards skip the Unicode regexes on the many texts with nothing to replace.
  if (options.urls && (t.includes('://') || /www\./i.test(t))) t = replaceUrls(t);
  const at = t.includes('@');
  if (options.emails && at) t = t.replace(EMAIL_RE, '<email>');
  if (options.mentions && at) t = t.replace(MENTION_RE, '<user>');
  if (options.numbers) t = replaceNumbers(t);
  if (options.lowercase) t = foldCase(t);
  if (options.whitespace) t = t.replace(SPACE_RE, ' ').trim();
  return t;
}
