// Text encoders on a tiny corpus worked out by hand, JSON round trips, and a pass over real airline tweets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { Pipeline } from './pipeline.js';
import { readTable } from '../readers/index.js';
import { restoreEncoder } from './registry.js';
import type { Block, DenseBlock, Encoder } from './types.js';
import { BagOfWordsEncoder, TfidfEncoder, TokenBagsEncoder, TokenSequenceEncoder, type SequenceSpec } from './text.js';

// Vocabulary by hand: good×3, pump×2, bad×1 → ids good=2, pump=3, bad=4 (0 = padding, 1 = unknown).
const corpus = Table.fromRows([{ review: 'Good pump' }, { review: 'bad PUMP' }, { review: 'good, good' }, { review: null }]);
const serving = Table.fromRows([{ review: 'terrible pump' }, { review: '' }]);

const close = (actual: ArrayLike<number>, expected: number[], eps = 1e-6) => {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) < eps, `[${i}] ${actual[i]} ≠ ${expected[i]}`);
};
const noPunct = { tokenize: { punctuation: false } };

test('bag of words: counts and binary, one column per learned token', () => {
  const e = new BagOfWordsEncoder({ column: 'review', text: noPunct });
  e.fit(corpus);
  const b = e.encode(corpus);
  assert.deepEqual(b.names, ['review:good', 'review:pump', 'review:bad']);
  assert.deepEqual(Array.from(b.data), [1, 1, 0, 0, 1, 1, 2, 0, 0, 0, 0, 0]);
  // Unseen "terrible" has no column; empty text is a zero row.
  assert.deepEqual(Array.from(e.encode(serving).data), [0, 1, 0, 0, 0, 0]);
  const bin = new BagOfWordsEncoder({ column: 'review', binary: true, maxFeatures: 2, text: noPunct });
  bin.fit(corpus);
  assert.deepEqual(Array.from(bin.encode(corpus).data), [1, 1, 0, 1, 1, 0, 0, 0]);
});

test('TF-IDF matches smooth idf and l2 normalisation by the formula', () => {
  const e = new TfidfEncoder({ column: 'review', text: noPunct });
  e.fit(corpus);
  // n = 4 rows (the missing one is an empty document); df good = 2, pump = 2, bad = 1.
  const idfGood = Math.log(5 / 3) + 1,
    idfBad = Math.log(5 / 2) + 1;
  close(e.idf!, [idfGood, idfGood, idfBad]);
  close(e.idf!, [1.5108256237659907, 1.5108256237659907, 1.916290731874155]);
  const r1 = Math.hypot(idfGood, idfBad);
  const b = e.encode(corpus);
  close(b.data, [Math.SQRT1_2, Math.SQRT1_2, 0, 0, idfGood / r1, idfBad / r1, 1, 0, 0, 0, 0, 0]);
  close(b.data.subarray(3, 6), [0, 0.6191302964899972, 0.7852882757103967]);
  close(e.encode(serving).data, [0, 1, 0, 0, 0, 0]);

  // Without smoothing or normalisation: tf × (ln(n / df) + 1).
  const raw = new TfidfEncoder({ column: 'review', text: noPunct, smoothIdf: false, norm: 'none', sublinearTf: true });
  raw.fit(corpus);
  close(raw.encode(corpus).data.subarray(6, 9), [(1 + Math.log(2)) * (Math.log(4 / 2) + 1), 0, 0]);
});

test('token bags: ids and offsets, unknown dropped or kept, n-grams in the vocabulary or hashed', () => {
  const e = new TokenBagsEncoder({ column: 'review', text: noPunct });
  e.fit(corpus);
  const b = e.encode(corpus);
  assert.deepEqual(
    { ...b, ids: Array.from(b.ids), offsets: Array.from(b.offsets) },
    { type: 'bags', rows: 4, vocabSize: 5, ids: [2, 3, 4, 3, 2, 2], offsets: [0, 2, 4, 6] },
  );
  assert.deepEqual(Array.from(e.encode(serving).ids), [3]);
  const keep = new TokenBagsEncoder({ column: 'review', text: noPunct, unknown: 'id' });
  keep.fit(corpus);
  assert.deepEqual(Array.from(keep.encode(serving).ids), [1, 3]);

  // Bigrams through the vocabulary: count-1 features after good, pump in code-unit order: bad, bad pump, good good, good pump.
  const bi = { tokenize: { punctuation: false, wordNgrams: 2 } };
  const inVocab = new TokenBagsEncoder({ column: 'review', text: bi });
  inVocab.fit(corpus);
  assert.deepEqual(Array.from(inVocab.encode(corpus).ids), [2, 3, 7, 4, 3, 5, 2, 2, 6]);
  // Hashed n-grams: id = vocab size (5) + FNV-1a mod 10: "good pump" → 8, "bad pump" → 4, "good good" → 7.
  const hashed = new TokenBagsEncoder({ column: 'review', text: bi, ngramBuckets: 10 });
  hashed.fit(corpus);
  const h = hashed.encode(corpus);
  assert.equal(h.vocabSize, 15);
  assert.deepEqual(Array.from(h.ids), [2, 3, 13, 4, 3, 9, 2, 2, 12]);
});

