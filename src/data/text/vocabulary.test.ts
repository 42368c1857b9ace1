// Vocabulary fitting: reserved ids, minimum count, size cap, deterministic order, JSON round trip.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vocabulary, PAD_ID, UNK_ID, PAD_TOKEN, UNK_TOKEN } from './vocabulary.js';
import { AndonError } from '../../errors.js';

const docs = [
  ['the', 'pump', 'failed'],
  ['the', 'belt', 'failed'],
  ['the', 'pump', 'is', 'fine'],
  ['zeta', 'alpha'],
];

test('reserved ids first, then most frequent, ties in code-unit order', () => {
  const v = Vocabulary.fit(docs);
  // the×3; failed×2, pump×2; then count 1 in code-unit order: alpha, belt, fine, is, zeta.
  assert.deepEqual(v.tokens, [PAD_TOKEN, UNK_TOKEN, 'the', 'failed', 'pump', 'alpha', 'belt', 'fine', 'is', 'zeta']);
  assert.equal(v.id('the'), 2);
  assert.equal(v.id('never-seen'), UNK_ID);
  assert.equal(v.lookup('never-seen'), undefined);
  assert.equal(v.token(PAD_ID), PAD_TOKEN);
  assert.ok(v.has('pump') && !v.has('pumps'));
});

test('minCount drops rare tokens; maxSize counts the two reserved ids', () => {
  assert.deepEqual(Vocabulary.fit(docs, { minCount: 2 }).tokens.slice(2), ['the', 'failed', 'pump']);
  const capped = Vocabulary.fit(docs, { maxSize: 4 });
  assert.equal(capped.size, 4);
  assert.deepEqual(capped.tokens.slice(2), ['the', 'failed']);
  assert.equal(Vocabulary.fit(docs, { maxSize: 2 }).size, 2);
});

test('the same corpus in any order gives the same ids', () => {
  const a = Vocabulary.fit(docs),
    b = Vocabulary.fit([...docs].reverse().map((d) => [...d].reverse()));
  assert.deepEqual(a.tokens, b.tokens);
  // Upper case sorts before lower case in code units, independent of the machine's locale.
  assert.deepEqual(Vocabulary.fit([['b', 'B', 'a', 'é']]).tokens.slice(2), ['B', 'a', 'b', 'é']);
});

test('tokens spelled like reserved ones, or like Object properties, are handled', () => {
  const v = Vocabulary.fit([['<pad>', '<unk>', '__proto__', 'constructor']]);
  assert.deepEqual(v.tokens.slice(2), ['__proto__', 'constructor']);
  assert.equal(v.id('toString'), UNK_ID);
});

test('JSON round trip keeps every id; corrupt states are parse errors', () => {
  const v = Vocabulary.fit(docs);
  const back = Vocabulary.fromJSON(JSON.parse(JSON.stringify(v)));
  assert.deepEqual(back.tokens, v.tokens);
  const parseError = (e: unknown) => e instanceof AndonError && e.code === 'parse_error';
  assert.throws(() => Vocabulary.fromJSON({ type: 'vocabulary', tokens: ['a', 'a'] }), parseError);
  assert.throws(() => Vocabulary.fromJSON({ type: 'vocabulary', tokens: [1] }), parseError);
  assert.throws(() => Vocabulary.fromJSON({ tokens: [] }), parseError);
});

test('bad options are invalid input', () => {
  const invalid = (e: unknown) => e instanceof AndonError && e.code === 'invalid_input';
  assert.throws(() => Vocabulary.fit(docs, { minCount: 0 }), invalid);
  assert.throws(() => Vocabulary.fit(docs, { maxSize: 1 }), invalid);
  assert.throws(() => Vocabulary.fit(docs, { max: 3 } as never), invalid);
});
