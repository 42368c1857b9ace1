// Tokenisation of English, Chinese, Japanese and mixed text, emoji and emoticons, word and character n-grams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer, tokenize, wordNgrams, charNgrams, isWordToken } from './tokenize.js';
import { normalizeText, DEFAULT_NORMALIZE } from './normalize.js';
import { AndonError } from '../../errors.js';

const norm = (s: string) => normalizeText(s, DEFAULT_NORMALIZE);

test('English: words keep apostrophes and codes, punctuation splits off', () => {
  assert.deepEqual(tokenize(norm("I don't like it!!! The flight's late.")), ['i', "don't", 'like', 'it', '!', '!', '!', 'the', "flight's", 'late', '.']);
  assert.deepEqual(tokenize('pump e-104 tripped at 1,000.5 rpm (again)'), ['pump', 'e-104', 'tripped', 'at', '1,000.5', 'rpm', '(', 'again', ')']);
  assert.deepEqual(tokenize("'quoted' well_done a,b"), ["'", 'quoted', "'", 'well_done', 'a', ',', 'b']);
  assert.deepEqual(tokenize('<user> see <url> or <email>'), ['<user>', 'see', '<url>', 'or', '<email>']);
  assert.deepEqual(tokenize('Wait... what?!', { punctuation: false }), ['Wait', 'what']);
});

test('Chinese is segmented into words with Intl.Segmenter', () => {
  assert.deepEqual(tokenize('这台机器的轴承坏了'), ['这', '台', '机器', '的', '轴承', '坏', '了']);
  assert.deepEqual(tokenize('这台机器的轴承坏了', { cjk: 'chars' }), ['这', '台', '机', '器', '的', '轴', '承', '坏', '了']);
});

test('mixed Chinese and English, with full-width punctuation and a unit', () => {
  assert.deepEqual(tokenize(norm('设备 overheating 了，温度 95°C')), ['设备', 'overheating', '了', ',', '温度', '95', '°', 'c']);
  // No spaces between scripts: the boundary between Han and Latin still splits.
  assert.deepEqual(tokenize(norm('设备overheating了')), ['设备', 'overheating', '了']);
  assert.deepEqual(tokenize(norm('传感器E-104报警')), ['传感器', 'e-104', '报警']);
});

test('Japanese runs of kanji and kana are segmented too', () => {
  const t = tokenize('東京の工場で機械が壊れた');
  assert.deepEqual(t.slice(0, 5), ['東京', 'の', '工場', 'で', '機械']);
  assert.equal(t.join(''), '東京の工場で機械が壊れた');
});

test('emoji and emoticons are tokens (or dropped when asked)', () => {
  assert.deepEqual(tokenize('great :) :-( <3 ^_^ 😀👍🏽 🇺🇸'), ['great', ':)', ':-(', '<3', '^_^', '😀', '👍🏽', '🇺🇸']);
  assert.deepEqual(tokenize('family 👨‍👩‍👧 ❤️'), ['family', '👨‍👩‍👧', '❤️']);
  assert.deepEqual(tokenize(norm('Thanks :D')), ['thanks', ':d']);
  // An eye glued to a word is punctuation, not a face.
  assert.deepEqual(tokenize('time:3pm'), ['time', ':', '3pm']);
  assert.deepEqual(tokenize('ok :) 😀', { emoji: false }), ['ok']);
  assert.deepEqual(tokenize('很开心😀'), ['很', '开心', '😀']);
});

test('word n-grams give negation-aware bigrams', () => {
  assert.deepEqual(wordNgrams(['not', 'good', 'at', 'all'], 3), ['not good', 'good at', 'at all', 'not good at', 'good at all']);
  const t = new Tokenizer({ wordNgrams: 2 });
  assert.deepEqual(t.analyze('not good'), { tokens: ['not', 'good'], ngrams: ['not good'] });
  assert.deepEqual(t.features('not good'), ['not', 'good', 'not good']);
  assert.deepEqual(t.analyze(''), { tokens: [], ngrams: [] });
});

test('character n-grams of CJK runs cross segmenter word boundaries', () => {
  assert.deepEqual(charNgrams('轴承坏', 1, 2), ['轴', '承', '坏', '轴承', '承坏']);
  assert.deepEqual(charNgrams('😀a', 2, 2), ['😀a']);
  const t = new Tokenizer({ charNgrams: { min: 2, max: 2, scope: 'cjk' } });
  assert.deepEqual(t.analyze('轴承坏了 ok'), { tokens: ['轴承', '坏', '了', 'ok'], ngrams: ['c:轴承', 'c:承坏', 'c:坏了'] });
});

test('fastText-style subwords of word tokens, with boundary marks', () => {
  const t = new Tokenizer({ charNgrams: { min: 3, max: 3, scope: 'words' } });
  assert.deepEqual(t.analyze('good !'), { tokens: ['good', '!'], ngrams: ['c:<go', 'c:goo', 'c:ood', 'c:od>'] });
  assert.ok(isWordToken('good') && isWordToken('轴承') && !isWordToken('<url>') && !isWordToken('!') && !isWordToken(':)'));
});

test('options are validated and survive JSON', () => {
  const t = new Tokenizer({ wordNgrams: 2, charNgrams: { min: 1, max: 2, scope: 'cjk' } });
  assert.deepEqual(new Tokenizer(JSON.parse(JSON.stringify(t))).options, t.options);
  const invalid = (e: unknown) => e instanceof AndonError && e.code === 'invalid_input';
  assert.throws(() => new Tokenizer({ wordNgrams: 0 }), invalid);
  assert.throws(() => new Tokenizer({ charNgrams: { min: 3, max: 2, scope: 'cjk' } }), invalid);
  assert.throws(() => new Tokenizer({ cjk: 'letters' } as never), invalid);
  assert.throws(() => new Tokenizer({ lowercase: true } as never), invalid);
});
