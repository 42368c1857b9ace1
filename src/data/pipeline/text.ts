// Text encoders: bag-of-words / TF-IDF (dense), token-id bags (EmbeddingBag) and padded id sequences, fitted and replayed.
import { AndonError } from '../../errors.js';
import type { Table } from '../table.js';
import type { BagsBlock, DenseBlock, Encoder, SequenceBlock, StepState } from './types.js';
import { registerEncoder } from './registry.js';
import { checkBoolean, checkEnum, checkKeys, checkNumber, checkObject, invalid, notFitted, restoring } from './clean.js';
import type { Analysis } from '../text/tokenize.js';
import { analyzeColumn, allFeatures, resolveTextOptions, type TextOptions, type TextSpec } from '../text/analyze.js';
import { Vocabulary, resolveVocabularyOptions, PAD_ID, UNK_ID, RESERVED, type TokenIndex } from '../text/vocabulary.js';
import { HashingIndex, fnv1a32 } from '../text/hashing.js';

/*
 * Every encoder reads one text column (give several encoders for several columns). Options are stored
 * resolved (every default filled in), so a bundle replays exactly even if a default changes later.
 * Missing text is an empty document: a zero row, an empty bag, all padding.
 */

export type IndexOptions = { type: 'vocabulary'; minCount: number; maxSize: number | null } | { type: 'hashing'; buckets: number };
export type IndexSpec = { type: 'vocabulary'; minCount?: number; maxSize?: number | null } | { type: 'hashing'; buckets: number };

function checkColumn(value: unknown, kind: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(kind, '"column" must be a column name');
  return value;
}

function resolveIndex(value: unknown, kind: string, maxSize: number): IndexOptions {
  if (value === undefined) return { type: 'vocabulary', minCount: 1, maxSize };
  const spec = checkObject(value, kind);
  if (spec.type === 'hashing') {
    checkKeys(spec, ['type', 'buckets'], kind);
    return { type: 'hashing', buckets: new HashingIndex(spec.buckets as number).buckets };
  }
  if (spec.type !== 'vocabulary') throw invalid(kind, '"index.type" must be "vocabulary" or "hashing"');
  const { type: _, ...rest } = spec;
  return { type: 'vocabulary', ...resolveVocabularyOptions({ maxSize, ...rest }) };
}

function fitIndex(options: IndexOptions, docs: Iterable<readonly string[]>): TokenIndex {
  if (options.type === 'hashing') return new HashingIndex(options.buckets);
  return Vocabulary.fit(docs, { minCount: options.minCount, maxSize: options.maxSize });
}
function restoreIndex(state: unknown, options: IndexOptions): TokenIndex {
  const index = options.type === 'hashing' ? HashingIndex.fromJSON(state) : Vocabulary.fromJSON(state);
  const fits =
    index instanceof HashingIndex
      ? options.type === 'hashing' && index.buckets === options.buckets
      : options.type === 'vocabulary' && (options.maxSize === null || index.size <= options.maxSize);
  if (!fits) throw new AndonError('parse_error', 'the saved token index does not match the encoder options');
  return index;
}
function noTokens(column: string): AndonError {
  return new AndonError('empty_input', `text column "${column}" has no tokens that meet the vocabulary's minimum count in the training rows`, { column });
}

/** What every text encoder saves: its resolved options (column included) and fitted token index (plus idf for TF-IDF). */
interface SavedState extends StepState {
  options: Record<string, unknown>;
  index: unknown;
  idf?: unknown;
}

abstract class TextColumnEncoder<I extends TokenIndex = TokenIndex> implements Encoder {
  abstract readonly kind: string;
  abstract readonly options: { column: string; text: TextOptions };
  index: I | null = null;
  get columns(): readonly string[] {
    return [this.options.column];
  }
  abstract fit(table: Table): void;
  abstract encode(table: Table): DenseBlock | BagsBlock | SequenceBlock;
  protected analyze(table: Table): Analysis[] {
    return analyzeColumn(table, this.options.column, this.options.text);
  }
  protected fitted(): I {
    if (!this.index) throw notFitted(this.kind);
    return this.index;
  }
  toJSON(): StepState {
    return { kind: this.kind, options: this.options, index: this.fitted().toJSON() };
  }
  /** Puts back the fitted state of a saved encoder built from the same options. */
  abstract restore(state: SavedState): void;
}

