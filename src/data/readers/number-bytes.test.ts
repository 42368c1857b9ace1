// parseNumberBytes must accept exactly what parseNumberText accepts, with the very same doubles (−0 included).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../engine/rng.js';
import { parseNumberText } from '../table.js';
import { parseNumberBytes } from './number-bytes.js';

/** Both parsers on one string; the bytes sit inside a larger buffer, as cells do. */
function check(s: string): void {
  const inner = Buffer.from(s, 'utf8');
  const buf = Buffer.concat([Buffer.from('x,'), inner, Buffer.from(',y')]);
  const expected = parseNumberText(s);
  const got = parseNumberBytes(buf, 2, 2 + inner.length);
  if (expected === null) assert.ok(Number.isNaN(got), `${JSON.stringify(s)}: expected text, got ${got}`);
  else assert.ok(Object.is(got, expected), `${JSON.stringify(s)}: expected ${expected}, got ${got}`);
}

test('the edge cases agree', () => {
  const cases = [
    '0',
    '-0',
    '+0',
    '00',
    '007',
    '-007',
    '0.5',
    '00.5',
    '.5',
    '-.5',
    '+.5',
    '5.',
    '.',
    '-',
    '+',
    '',
    ' ',
    '1e5',
    '1E5',
    '1e',
    '1e+',
    '1e-5',
    '0e5',
    '0e999',
    '1e999',
    '-1e999',
    '1e-999',
    '1.5e308',
    '2e-324',
    '5e-324',
    '0.1',
    '0.2',
    '0.3',
    '123456789012345',
    '1234567890123456',
    '12345678901234567890',
    '9007199254740993',
    '0.000001234',
    '1.0000000000000002',
    '3.141592653589793238462643383279',
    '1_000',
    '1,5',
    '0x1F',
    '0b1',
    'Infinity',
    '-Infinity',
    'NaN',
    'nan',
    'inf',
    ' 12 ',
    '\t-3.5\r',
    '\n7\n',
    '1 2',
    '١٢',
    '\u00a012\u00a0',
    '\ufeff5',
    '\u20285\u2029',
    '12\u3000',
    '1e5x',
    'e5',
    '-e5',
    '0.',
    '0.e1',
    '0e',
    '00e1',
    '0e1',
    '1.2.3',
    '--1',
    '+-1',
    '1e--1',
    '1e+-1',
    '4.9406564584124654e-324',
    '179769313486231570000e288',
    '0.30000000000000004',
    '100',
    '1000000',
    '-0.0',
    '-0e-5',
    '.0',
    '0.0',
    '1e22',
    '1e23',
    '123456789012345e22',
    '1e-22',
    '9e-23',
  ];
  for (const s of cases) check(s);
});

test('random strings over a number-ish alphabet agree', () => {
  const rng = new Rng(11);
  const alphabet = ['0', '0', '1', '5', '9', '.', '-', '+', 'e', 'E', ' ', '\t', 'x', '\u00a0', 'é', '\r'];
  for (let i = 0; i < 30_000; i++) {
    const n = rng.int(9);
    let s = '';
    for (let k = 0; k < n; k++) s += alphabet[rng.int(alphabet.length)];
    check(s);
  }
});

test('numeric-looking strings agree, including long mantissas and extreme exponents', () => {
  const rng = new Rng(12);
  const digits = (n: number) => Array.from({ length: n }, () => String(rng.int(10))).join('');
  for (let i = 0; i < 30_000; i++) {
    const sign = ['', '-', '+'][rng.int(3)];
    const int = rng.int(4) === 0 ? '' : digits(1 + rng.int(rng.int(2) ? 4 : 20));
    const frac = rng.int(3) === 0 ? '' : `.${digits(rng.int(rng.int(2) ? 5 : 25))}`;
    const exp = rng.int(3) === 0 ? `${rng.int(2) ? 'e' : 'E'}${['', '-', '+'][rng.int(3)]}${digits(1 + rng.int(3))}` : '';
    const pad = rng.int(5) === 0 ? ' ' : '';
    check(`${pad}${sign}${int}${frac}${exp}${pad}`);
  }
  // What sensors and spreadsheets write: shortest round-trip forms, fixed decimals, exponents.
  for (let i = 0; i < 20_000; i++) {
    const x = (rng.uniform() - 0.5) * 10 ** (rng.int(40) - 20);
    check(String(x));
    check(x.toFixed(rng.int(8)));
    check(x.toExponential(rng.int(16)));
    check(x.toPrecision(1 + rng.int(20)));
  }
});
