// The dictionaries: both languages have exactly the same keys, no empty values, and the same {placeholders}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { en } from './src/i18n/en.ts';
import { zh } from './src/i18n/zh.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('English and Chinese dictionaries have the same keys', () => {
  const a = Object.keys(en).sort(),
    b = Object.keys(zh).sort();
  assert.deepEqual(
    b.filter((k) => !a.includes(k)),
    [],
    'keys only in zh',
  );
  assert.deepEqual(
    a.filter((k) => !b.includes(k)),
    [],
    'keys only in en',
  );
});

test('no dictionary value is empty', () => {
  for (const [lang, dict] of Object.entries({ en, zh })) {
    for (const [k, v] of Object.entries(dict)) assert.ok(typeof v === 'string' && v.trim() !== '', `${lang} ${k} is empty`);
  }
});

test('each translation fills the same placeholders', () => {
  for (const k of Object.keys(en) as (keyof typeof en)[]) assert.deepEqual(placeholders(zh[k]), placeholders(en[k]), k);
});