test('token bags of Chinese text with hashed character bigrams', () => {
  const t = Table.fromRows([{ note: '轴承坏了' }, { note: '轴承正常' }]);
  const e = new TokenBagsEncoder({
    column: 'note',
    index: { type: 'hashing', buckets: 1000 },
    text: { tokenize: { charNgrams: { min: 2, max: 2, scope: 'cjk' } } },
    ngramBuckets: 10,
  });
  e.fit(t);
  const b = e.encode(t);
  // Words 轴承|坏|了 and 轴承|正常 hash into 2..1001; char bigrams into 1002 + (c:轴承 9, c:承坏 3, c:坏了 3, c:承正 6, c:正常 1).
  assert.equal(b.vocabSize, 1012);
  assert.deepEqual(Array.from(b.offsets), [0, 6]);
  assert.deepEqual(Array.from(b.ids.subarray(3, 6)), [1011, 1005, 1005]);
  assert.deepEqual(Array.from(b.ids.subarray(8)), [1011, 1008, 1003]);
  assert.equal(b.ids[0], b.ids[6]); // 轴承 has one id in both rows
});

test('sequences: padding, truncation side, unknown ids, hashing', () => {
  const e = new TokenSequenceEncoder({ column: 'review', length: 3, text: noPunct });
  e.fit(corpus);
  const s = e.encode(corpus);
  assert.deepEqual([s.rows, s.length, s.vocabSize, s.padId], [4, 3, 5, 0]);
  assert.deepEqual(Array.from(s.ids), [2, 3, 0, 4, 3, 0, 2, 2, 0, 0, 0, 0]);
  assert.deepEqual(Array.from(e.encode(serving).ids), [1, 3, 0, 0, 0, 0]);
  const fit = (spec: Partial<SequenceSpec>) => {
    const x = new TokenSequenceEncoder({ column: 'review', text: noPunct, ...spec });
    x.fit(corpus);
    return x;
  };
  assert.deepEqual(Array.from(fit({ length: 1 }).encode(corpus).ids), [2, 4, 2, 0]);
  assert.deepEqual(Array.from(fit({ length: 1, keep: 'end' }).encode(corpus).ids), [3, 3, 2, 0]);
  assert.deepEqual(Array.from(fit({ length: 3, padding: 'start' }).encode(corpus).ids), [0, 2, 3, 0, 4, 3, 0, 2, 2, 0, 0, 0]);
  assert.deepEqual(Array.from(fit({ length: 2, unknown: 'drop' }).encode(serving).ids), [3, 0, 0, 0]);
  // Hashing: good → 2 + 0xfa6031d8 mod 1000 = 218, pump → 2 + 443 = 445.
  const hashed = fit({ length: 2, index: { type: 'hashing', buckets: 1000 } });
  assert.deepEqual(Array.from(hashed.encode(corpus).ids.subarray(0, 2)), [218, 445]);
  assert.throws(() => new TokenSequenceEncoder({ column: 'review', text: { tokenize: { wordNgrams: 2 } } }), AndonError);
});

test('numbers columns are text too; errors name the problem', () => {
  const t = Table.fromRows([{ code: 104 }, { code: 7 }, { code: null }]);
  const e = new TokenBagsEncoder({ column: 'code' });
  e.fit(t);
  assert.deepEqual(Array.from(e.encode(t).ids), [2, 3]);
  const code = (c: string) => (err: unknown) => err instanceof AndonError && err.code === c;
  assert.throws(() => new TfidfEncoder({ column: 'review' }).encode(corpus), code('invalid_input'));
  assert.throws(() => new TfidfEncoder({ column: 'nope' }).fit(corpus), code('unknown_column'));
  assert.throws(() => new TfidfEncoder({ column: 'review', maxFeatures: 0 }), code('invalid_input'));
  assert.throws(() => new TfidfEncoder({ column: 'review', normalise: true } as never), code('invalid_input'));
  assert.throws(() => new TfidfEncoder({ column: 'review', minCount: 9 }).fit(corpus), code('empty_input'));
  assert.throws(
    () => restoreEncoder({ kind: 'tfidf', options: { column: 'review' }, index: { type: 'vocabulary', tokens: ['a'] }, idf: [] }),
    code('parse_error'),
  );
  assert.throws(
    () =>
      restoreEncoder({ kind: 'token_bags', options: { column: 'review', index: { type: 'hashing', buckets: 9 } }, index: { type: 'vocabulary', tokens: [] } }),
    code('parse_error'),
  );
});

const plain = (b: Block) => JSON.parse(JSON.stringify(b, (_k, v) => (ArrayBuffer.isView(v) ? { [v.constructor.name]: Array.from(v as Int32Array) } : v)));

