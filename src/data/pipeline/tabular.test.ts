// buildTabularPipeline: its defaults on a small table, option checks, and a property test that a saved pipeline replays bit-identically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table, type Cell } from '../table.js';
import { AndonError } from '../../errors.js';
import { Rng } from '../../engine/rng.js';
import { buildTabularPipeline, Pipeline, type Features, type TabularOptions } from './index.js';

test('defaults: coerce + median + standardise numbers, parts of datetimes, most frequent + one-hot categories', () => {
  const train = Table.fromRows([
    { temp: '1,000', type: 'L', at: '2024-01-01 06:00:00', y: 0 },
    { temp: 3000, type: 'L', at: '2024-01-02 18:00:00', y: 1 },
    { temp: null, type: null, at: 'garbage', y: 0 },
  ]);
  const p = buildTabularPipeline({ numeric: ['temp'], categorical: ['type'], datetime: ['at'], datetimeParts: ['hour'] });
  const f = p.fit(train).transform(Table.fromRows([{ temp: null, type: 'H', at: '2024-06-01 12:00:00' }]));
  assert.deepEqual(f.dense.names, ['temp', 'at__hour', 'type=L']);
  // temp fills with the median 2000 = the mean of [1000, 3000, 2000]; hour fills with 12 = the mean of [6, 18, 12]; H is unseen.
  assert.deepEqual(Array.from(f.dense.data), [0, 0, 0]);
});

test('options: indicators, log1p, ordinal, clip; bad options are invalid_input', () => {
  const train = Table.fromRows([
    { a: 1, b: 100, c: 'x' },
    { a: null, b: 1000, c: 'y' },
    { a: 3, b: 10, c: 'x' },
  ]);
  const p = buildTabularPipeline({
    numeric: ['a', 'b'],
    categorical: ['c'],
    log1p: ['b'],
    missingIndicator: true,
    categoricalEncoding: 'ordinal',
    clip: { lower: 0.05 },
  });
  const f = p.fitTransform(train);
  assert.deepEqual(f.dense.names, ['a', 'b', 'a__missing', 'b__missing', 'c']);
  // Row 1 had no "a": filled with the median 2, which is also the mean of [1, 2, 3], so it standardises to 0; "y" is code 1.
  assert.deepEqual(Array.from(f.dense.data.subarray(5, 10)), [0, f.dense.data[6], 1, 0, 1]);
  const bad: TabularOptions[] = [
    {},
    { numeric: ['a'], categorical: ['a'] },
    { numeric: ['a'], log1p: ['b'] },
    { numeric: 'a' as never },
    { numeric: ['a'], scale: 'z' as never },
    { categorical: ['c'], order: { c: ['x'] } },
    { numeric: ['a'], nope: 1 } as never,
    { categorical: ['c'], categoricalEncoding: 'ordinal', maxCategories: 3 },
    { numeric: ['a'], numericImpute: 'mode' as never },
  ];
  for (const o of bad)
    assert.throws(
      () => buildTabularPipeline(o),
      (e: unknown) => e instanceof AndonError && e.code === 'invalid_input',
      JSON.stringify(o),
    );
});

// ---- property: fit(train) → transform(test) equals fromJSON(JSON(toJSON)) → transform(test), bit for bit ----

const WORDS = ['L', 'M', 'H', 'pump', 'valve', '1', '2', '07', 'Ünïcode', 'a,b', ''];

function numericCell(rng: Rng, scale: number, offset: number, constant: boolean, textRate: number): Cell {
  const v = constant ? offset : offset + scale * rng.normal();
  const x = rng.uniform() < 0.3 ? Math.round(v) : v;
  const u = rng.uniform();
  if (u < textRate * 0.4) return x.toLocaleString('en-US', { maximumFractionDigits: 3 }); // "1,234.5"
  if (u < textRate * 0.7) return `${Math.abs(x).toFixed(1)} %`;
  if (u < textRate) return rng.uniform() < 0.5 ? 'n/a' : 'sensor fault';
  return x === 0 && rng.int(2) ? -0 : x; // a −0 now and then
}

function dateCell(rng: Rng, epoch: boolean): Cell {
  const ms = Date.UTC(2000, 0, 1) + rng.uniform() * 30 * 365 * 86_400_000;
  if (epoch) return rng.uniform() < 0.5 ? Math.floor(ms / 1000) : Math.floor(ms);
  const iso = new Date(ms).toISOString();
  const u = rng.uniform();
  return u < 0.05 ? 'not a date' : u < 0.3 ? iso.slice(0, 10) : u < 0.6 ? iso.slice(0, 19).replace('T', ' ') : iso;
}

interface Spec {
  name: string;
  kind: 'numeric' | 'categorical' | 'datetime';
  make: (rng: Rng, serving: boolean) => Cell;
}

