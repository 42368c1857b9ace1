// Fuzzing readCsv (seeded): random bytes and mutated valid files give a table or an AndonError, whatever the chunking.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../engine/rng.js';
import { AndonError } from '../../errors.js';
import { readCsv, type CsvOptions } from './csv.js';

type Outcome = { rows: unknown[]; report: unknown } | { error: string };

async function outcome(bytes: Buffer, options: CsvOptions): Promise<Outcome> {
  try {
    const { table, report } = await readCsv(bytes, options);
    assert.equal(table.rowCount, report.rows);
    return { rows: [...table.rows()], report };
  } catch (e) {
    if (!(e instanceof AndonError)) throw new Error(`not an AndonError for ${JSON.stringify(bytes.toString('latin1'))}: ${(e as Error)?.stack ?? e}`);
    return { error: e.code };
  }
}

/** Bytes that matter to a CSV parser, more often than chance would pick them. */
const INTERESTING = [0x2c, 0x3b, 0x09, 0x7c, 0x22, 0x22, 0x0a, 0x0a, 0x0d, 0x20, 0x61, 0x31, 0x30, 0x2e, 0x2d, 0x65, 0xff, 0xc3, 0x00, 0xef, 0xbb, 0xbf];

function randomBytes(rng: Rng): Buffer {
  const n = rng.int(200);
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(3) === 0 ? rng.int(256) : INTERESTING[rng.int(INTERESTING.length)];
  return out;
}

function validCsv(rng: Rng): string {
  const cols = 1 + rng.int(5);
  const d = [',', ';', '\t', '|'][rng.int(4)];
  const eol = rng.int(2) ? '\r\n' : '\n';
  const cell = () => {
    switch (rng.int(6)) {
      case 0:
        return String(rng.int(1000));
      case 1:
        return (rng.uniform() * 100 - 50).toFixed(rng.int(5));
      case 2:
        return '';
      case 3:
        return `"q${d} ""x""${eol}y"`;
      case 4:
        return ['A', 'B', 'NA', '007', 'é'][rng.int(5)];
      default:
        return `t${rng.int(50)}`;
    }
  };
  const lines = [Array.from({ length: cols }, (_, j) => `c${j}`).join(d)];
  for (let r = rng.int(12); r > 0; r--) lines.push(Array.from({ length: cols }, cell).join(d));
  return (rng.int(4) === 0 ? '\ufeff' : '') + lines.join(eol) + (rng.int(2) ? eol : '');
}

function mutate(rng: Rng, bytes: Buffer): Buffer {
  let b = Buffer.from(bytes);
  for (let m = 1 + rng.int(4); m > 0; m--) {
    const at = rng.int(b.length + 1);
    const byte = rng.int(2) ? INTERESTING[rng.int(INTERESTING.length)] : rng.int(256);
    switch (rng.int(5)) {
      case 0:
        b = Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
        break;
      case 2:
        if (at < b.length) b[at] = byte;
        break;
      case 3:
        b = b.subarray(0, at);
        break;
      default:
        b = Buffer.concat([b.subarray(0, at), b.subarray(rng.int(b.length + 1))]);
    }
  }
  return b;
}

function randomOptions(rng: Rng): CsvOptions {
  return {
    mode: rng.int(2) ? 'strict' : 'lenient',
    header: [undefined, true, false][rng.int(3)],
    delimiter: [undefined, undefined, undefined, ' ', ';'][rng.int(5)],
  };
}

test('random and mutated inputs: a table or an AndonError, the same for every chunking', { timeout: 120_000 }, async () => {
  const rng = new Rng(2024);
  const codes = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const bytes = i % 3 === 0 ? randomBytes(rng) : mutate(rng, Buffer.from(validCsv(rng), 'utf8'));
    const options = randomOptions(rng);
    const whole = await outcome(bytes, options);
    const key = 'error' in whole ? whole.error : 'table';
    codes.set(key, (codes.get(key) ?? 0) + 1);
    if (i % 4 === 0) {
      const chunked = await outcome(bytes, { ...options, chunkBytes: 1 + rng.int(16) });
      assert.deepEqual(chunked, whole, `chunking changed the outcome for ${JSON.stringify(bytes.toString('latin1'))}`);
    }
    if (options.mode === 'lenient' && 'error' in whole) {
      // Lenient mode only fails when there is nothing to read or the input is not UTF-8 text at all.
      assert.ok(['empty_input', 'parse_error'].includes(whole.error));
    }
  }
  // The corpus must exercise both outcomes, or it tests nothing.
  assert.ok((codes.get('table') ?? 0) > 500 && (codes.get('parse_error') ?? 0) > 100, JSON.stringify([...codes]));
});

test('valid files parse the same in strict and lenient mode, with nothing skipped', async () => {
  const rng = new Rng(99);
  for (let i = 0; i < 500; i++) {
    const bytes = Buffer.from(validCsv(rng), 'utf8');
    const strict = await outcome(bytes, { mode: 'strict' });
    const lenient = await outcome(bytes, { mode: 'lenient' });
    assert.ok(!('error' in strict), `a valid file failed: ${JSON.stringify(bytes.toString())} ${JSON.stringify(strict)}`);
    assert.deepEqual(lenient, strict);
  }
});