function encoders(): Encoder[] {
  const text = { normalize: { numbers: true }, tokenize: { wordNgrams: 2, charNgrams: { min: 1, max: 2, scope: 'cjk' as const } } };
  return [
    new BagOfWordsEncoder({ column: 'review', text }),
    new TfidfEncoder({ column: 'review', text, sublinearTf: true }),
    new TokenBagsEncoder({ column: 'review', text, ngramBuckets: 64 }),
    new TokenSequenceEncoder({ column: 'review', length: 6 }),
    new TokenSequenceEncoder({ column: 'review', length: 4, index: { type: 'hashing', buckets: 50 } }),
  ];
}

test('JSON round trip gives identical blocks, alone and inside a Pipeline', () => {
  const mixed = Table.fromRows([
    { review: '设备 overheating 了，温度 95°C' },
    { review: '@united Thanks!!! great crew :)' },
    { review: 'Not good — E-104 again http://t.co/x' },
    { review: null },
    { review: '这台机器的轴承坏了 😡' },
  ]);
  for (const e of encoders()) {
    e.fit(mixed);
    const back = restoreEncoder(JSON.parse(JSON.stringify(e.toJSON())));
    assert.equal(back.kind, e.kind);
    assert.deepEqual(plain(back.encode(mixed)), plain(e.encode(mixed)), e.kind);
    assert.deepEqual(plain(back.encode(serving.take([0, 0]))), plain(e.encode(serving.take([0, 0]))), e.kind);
  }
  const p = new Pipeline([], encoders()).fit(mixed);
  const q = Pipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
  assert.deepEqual(plain(q.transform(mixed).dense), plain(p.transform(mixed).dense));
  assert.deepEqual(q.transform(mixed).bags.map(plain), p.transform(mixed).bags.map(plain));
  assert.deepEqual(q.transform(mixed).sequences.map(plain), p.transform(mixed).sequences.map(plain));
});

const datasets = fileURLToPath(new URL('../../../../shared/datasets/', import.meta.url));
const tweetsPath = datasets + 'twitter-airline-sentiment/Tweets.csv';
test('real data: 14,640 airline tweets', { skip: existsSync(tweetsPath) ? false : '../shared/datasets is missing' }, async () => {
  const { table } = await readTable(tweetsPath);
  assert.equal(table.rowCount, 14_640);

  const tfidf = new TfidfEncoder({ column: 'text', maxFeatures: 500 });
  tfidf.fit(table);
  const vocab = tfidf.index!;
  for (const t of ['<user>', '<url>', 'flight', 'thanks', '!']) assert.ok(vocab.has(t), t);
  assert.ok(!vocab.tokens.some((t) => /^(?:http|www|@\w)/.test(t)), 'links and handles are placeholders');
  const dense: DenseBlock = tfidf.encode(table);
  const labels = table.column('airline_sentiment');
  assert.equal(labels.type, 'string');
  // Sentiment shows through: "thanks" weighs more in positive tweets, "delayed" in negative ones.
  const mean = (token: string, label: string) => {
    const j = vocab.id(token) - 2;
    let s = 0,
      n = 0;
    for (let r = 0; r < dense.rows; r++) {
      if (labels.type === 'string' && labels.dictionary[labels.codes[r]] === label) {
        s += dense.data[r * dense.width + j];
        n++;
      }
    }
    return s / n;
  };
  assert.ok(mean('thanks', 'positive') > 3 * mean('thanks', 'negative'));
  assert.ok(mean('delayed', 'negative') > 3 * mean('delayed', 'positive'));
  for (let r = 0; r < dense.rows; r += 97) {
    let sq = 0;
    for (let j = 0; j < dense.width; j++) sq += dense.data[r * dense.width + j] ** 2;
    assert.ok(sq === 0 || Math.abs(sq - 1) < 1e-4, `row ${r} has squared norm ${sq}`);
  }

  const bags = new TokenBagsEncoder({ column: 'text', text: { tokenize: { wordNgrams: 2 } }, ngramBuckets: 1 << 16 });
  bags.fit(table);
  const b = bags.encode(table);
  assert.equal(b.rows, 14_640);
  for (let r = 0; r < b.rows; r++) assert.ok((r + 1 < b.rows ? b.offsets[r + 1] : b.ids.length) > b.offsets[r], `tweet ${r} has an empty bag`);
  assert.ok(b.ids.every((id) => id >= 2 && id < b.vocabSize));
  const seq = new TokenSequenceEncoder({ column: 'text', length: 32 });
  seq.fit(table);
  const q = seq.encode(table);
  let fits = 0;
  for (let r = 0; r < q.rows; r++) {
    assert.notEqual(q.ids[r * 32], 0);
    if (q.ids[r * 32 + 31] === 0) fits++;
  }
  assert.ok(fits > 0.9 * q.rows, `only ${fits} tweets fit in 32 tokens`);

  const back = restoreEncoder(JSON.parse(JSON.stringify(bags.toJSON())));
  const some = table.take(Array.from({ length: 200 }, (_, i) => i * 73));
  assert.deepEqual(plain(back.encode(some)), plain(bags.encode(some)));
});