function randomSpecs(rng: Rng): Spec[] {
  const specs: Spec[] = [];
  const n = [rng.int(4), rng.int(4), rng.int(3)];
  if (n[0] + n[1] + n[2] === 0) n[rng.int(3)] = 1;
  for (let i = 0; i < n[0]; i++) {
    const missing = rng.uniform() < 0.1 ? 1 : rng.uniform() * 0.5,
      scale = 10 ** (rng.int(7) - 3),
      offset = rng.normal() * scale * 3;
    const constant = rng.uniform() < 0.15,
      text = rng.uniform() < 0.3 ? 0.2 : 0;
    specs.push({ name: `n${i}`, kind: 'numeric', make: (r) => (r.uniform() < missing ? null : numericCell(r, scale, offset, constant, text)) });
  }
  for (let i = 0; i < n[1]; i++) {
    const missing = rng.uniform() < 0.1 ? 1 : rng.uniform() * 0.4,
      k = 1 + rng.int(WORDS.length);
    specs.push({
      name: `c${i}`,
      kind: 'categorical',
      make: (r, serving) => (r.uniform() < missing ? null : serving && r.uniform() < 0.2 ? `new${r.int(3)}` : WORDS[r.int(k)]),
    });
  }
  for (let i = 0; i < n[2]; i++) {
    const missing = rng.uniform() < 0.1 ? 1 : rng.uniform() * 0.3,
      epoch = rng.uniform() < 0.3;
    specs.push({ name: `d${i}`, kind: 'datetime', make: (r) => (r.uniform() < missing ? null : dateCell(r, epoch)) });
  }
  return specs;
}

function randomOptions(rng: Rng, specs: Spec[]): TabularOptions {
  const of = (k: Spec['kind']) => specs.filter((s) => s.kind === k).map((s) => s.name);
  const pick = <T>(xs: readonly T[]): T => xs[rng.int(xs.length)];
  const numeric = of('numeric'),
    encoding = pick(['one_hot', 'ordinal'] as const);
  return {
    numeric,
    categorical: of('categorical'),
    datetime: of('datetime'),
    scale: pick(['standard', 'minmax', 'robust', 'none'] as const),
    numericImpute: pick(['mean', 'median', 'most_frequent', 'constant'] as const),
    categoricalImpute: pick(['most_frequent', 'constant'] as const),
    missingIndicator: rng.uniform() < 0.5,
    log1p: numeric.filter(() => rng.uniform() < 0.3),
    categoricalEncoding: encoding,
    ...(encoding === 'one_hot' && rng.uniform() < 0.5 ? { maxCategories: 1 + rng.int(4) } : {}),
    ...(rng.uniform() < 0.5 ? { clip: { lower: rng.uniform() * 0.2, upper: 0.8 + rng.uniform() * 0.2 } } : {}),
    cyclic: rng.uniform() < 0.5,
  };
}

function rowsOf(rng: Rng, specs: Spec[], n: number, serving: boolean): Record<string, Cell>[] {
  return Array.from({ length: n }, () => Object.fromEntries(specs.map((s) => [s.name, s.make(rng, serving)])));
}

const bytes = (f: Features) => Buffer.from(f.dense.data.buffer, f.dense.data.byteOffset, f.dense.data.byteLength);

test('property: a saved and restored pipeline transforms new rows to bit-identical float32, row by row as in batch', () => {
  const rng = new Rng(20240611);
  for (let trial = 0; trial < 150; trial++) {
    const specs = randomSpecs(rng);
    const names = specs.map((s) => s.name);
    const sizes = [1, 2, 3, 7, 20, 60];
    const trainRows = rowsOf(rng, specs, sizes[rng.int(sizes.length)], false);
    const testRows = rowsOf(rng, specs, rng.int(25), true);
    const train = Table.fromRows(trainRows, names),
      testTable = Table.fromRows(testRows, names);
    const options = randomOptions(rng, specs);
    const where = `trial ${trial}: ${JSON.stringify(options)}`;

    const p = buildTabularPipeline(options).fit(train);
    const a = p.transform(testTable);
    const restored = Pipeline.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    const b = restored.transform(testTable);
    assert.deepEqual(b.dense.names, a.dense.names, where);
    assert.equal(a.rows, testRows.length, where);
    assert.ok(bytes(a).equals(bytes(b)), `restored output differs; ${where}`);
    assert.ok(a.dense.data.every(Number.isFinite), `non-finite feature; ${where}`);
    assert.ok(bytes(p.transform(testTable)).equals(bytes(a)), `transform is not repeatable; ${where}`);

    // Serving builds one table per request, so a column's storage may differ from the batch's (2 vs "2"); the features must not.
    for (let r = 0; r < Math.min(3, testRows.length); r++) {
      const one = restored.transform(Table.fromRows([testRows[r]], names));
      const w = a.dense.width;
      assert.ok(
        Buffer.from(one.dense.data.buffer).equals(Buffer.from(a.dense.data.buffer, r * w * 4, w * 4)),
        `row ${JSON.stringify(testRows[r])} alone differs; ${where}`,
      );
    }
  }
});
