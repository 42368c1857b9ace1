// The AI4I 2020 generator: determinism, the published distributions, every failure mode's rule, and its CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTable } from './readers/index.js';
import { AI4I_COLUMNS, ai4iCsv, ai4iRows, syntheticMachineRows, type Ai4iRow } from './synthetic-machines.js';

const N = 10_000;
const rows = ai4iRows(N, 7);
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => {
  const m = mean(v);
  return Math.sqrt(mean(v.map((x) => (x - m) ** 2)));
};
const col = (k: keyof Ai4iRow) => rows.map((r) => r[k] as number);
const tenths = (x: number) => Math.round(x * 10);
const MODES = ['TWF', 'HDF', 'PWF', 'OSF', 'RNF'] as const;

test('the same seed gives the same rows, another seed other rows', () => {
  assert.deepEqual(ai4iRows(2000, 3), ai4iRows(2000, 3));
  assert.equal(ai4iCsv(500, 3), ai4iCsv(500, 3));
  assert.notDeepEqual(ai4iRows(200, 3), ai4iRows(200, 4));
  assert.deepEqual(syntheticMachineRows(300, 5), syntheticMachineRows(300, 5));
  assert.deepEqual(ai4iRows(0, 1), []);
  assert.equal(ai4iRows(1, 1)[0]!['Air temperature [K]'], 300, 'one row: the normalised walk sits at its mean');
});

test('rows have the dataset columns, UDI from 1, and product IDs of the type letter and a serial number', () => {
  for (const r of rows) assert.deepEqual(Object.keys(r), [...AI4I_COLUMNS]);
  rows.forEach((r, i) => {
    assert.equal(r.UDI, i + 1);
    assert.match(r['Product ID'], /^[LMH]\d{5}$/);
    assert.equal(r['Product ID'][0], r.Type);
  });
  assert.equal(new Set(rows.map((r) => r['Product ID'])).size, N, 'product IDs are unique');
});

test('type proportions are near 50/30/20%', () => {
  const share = (t: string) => rows.filter((r) => r.Type === t).length / N;
  assert.ok(Math.abs(share('L') - 0.5) < 0.02, `L ${share('L')}`);
  assert.ok(Math.abs(share('M') - 0.3) < 0.02, `M ${share('M')}`);
  assert.ok(Math.abs(share('H') - 0.2) < 0.02, `H ${share('H')}`);
});

test('temperatures: air a walk around 300 K with σ 2 K, process 10 K above with σ 1 K', () => {
  const air = col('Air temperature [K]');
  const gap = rows.map((r) => r['Process temperature [K]'] - r['Air temperature [K]']);
  assert.ok(Math.abs(mean(air) - 300) < 0.05, `air mean ${mean(air)}`);
  assert.ok(Math.abs(sd(air) - 2) < 0.05, `air sd ${sd(air)}`);
  assert.ok(Math.abs(mean(gap) - 10) < 0.05, `gap mean ${mean(gap)}`);
  assert.ok(Math.abs(sd(gap) - 1) < 0.05, `gap sd ${sd(gap)}`);
  // A random walk moves in small steps: neighbouring rows differ far less than the spread.
  const steps = air.slice(1).map((a, i) => Math.abs(a - air[i]!));
  assert.ok(mean(steps) < 0.3, `mean step ${mean(steps)}`);
});

test("torque is non-negative around 40 Nm with σ 10; speed falls with torque in the dataset's range", () => {
  const torque = col('Torque [Nm]'),
    rpm = col('Rotational speed [rpm]');
  assert.ok(torque.every((t) => t >= 0));
  assert.ok(Math.abs(mean(torque) - 40) < 0.5, `torque mean ${mean(torque)}`);
  assert.ok(Math.abs(sd(torque) - 10) < 0.5, `torque sd ${sd(torque)}`);
  assert.ok(Math.abs(mean(rpm) - 1540) < 40, `speed mean ${mean(rpm)}`);
  const sorted = [...rpm].sort((a, b) => a - b);
  assert.ok(sorted[Math.floor(N * 0.01)]! > 1150 && sorted[Math.floor(N * 0.99)]! < 2900, 'the middle 98% lie within 1150–2900 rpm');
  const low = rows.filter((r) => r['Torque [Nm]'] < 30).map((r) => r['Rotational speed [rpm]']);
  const high = rows.filter((r) => r['Torque [Nm]'] > 50).map((r) => r['Rotational speed [rpm]']);
  assert.ok(mean(low) > mean(high) + 200);
});