/** The options every text encoder shares: the column, and how its text becomes tokens. */
function baseOptions(value: unknown, kind: string, known: readonly string[]): [Record<string, unknown>, { column: string; text: TextOptions }] {
  const o = checkObject(value, kind);
  checkKeys(o, ['column', 'text', ...known], kind);
  return [o, { column: checkColumn(o.column, kind), text: resolveTextOptions(o.text as TextSpec | undefined) }];
}

// ---------------------------------------------------------------- dense: bag of words and TF-IDF

interface DenseOptions {
  column: string;
  text: TextOptions;
  minCount: number;
  maxFeatures: number;
}
export interface BagOfWordsOptions extends DenseOptions {
  binary: boolean;
}
export interface TfidfOptions extends DenseOptions {
  norm: 'l2' | 'none';
  smoothIdf: boolean;
  sublinearTf: boolean;
}
/** What a caller passes: the column, and any options to change from their defaults. */
export type BagOfWordsSpec = { column: string; text?: TextSpec } & Partial<Omit<BagOfWordsOptions, 'column' | 'text'>>;
export type TfidfSpec = { column: string; text?: TextSpec } & Partial<Omit<TfidfOptions, 'column' | 'text'>>;

function denseOptions(value: unknown, kind: string, known: readonly string[]): [Record<string, unknown>, DenseOptions] {
  const [o, base] = baseOptions(value, kind, ['minCount', 'maxFeatures', ...known]);
  return [
    o,
    {
      ...base,
      minCount: checkNumber(o.minCount ?? 1, kind, 'minCount', { min: 1, integer: true }),
      maxFeatures: checkNumber(o.maxFeatures ?? 1000, kind, 'maxFeatures', { min: 1, max: 1_000_000, integer: true }),
    },
  ];
}

/** Dense output is rows × features floats; past this, bags are the right encoder. */
const MAX_DENSE_CELLS = 256 * 1024 * 1024;

abstract class DenseTextEncoder extends TextColumnEncoder<Vocabulary> {
  abstract override readonly options: DenseOptions;
  /** Turns the row's raw counts (at the `touched` columns) into its features, in place. */
  protected abstract weigh(row: Float64Array, touched: number[]): void;
  protected learn(_analyses: Analysis[], _vocab: Vocabulary): void {}

  fit(table: Table): void {
    const analyses = this.analyze(table);
    const vocab = Vocabulary.fit(analyses.map(allFeatures), { minCount: this.options.minCount, maxSize: this.options.maxFeatures + RESERVED });
    if (vocab.size === RESERVED) throw noTokens(this.options.column);
    this.learn(analyses, vocab);
    this.index = vocab;
  }

  /**
   * One feature per learned token, in vocabulary order, named "column:token"; tokens unseen in training
   * have no feature and are dropped.
   */
  encode(table: Table): DenseBlock {
    const vocab = this.fitted();
    const rows = table.rowCount,
      width = vocab.size - RESERVED,
      column = this.options.column;
    if (rows * width > MAX_DENSE_CELLS)
      throw new AndonError('too_large', `${rows} rows × ${width} text features is too large for a dense block; use token_bags`, { rows, width });
    const analyses = this.analyze(table);
    const data = new Float32Array(rows * width);
    const row = new Float64Array(width);
    const touched: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (const t of allFeatures(analyses[r])) {
        const id = vocab.lookup(t);
        if (id === undefined) continue;
        const j = id - RESERVED;
        if (row[j] === 0) touched.push(j);
        row[j]++;
      }
      this.weigh(row, touched);
      for (const j of touched) {
        data[r * width + j] = row[j];
        row[j] = 0;
      }
      touched.length = 0;
    }
    return { type: 'dense', rows, width, names: vocab.tokens.slice(RESERVED).map((t) => `${column}:${t}`), data };
  }

  restore(state: SavedState): void {
    this.index = Vocabulary.fromJSON(state.index);
  }
}

/** Token counts per row (or 1/0 with `binary`), like scikit-learn's CountVectorizer. */
export class BagOfWordsEncoder extends DenseTextEncoder {
  readonly kind = 'bag_of_words';
  readonly options: BagOfWordsOptions;
  constructor(spec: BagOfWordsSpec) {
    super();
    const [o, base] = denseOptions(spec, this.kind, ['binary']);
    this.options = { ...base, binary: checkBoolean(o.binary, this.kind, 'binary', false) };
  }
  protected weigh(row: Float64Array, touched: number[]): void {
    if (this.options.binary) for (const j of touched) row[j] = 1;
  }
}

