// Profiling on generated tables: exact statistics, text and date summaries, and each warning firing (or not) when it should.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from './table.js';
import { numericSummary, profileTable, type Profile } from './profile.js';
import { isAndonError } from '../errors.js';
import { inferSchema } from './schema.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}
const warningsOf = (p: Profile, code: string) =>
  p.warnings
    .filter((w) => w.code === code)
    .map((w) => w.column)
    .sort();
const col = (p: Profile, name: string) => p.columns.find((c) => c.name === name)!;

test('numeric summary: mean, sample std, interpolated quantiles and a 20-bin histogram', () => {
  const s = numericSummary(Float64Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(s.mean, 50.5);
  assert.ok(Math.abs(s.std - 29.011491975882016) < 1e-12);
  assert.deepEqual([s.min, s.max], [1, 100]);
  assert.ok(Math.abs(s.quantiles.p01 - 1.99) < 1e-12 && s.quantiles.p50 === 50.5 && Math.abs(s.quantiles.p99 - 99.01) < 1e-12);
  assert.equal(s.histogram.counts.length, 20);
  assert.equal(s.histogram.edges.length, 21);
  assert.deepEqual([s.histogram.edges[0], s.histogram.edges[20]], [1, 100]);
  assert.equal(
    s.histogram.counts.reduce((a, b) => a + b),
    100,
  );
  const one = numericSummary(Float64Array.of(7, 7, 7));
  assert.deepEqual(one.histogram, { edges: [7, 7], counts: [3] });
  assert.equal(one.std, 0);
});

test('per-column profile: counts, top categories, text lengths and tokens, date range', () => {
  const r = lcg(3);
  const rows = Array.from({ length: 300 }, (_, i) => ({
    line: ['A', 'B', 'B', 'C'][i % 4],
    speed: i % 10 === 0 ? null : 1400 + Math.floor(r() * 200),
    log: i % 2 ? `spindle ${i} bearing noise after shift` : `主轴轴承异响，第${i}次更换润滑脂后恢复正常`,
    at: new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  }));
  const p = profileTable(Table.fromRows(rows));
  assert.equal(p.rows, 300);
  assert.deepEqual(
    p.columns.map((c) => c.type),
    ['category', 'integer', 'text', 'datetime'],
  );
  assert.deepEqual(col(p, 'line').top, [
    { value: 'B', count: 150 },
    { value: 'A', count: 75 },
    { value: 'C', count: 75 },
  ]);
  const speed = col(p, 'speed');
  assert.deepEqual([speed.count, speed.missing], [270, 30]);
  assert.ok(speed.numeric!.min >= 1400 && speed.numeric!.max < 1600);
  const text = col(p, 'log').text!;
  assert.ok(text.chars.min >= 20 && text.chars.max <= 40 && text.chars.mean > 25, JSON.stringify(text.chars));
  assert.ok(text.tokens.mean > 5);
  const top = text.topTokens.map((t) => t.token);
  for (const t of ['spindle', 'bearing', '轴承', '恢复']) assert.ok(top.includes(t), `${t} in ${top.join(' ')}`);
  assert.deepEqual(col(p, 'at').datetime, { min: '2024-01-01T00:00:00.000Z', max: '2024-10-26T00:00:00.000Z', unparsed: 0 });
  assert.equal(p.warnings.length, 0);
  assert.equal(p.target, undefined);
});

test('mostly_missing, constant and high_cardinality warnings', () => {
  const rows = Array.from({ length: 1000 }, (_, i) => ({ sparse: i % 3 ? null : i, site: 'Plant 1', part: `P-${i % 150}`, x: i % 7 }));
  const p = profileTable(Table.fromRows(rows));
  assert.deepEqual(warningsOf(p, 'mostly_missing'), ['sparse']);
  assert.deepEqual(warningsOf(p, 'constant'), ['site']);
  assert.deepEqual(warningsOf(p, 'high_cardinality'), ['part']);
  assert.match(p.warnings.find((w) => w.code === 'constant')!.message, /"Plant 1"/);
});

/** A rare failure label, honest noisy sensors, a copy of the label, and failure-mode flags that imply it. */
function failureRows(count: number, seed: number) {
  const r = lcg(seed);
  return Array.from({ length: count }, () => {
    const wear = Math.floor(r() * 250),
      torque = 40 + (r() - 0.5) * 30;
    const overstrain = wear * torque > 10_500 ? 1 : 0,
      random = r() < 0.01 ? 1 : 0;
    const failed = overstrain || random ? 1 : 0;
    return {
      wear,
      torque,
      kind: ['L', 'M', 'H'][Math.floor(r() * 3)],
      OSF: overstrain,
      RNF: random,
      // Recorded after the fact: right 99.5% of the time.
      repair_cost: failed ? 500 + r() * 100 : r() < 0.005 ? 520 : r() * 50,
      failed,
    };
  });
}

test('classification: label distribution, class imbalance, and leakage from copies and implying flags only', () => {
  const p = profileTable(Table.fromRows(failureRows(4000, 11)), { target: 'failed' });
  assert.equal(p.target!.task, 'binary');
  assert.deepEqual(p.target!.labels, ['0', '1']);
  const d = p.target!.distribution!;
  assert.equal(d[0].count + d[1].count, 4000);
  assert.ok(d[1].fraction > 0.02 && d[1].fraction < 0.1, `positives ${d[1].fraction}`);
  assert.deepEqual(warningsOf(p, 'class_imbalance'), ['failed']);
  assert.deepEqual(warningsOf(p, 'possible_leakage'), ['OSF', 'RNF', 'repair_cost']);
  assert.match(p.warnings.find((w) => w.column === 'RNF')!.message, /whenever "RNF" is 1, "failed" is 1/);
  assert.match(p.warnings.find((w) => w.column === 'repair_cost')!.message, /alone predicts "failed" with 9\d\.\d% accuracy/);
  assert.equal(col(p, 'failed').role, 'target');
});

test('a balanced multiclass target with honest features gets no warnings', () => {
  const r = lcg(5);
  const rows = Array.from({ length: 600 }, (_, i) => ({
    a: r(),
    b: Math.floor(r() * 5),
    c: ['x', 'y'][i % 2],
    label: ['ok', 'warn', 'fault'][Math.floor(r() * 3)],
  }));
  const p = profileTable(Table.fromRows(rows), { target: 'label' });
  assert.equal(p.target!.task, 'multiclass');
  assert.deepEqual(p.target!.labels, ['fault', 'ok', 'warn']);
  assert.deepEqual(p.warnings, []);
});

test('small tables do not look leaky just because each value is rare', () => {
  const r = lcg(9);
  const rows = Array.from({ length: 40 }, () => ({ x: r(), n: Math.floor(r() * 30), y: r() < 0.5 ? 'a' : 'b' }));
  assert.deepEqual(warningsOf(profileTable(Table.fromRows(rows), { target: 'y' }), 'possible_leakage'), []);
});

test('regression: near-copies of the target are flagged by correlation, honest features are not', () => {
  const r = lcg(21);
  const rows = Array.from({ length: 2000 }, () => {
    const rul = r() * 200;
    return { rul, cycles_left_est: rul * 1.5 + r() * 3, temp: 300 + r() * 10 - rul * 0.01, shift: ['A', 'B'][Math.floor(r() * 2)] };
  });
  const p = profileTable(Table.fromRows(rows), { target: 'rul' });
  assert.equal(p.target!.task, 'regression');
  assert.equal(p.target!.distribution, undefined);
  assert.deepEqual(warningsOf(p, 'possible_leakage'), ['cycles_left_est']);
  assert.deepEqual(warningsOf(p, 'class_imbalance'), []);
});

test("bad targets and empty tables are the caller's errors", () => {
  const t = Table.fromRows([
    { a: 1, b: null },
    { a: 2, b: null },
  ]);
  assert.throws(
    () => profileTable(t, { target: 'zzz' }),
    (e) => isAndonError(e) && e.code === 'unknown_column',
  );
  assert.throws(
    () => profileTable(t, { target: 'b' }),
    (e) => isAndonError(e) && e.code === 'invalid_input',
  );
  assert.throws(
    () => profileTable(new Table([])),
    (e) => isAndonError(e) && e.code === 'empty_input',
  );
});

test('profiling is deterministic and JSON-safe', () => {
  const t = Table.fromRows(failureRows(500, 2));
  const a = JSON.stringify(profileTable(t, { target: 'failed' }));
  assert.equal(a, JSON.stringify(profileTable(t, { target: 'failed' })));
  assert.ok(!/NaN|Infinity|null/.test(a));
});

test('a profile stays small whatever the cells hold: values, tokens, labels and quoted values are cut to 64 characters', () => {
  const hex = (k: number) => `row${k}` + Array.from({ length: 50_000 }, (_, i) => ((i * 7 + k * 13 + (i >> 5)) % 16).toString(16)).join('');
  const rows = Array.from({ length: 100 }, (_, i) => {
    const fail = i % 4 === 0;
    return {
      mode: (i % 2 ? 'A' : 'B').repeat(200_000),
      dump: hex(i),
      // Whenever flag is the long E… value the outcome is a failure: a leakage warning that quotes the value.
      flag: i % 8 === 0 ? 'E'.repeat(100_000) : ['ok', 'fine', 'good'][i % 3],
      ack: i % 2 ? `yes${' '.repeat(100_000)}` : 'no',
      status: 'S'.repeat(200_000),
      outcome: fail ? `failure_${'f'.repeat(100_000)}` : `normal_${'n'.repeat(100_000)}`,
    };
  });
  const table = Table.fromRows(rows);
  const p = profileTable(table, { target: 'outcome' });
  assert.deepEqual(
    p.columns.map((c) => c.type),
    ['category', 'text', 'category', 'boolean', 'constant', 'category'],
  );
  const size = JSON.stringify(p).length;
  assert.ok(size < 16 * 1024, `the profile is ${size} bytes`);
  const mode = col(p, 'mode');
  assert.deepEqual(
    mode.top!.map((t) => t.count),
    [50, 50],
  );
  assert.deepEqual(
    mode.top!.map((t) => t.value),
    ['A'.repeat(63) + '…', 'B'.repeat(63) + '…'],
  );
  assert.ok(col(p, 'dump').text!.topTokens.every((t) => [...t.token].length <= 64 && t.count === 1));
  assert.ok(col(p, 'dump').text!.chars.max > 50_000, 'lengths are measured on the whole cells');
  assert.ok(p.target!.labels!.every((l) => l.length === 64 && l.endsWith('…')));
  assert.deepEqual(
    p.target!.distribution!.map((d) => d.count),
    [25, 75],
  );
  const leak = p.warnings.find((w) => w.code === 'possible_leakage');
  assert.equal(leak?.column, 'flag');
  assert.match(leak!.message, /whenever "flag" is "E{63}…"/);
  assert.ok(
    p.warnings.every((w) => w.message.length < 400),
    p.warnings.map((w) => w.message.length).join(','),
  );
  const schema = inferSchema(table);
  assert.ok(JSON.stringify(schema).length < 4096, `the schema is ${JSON.stringify(schema).length} bytes`);
  assert.ok(
    schema.columns.every((c) => c.reason.length < 200),
    schema.columns.map((c) => c.reason.length).join(','),
  );
});
