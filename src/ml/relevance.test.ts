// Tests of leaving out input columns unrelated to the target: noise goes, signal stays even when it hides.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../engine/index.js';
import { Table } from '../data/table.js';
import { unrelatedColumns } from './relevance.js';
import { fitModel } from './fit.js';

/**
 * wear drives the target; twin is wear again with a little noise (collinear with it); shift is an operating
 * setting that moves `reading` but not the target, so it matters only beside `reading`; noise and jitter are pure
 * noise; flat is constant.
 */
function sensors(rows: number, seed: number): { table: Table; target: Float64Array } {
  const rng = new E.Rng(seed);
  const target = new Float64Array(rows);
  const data = Array.from({ length: rows }, (_, r) => {
    const wear = rng.range(0, 1),
      shift = rng.range(-1, 1);
    target[r] = 100 * (1 - wear) + rng.normal(0, 5);
    return {
      wear,
      twin: wear + rng.normal(0, 0.01),
      shift,
      reading: wear + 3 * shift + rng.normal(0, 0.05),
      noise: rng.normal(0, 1),
      jitter: 1000 + rng.normal(0, 0.001),
      flat: 7,
    };
  });
  return { table: Table.fromRows(data), target };
}

test('pure noise and constant columns are unrelated; collinear signal and a setting that explains another column away are not', () => {
  const { table, target } = sensors(3000, 1);
  // Beside its near copy, each of wear and twin adds little, yet both stay.
  assert.deepEqual(unrelatedColumns(table, ['wear', 'twin', 'noise', 'jitter', 'flat'], target).sort(), ['flat', 'jitter', 'noise']);
  // Alone, `shift` says nothing about the target; beside `reading` it recovers the wear, so it stays.
  assert.deepEqual(unrelatedColumns(table, ['reading', 'shift', 'noise'], target), ['noise']);
  // ...unless the wear is measured directly, when it adds nothing.
  assert.deepEqual(unrelatedColumns(table, ['wear', 'shift'], target), ['shift']);
  assert.deepEqual(unrelatedColumns(table, ['shift', 'noise'], target), [], 'all unrelated: every column is kept');
});

test('rows without a finite target are skipped and missing readings do not break the test', () => {
  const { table, target } = sensors(2000, 2);
  for (let r = 0; r < 2000; r += 7) target[r] = NaN;
  const withGaps = Table.fromRows(
    Array.from({ length: 2000 }, (_, r) => ({
      wear: r % 11 === 0 ? null : (table.column('wear') as { values: Float64Array }).values[r],
      noise: (table.column('noise') as { values: Float64Array }).values[r],
    })),
  );
  assert.deepEqual(unrelatedColumns(withGaps, ['wear', 'noise'], target), ['noise']);
});

test('the remaining-useful-life template reads no noise column, yet keeps it in the input schema requests follow', async () => {
  const rng = new E.Rng(3);
  const rows: Record<string, number>[] = [];
  for (let unit = 1; unit <= 12; unit++) {
    const life = 45 + Math.floor(rng.range(0, 20));
    for (let cycle = 1; cycle <= life; cycle++) rows.push({ unit, cycle, wear: cycle / life + rng.normal(0, 0.02), noise: rng.normal(0, 1) });
  }
  const fitted = await fitModel(Table.fromRows(rows), {
    target: 'RUL',
    task: 'rul',
    groupColumn: 'unit',
    timeColumn: 'cycle',
    seed: 1,
    training: { epochs: 2 },
  });
  assert.deepEqual(fitted.manifest.input_schema.map((c) => c.name).sort(), ['noise', 'wear']);
  const encoders = (fitted.manifest.pipeline as unknown as { encoders: { options: { columns: string[] } }[] }).encoders;
  assert.deepEqual(
    encoders.flatMap((e) => e.options.columns),
    ['wear'],
    'the features the model reads',
  );
});