/**
 * TF-IDF with scikit-learn's TfidfVectorizer defaults: tf = raw count (1 + ln count with `sublinearTf`),
 * idf = ln((1 + n) / (1 + df)) + 1 with `smoothIdf` (else ln(n / df) + 1), n = training rows (missing
 * text counts as an empty document), df = training rows containing the token; each row is then scaled to
 * unit Euclidean length (`norm: 'l2'`), and a row with no known token stays all zeros.
 */
export class TfidfEncoder extends DenseTextEncoder {
  readonly kind = 'tfidf';
  readonly options: TfidfOptions;
  idf: Float64Array | null = null;
  constructor(spec: TfidfSpec) {
    super();
    const k = this.kind;
    const [o, base] = denseOptions(spec, k, ['norm', 'smoothIdf', 'sublinearTf']);
    this.options = {
      ...base,
      norm: checkEnum(o.norm, ['l2', 'none'] as const, k, 'norm', 'l2'),
      smoothIdf: checkBoolean(o.smoothIdf, k, 'smoothIdf', true),
      sublinearTf: checkBoolean(o.sublinearTf, k, 'sublinearTf', false),
    };
  }

  protected override learn(analyses: Analysis[], vocab: Vocabulary): void {
    const df = new Float64Array(vocab.size - RESERVED);
    const lastRow = new Int32Array(df.length).fill(-1); // counts each token once per row
    analyses.forEach((a, r) => {
      for (const t of allFeatures(a)) {
        const id = vocab.lookup(t);
        if (id !== undefined && lastRow[id - RESERVED] !== r) {
          lastRow[id - RESERVED] = r;
          df[id - RESERVED]++;
        }
      }
    });
    const n = analyses.length,
      smooth = this.options.smoothIdf ? 1 : 0;
    this.idf = df.map((d) => Math.log((n + smooth) / (d + smooth)) + 1);
  }

  protected weigh(row: Float64Array, touched: number[]): void {
    const idf = this.idf!;
    let sq = 0;
    for (const j of touched) {
      const tf = this.options.sublinearTf ? 1 + Math.log(row[j]) : row[j];
      row[j] = tf * idf[j];
      sq += row[j] * row[j];
    }
    if (this.options.norm === 'l2' && sq > 0) {
      const s = 1 / Math.sqrt(sq);
      for (const j of touched) row[j] *= s;
    }
  }

  override toJSON(): StepState {
    return { ...super.toJSON(), idf: Array.from(this.idf!) };
  }

  override restore(state: SavedState): void {
    super.restore(state);
    const idf = state.idf;
    if (!Array.isArray(idf) || idf.length !== this.index!.size - RESERVED || !idf.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw new Error('"idf" must hold one finite number per vocabulary token');
    }
    this.idf = Float64Array.from(idf as number[]);
  }
}

// ---------------------------------------------------------------- ids: bags and sequences

export interface TokenBagsOptions {
  column: string;
  text: TextOptions;
  index: IndexOptions;
  ngramBuckets: number;
  unknown: 'drop' | 'id';
}
export interface SequenceOptions {
  column: string;
  text: TextOptions;
  index: IndexOptions;
  length: number;
  keep: 'start' | 'end';
  padding: 'end' | 'start';
  unknown: 'id' | 'drop';
}
export type TokenBagsSpec = { column: string; text?: TextSpec; index?: IndexSpec } & Partial<Omit<TokenBagsOptions, 'column' | 'text' | 'index'>>;
export type SequenceSpec = { column: string; text?: TextSpec; index?: IndexSpec } & Partial<Omit<SequenceOptions, 'column' | 'text' | 'index'>>;

/**
 * Each row's token ids, then its n-gram ids, as PyTorch EmbeddingBag's (ids, offsets) — fastText's input.
 * With `ngramBuckets` > 0, n-grams are hashed (FNV-1a) into their own ids after the token index, as
 * fastText does, and so never crowd words out of the vocabulary; with 0 they go through the index
 * like words. Tokens the vocabulary has not seen are dropped (`unknown: 'drop'`, fastText's choice) or
 * become UNK_ID (`'id'`). Missing text is an empty bag.
 */
export class TokenBagsEncoder extends TextColumnEncoder {
  readonly kind = 'token_bags';
  readonly options: TokenBagsOptions;
  constructor(spec: TokenBagsSpec) {
    super();
    const k = this.kind;
    const [o, base] = baseOptions(spec, k, ['index', 'ngramBuckets', 'unknown']);
    this.options = {
      ...base,
      index: resolveIndex(o.index, k, 50_000),
      ngramBuckets: checkNumber(o.ngramBuckets ?? 0, k, 'ngramBuckets', { min: 0, max: 1 << 24, integer: true }),
      unknown: checkEnum(o.unknown, ['drop', 'id'] as const, k, 'unknown', 'drop'),
    };
  }

