// Coerce: numbers written as text become numbers; ambiguous forms fail and are counted rather than guessed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../table.js';
import { AndonError } from '../../errors.js';
import { Coerce, parseLooseNumber } from './coerce.js';
import { restoreStep } from './registry.js';

test('parseLooseNumber reads what people and spreadsheets write', () => {
  const cases: [string, number | null][] = [
    ['1,234.5', 1234.5],
    ['12 %', 12],
    [' -3.5 ', -3.5],
    ['\u22127', -7],
    ['1 234 567', 1234567],
    ['1\u00a0234', 1234],
    ["1'000", 1000],
    ['€ 3.50', 3.5],
    ['3.50 $', 3.5],
    ['.5', 0.5],
    ['1e3', 1000],
    ['007', 7],
    ['+4', 4],
    ['1,5', null],
    ['1,23', null],
    ['1,234 567', null],
    ['12 mm', null],
    ['abc', null],
    ['', null],
    ['Infinity', null],
    ['0x1F', null],
  ];
  for (const [text, want] of cases) assert.equal(parseLooseNumber(text), want, text);
  assert.equal(parseLooseNumber('12 %', '.', 'fraction'), 0.12);
  assert.equal(parseLooseNumber('1.234,5', ','), 1234.5);
  assert.equal(parseLooseNumber('12,5', ','), 12.5);
  assert.equal(parseLooseNumber('1 234,5', ','), 1234.5);
  assert.equal(parseLooseNumber('1.5', ','), null);
});

test('text columns become numbers with a per-column report; number columns pass through', () => {
  const t = Table.fromRows([
    { a: '1,234.5', b: 2 },
    { a: '12 %', b: 3 },
    { a: 'broken', b: null },
    { a: null, b: 4 },
  ]);
  const s = new Coerce({ columns: ['a', 'b'] });
  s.fit(t);
  const out = s.transform(t);
  assert.deepEqual(Array.from((out.column('a') as { values: Float64Array }).values), [1234.5, 12, NaN, NaN]);
  assert.equal(out.column('b'), t.column('b'));
  assert.deepEqual(s.trainingReport.a, { coerced: 2, failed: 1, samples: ['broken'] });
  assert.deepEqual(s.trainingReport.b, { coerced: 0, failed: 0, samples: [] });
  const r = restoreStep(JSON.parse(JSON.stringify(s.toJSON())));
  assert.deepEqual(r.transform(t).row(1), out.row(1));
});

test('bad options are AndonErrors', () => {
  const is = (c: string) => (e: unknown) => e instanceof AndonError && e.code === c;
  assert.throws(() => new Coerce({ columns: ['a'], decimal: ';' as never }), is('invalid_input'));
  assert.throws(() => new Coerce({ columns: ['a'], percent: 'x' as never }), is('invalid_input'));
  assert.throws(() => new Coerce({ columns: ['a', 'a'] }), is('invalid_input'));
  assert.throws(() => new Coerce({ columns: ['a'] }).fit(Table.fromRows([{ b: 1 }])), is('unknown_column'));
});