test('tool wear grows by 5/3/2 min per H/M/L process and restarts at 0 when the tool is replaced at 200–240 min', () => {
  const add = { H: 5, M: 3, L: 2 } as const;
  let replacements = 0;
  for (let i = 1; i < N; i++) {
    const before = rows[i - 1]!,
      wear = rows[i]!['Tool wear [min]'];
    if (wear === 0) {
      replacements++;
      assert.ok(before['Tool wear [min]'] >= 200 && before['Tool wear [min]'] < 240 + 5, `replaced at ${before['Tool wear [min]']}`);
    } else assert.equal(wear, before['Tool wear [min]'] + add[before.Type]);
  }
  assert.ok(replacements > 20, `${replacements} replacements`);
  for (const r of rows.filter((x) => x.TWF)) assert.ok(r['Tool wear [min]'] >= 200 && r['Tool wear [min]'] < 245);
});

test('each failure mode flags exactly the rows its rule picks, and machine failure is any mode', () => {
  const limit = { L: 11000, M: 12000, H: 13000 } as const;
  for (const r of rows) {
    const speed = r['Rotational speed [rpm]'],
      torque = r['Torque [Nm]'];
    const hdf = tenths(r['Process temperature [K]']) - tenths(r['Air temperature [K]']) < 86 && speed < 1380;
    const power = (torque * speed * 2 * Math.PI) / 60;
    const osf = r['Tool wear [min]'] * tenths(torque) > limit[r.Type] * 10;
    assert.equal(r.HDF, hdf ? 1 : 0, `HDF at UDI ${r.UDI}`);
    assert.equal(r.PWF, power < 3500 || power > 9000 ? 1 : 0, `PWF at UDI ${r.UDI}`);
    assert.equal(r.OSF, osf ? 1 : 0, `OSF at UDI ${r.UDI}`);
    if (r.HDF) assert.ok(r['Process temperature [K]'] - r['Air temperature [K]'] < 8.6 && speed < 1380);
    if (r.OSF) assert.ok(r['Tool wear [min]'] * torque > limit[r.Type]);
    assert.equal(r['Machine failure'], MODES.some((m) => r[m] === 1) ? 1 : 0, `machine failure at UDI ${r.UDI}`);
  }
});

test('failures are rare as in AI4I 2020 (3.39%) and every mode occurs', () => {
  const rate = rows.filter((r) => r['Machine failure']).length / N;
  assert.ok(rate > 0.02 && rate < 0.06, `failure rate ${rate}`);
  for (const m of MODES)
    assert.ok(
      rows.some((r) => r[m] === 1),
      `${m} occurs`,
    );
});

test("the CSV is RFC 4180 and reads back with the dataset's column names and types", async () => {
  const text = ai4iCsv(1000, 11);
  assert.equal(
    text.split('\r\n')[0],
    'UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF',
  );
  assert.ok(text.endsWith('\r\n') && !/[^\r]\n/.test(text), 'CRLF line ends');
  const { table } = await readTable(new TextEncoder().encode(text), { format: 'csv' });
  assert.deepEqual(table.columnNames, [...AI4I_COLUMNS]);
  assert.equal(table.rowCount, 1000);
  for (const name of AI4I_COLUMNS) {
    const expected = name === 'Product ID' || name === 'Type' ? 'string' : 'number';
    assert.equal(table.column(name).type, expected, name);
  }
  const source = ai4iRows(1000, 11);
  for (const i of [0, 1, 499, 999]) {
    for (const name of AI4I_COLUMNS) assert.equal(table.get(i, name), source[i]![name], `${name} row ${i}`);
  }
});

test('syntheticMachineRows is the same process with snake_case names and the overall label', () => {
  const a = ai4iRows(50, 2),
    b = syntheticMachineRows(50, 2);
  b.forEach((r, i) => {
    assert.deepEqual(r, {
      type: a[i]!.Type,
      air_temperature_k: a[i]!['Air temperature [K]'],
      process_temperature_k: a[i]!['Process temperature [K]'],
      rotational_speed_rpm: a[i]!['Rotational speed [rpm]'],
      torque_nm: a[i]!['Torque [Nm]'],
      tool_wear_min: a[i]!['Tool wear [min]'],
      machine_failure: a[i]!['Machine failure'],
    });
  });
});
