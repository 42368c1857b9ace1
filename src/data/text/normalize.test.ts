// Normalisation: NFKC width folding, case, placeholders for links/addresses/handles/numbers, whitespace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeText, resolveNormalizeOptions, foldCase } from './normalize.js';
import { AndonError } from '../../errors.js';

const defaults = resolveNormalizeOptions();
const withNumbers = resolveNormalizeOptions({ numbers: true });

test('NFKC folds full-width letters, digits and punctuation', () => {
  assert.equal(normalizeText('ＡＢＣ１２３', defaults), 'abc123');
  assert.equal(normalizeText('温度太高！为什么？（急）', defaults), '温度太高!为什么?(急)');
  assert.equal(normalizeText('95℃ ﬁlter m²', defaults), '95°c filter m2');
  // Ideographic space is a space after NFKC, then collapsed.
  assert.equal(normalizeText('设备\u3000\u3000故障', defaults), '设备 故障');
  assert.equal(normalizeText('ＡＢＣ', resolveNormalizeOptions({ nfkc: false, lowercase: false })), 'ＡＢＣ');
});

test('case folding is locale-independent and merges Turkish dotted I with i', () => {
  assert.equal(foldCase('İstanbul'), 'istanbul');
  assert.equal(foldCase('ISTANBUL'), 'istanbul');
  assert.equal(foldCase('ıi'), 'ıi'); // dotless ı is a different letter and stays
  assert.equal(foldCase('STRASSE Straße'), 'strasse straße');
  assert.equal(normalizeText('Great FLIGHT', resolveNormalizeOptions({ lowercase: false })), 'Great FLIGHT');
});

test('URLs, e-mails and mentions become placeholders; sentence punctuation stays', () => {
  assert.equal(normalizeText('@VirginAmerica see http://t.co/AbC12. or www.example.com/x?y=1, ok', defaults), '<user> see <url>. or <url>, ok');
  assert.equal(normalizeText('mail Bob.Smith+qa@Example.co.uk now', defaults), 'mail <email> now');
  assert.equal(normalizeText('https://user@host.example/path', defaults), '<url>');
  assert.equal(normalizeText('@united @AmericanAir thanks', defaults), '<user> <user> thanks');
  // An @ inside a word is not a mention.
  assert.equal(normalizeText('meet a@b', defaults), 'meet a@b');
  const off = resolveNormalizeOptions({ urls: false, mentions: false, emails: false });
  assert.equal(normalizeText('@x http://a.b c@d.com', off), '@x http://a.b c@d.com');
});

test('numbers are kept by default; with the option, quantities become <num> but codes stay', () => {
  assert.equal(normalizeText('Error E-104 at 95°C', defaults), 'error e-104 at 95°c');
  assert.equal(
    normalizeText('Error E-104 at 95°C, 1,000.5 rpm in 2015. v2.0 3pm E104 <3', withNumbers),
    'error e-104 at <num>°c, <num> rpm in <num>. v2.0 3pm e104 <3',
  );
  assert.equal(normalizeText('温度95度，-5 以下', withNumbers), '温度<num>度,<num> 以下');
});

test('whitespace and invisible characters collapse; typographic apostrophes fold', () => {
  assert.equal(normalizeText('  a \t\n b\u200B c\r\n', defaults), 'a b c');
  assert.equal(normalizeText('Don’t', defaults), "don't");
  assert.equal(normalizeText('', defaults), '');
});

test('options are validated and serialise as plain JSON', () => {
  const o = resolveNormalizeOptions({ numbers: true });
  assert.deepEqual(JSON.parse(JSON.stringify(o)), o);
  assert.throws(
    () => resolveNormalizeOptions({ numbrs: true } as never),
    (e: unknown) => e instanceof AndonError && e.code === 'invalid_input',
  );
  assert.throws(() => resolveNormalizeOptions({ urls: 'yes' } as never), AndonError);
});