  fit(table: Table): void {
    const hashed = this.options.ngramBuckets > 0;
    const index = fitIndex(
      this.options.index,
      this.analyze(table).map((a) => (hashed ? a.tokens : allFeatures(a))),
    );
    if (index.size === RESERVED) throw noTokens(this.options.column);
    this.index = index;
  }

  encode(table: Table): BagsBlock {
    const index = this.fitted();
    const { ngramBuckets, unknown } = this.options;
    const analyses = this.analyze(table);
    const offsets = new Int32Array(analyses.length);
    const ids: number[] = [];
    const push = (t: string) => {
      const id = index.id(t);
      if (id !== UNK_ID || unknown === 'id') ids.push(id);
    };
    analyses.forEach((a, r) => {
      offsets[r] = ids.length;
      for (const t of a.tokens) push(t);
      if (ngramBuckets > 0) for (const g of a.ngrams) ids.push(index.size + (fnv1a32(g) % ngramBuckets));
      else for (const g of a.ngrams) push(g);
    });
    return { type: 'bags', rows: analyses.length, vocabSize: index.size + ngramBuckets, ids: Int32Array.from(ids), offsets };
  }

  restore(state: SavedState): void {
    this.index = restoreIndex(state.index, this.options.index);
  }
}

/**
 * Word token ids (no n-grams: they have no place in a sequence) padded with PAD_ID or cut to `length`.
 * `keep: 'start'` keeps the first `length` tokens (the default: feedback states its point early);
 * `padding` puts the pads after the tokens ('end') or before them ('start', which suits a GRU
 * reading towards the last step). Unseen tokens become UNK_ID (`unknown: 'id'`, so positions keep
 * their meaning) or are dropped. Missing text is all padding.
 */
export class TokenSequenceEncoder extends TextColumnEncoder {
  readonly kind = 'token_sequence';
  readonly options: SequenceOptions;
  constructor(spec: SequenceSpec) {
    super();
    const k = this.kind;
    const [o, base] = baseOptions(spec, k, ['index', 'length', 'keep', 'padding', 'unknown']);
    this.options = {
      ...base,
      index: resolveIndex(o.index, k, 20_000),
      length: checkNumber(o.length ?? 64, k, 'length', { min: 1, max: 100_000, integer: true }),
      keep: checkEnum(o.keep, ['start', 'end'] as const, k, 'keep', 'start'),
      padding: checkEnum(o.padding, ['end', 'start'] as const, k, 'padding', 'end'),
      unknown: checkEnum(o.unknown, ['id', 'drop'] as const, k, 'unknown', 'id'),
    };
    const t = this.options.text.tokenize;
    if (t.wordNgrams > 1 || t.charNgrams) throw invalid(k, 'reads word tokens only; n-gram options belong to token_bags, bag_of_words or tfidf');
  }

  fit(table: Table): void {
    const index = fitIndex(
      this.options.index,
      this.analyze(table).map((a) => a.tokens),
    );
    if (index.size === RESERVED) throw noTokens(this.options.column);
    this.index = index;
  }

  encode(table: Table): SequenceBlock {
    const index = this.fitted();
    const { length: L, keep, padding, unknown } = this.options;
    const analyses = this.analyze(table);
    const ids = new Int32Array(analyses.length * L).fill(PAD_ID);
    analyses.forEach((a, r) => {
      let row = a.tokens.map((t) => index.id(t));
      if (unknown === 'drop') row = row.filter((id) => id !== UNK_ID);
      if (row.length > L) row = keep === 'start' ? row.slice(0, L) : row.slice(row.length - L);
      ids.set(row, r * L + (padding === 'start' ? L - row.length : 0));
    });
    return { type: 'sequence', rows: analyses.length, length: L, vocabSize: index.size, padId: PAD_ID, ids };
  }

  restore(state: SavedState): void {
    this.index = restoreIndex(state.index, this.options.index);
  }
}

// ---------------------------------------------------------------- restore from a bundle

const KINDS: Record<string, new (spec: never) => TextColumnEncoder> = {
  bag_of_words: BagOfWordsEncoder,
  tfidf: TfidfEncoder,
  token_bags: TokenBagsEncoder,
  token_sequence: TokenSequenceEncoder,
};

for (const [kind, Make] of Object.entries(KINDS)) {
  registerEncoder(kind, (state) =>
    restoring(state, kind, () => {
      const e = new Make(state.options as never);
      e.restore(state as SavedState);
      return e;
    }),
  );
}
