// Test fixtures for the runtime: small generated data sets trained for a few epochs into bundles (with model.onnx).
import * as E from '../engine/index.js';
import { Table } from '../data/table.js';
import { fitModel, type FitOptions } from '../ml/fit.js';
import { bundleFiles } from '../ml/bundle.js';
import { exportOnnx } from '../ml/onnx/index.js';

export type FixtureTask = 'binary' | 'regression' | 'text' | 'rul';
export interface Fixture {
  files: Map<string, Uint8Array>;
  rows: Record<string, unknown>[];
}

const WORDS_GOOD = ['smooth', 'quiet', 'fine', 'stable', 'clean', 'good'];
const WORDS_BAD = ['noisy', 'leak', 'vibration', 'overheat', 'jam', 'broken'];
const FILLER = ['the', 'spindle', 'pump', 'line', 'was', 'today', 'after', 'shift'];

/** Rows of a generated data set for the task, with the target column (RUL: none, it is derived). */
export function fixtureRows(task: FixtureTask, n: number, seed = 1): Record<string, unknown>[] {
  const rng = new E.Rng(seed);
  const rows: Record<string, unknown>[] = [];
  if (task === 'rul') {
    for (let unit = 1; rows.length < n; unit++) {
      const life = 25 + rng.int(20);
      for (let cycle = 1; cycle <= life; cycle++) {
        const wear = cycle / life;
        rows.push({ unit, cycle, s1: 500 + 30 * wear + rng.normal(0, 1), s2: 1.5 - wear + rng.normal(0, 0.05), s3: rng.normal(0, 1) });
      }
    }
    return rows;
  }
  for (let i = 0; i < n; i++) {
    const x1 = rng.normal(0, 1),
      x2 = rng.normal(5, 2),
      line = ['A', 'B', 'C'][rng.int(3)],
      flag = rng.int(2) === 1;
    if (task === 'binary') {
      const z = 1.5 * x1 - 0.4 * (x2 - 5) + (line === 'C' ? 1 : 0) + (flag ? 0.5 : 0) + rng.normal(0, 0.5);
      rows.push({ temp: x1, speed: x2, line, flag: flag ? 'yes' : 'no', failure: z > 1 ? 'fail' : 'ok' });
    } else if (task === 'regression') {
      rows.push({ temp: x1, speed: x2, line, energy: 3 * x1 + x2 + (line === 'B' ? 2 : 0) + rng.normal(0, 0.3) });
    } else {
      const good = rng.int(2) === 1,
        words: string[] = [];
      const len = 4 + rng.int(6);
      for (let w = 0; w < len; w++) {
        const pool = rng.int(3) === 0 ? (good ? WORDS_GOOD : WORDS_BAD) : FILLER;
        words.push(pool[rng.int(pool.length)]);
      }
      rows.push({ note: words.join(' '), shift: ['day', 'night'][rng.int(2)], sentiment: good ? 'positive' : 'negative' });
    }
  }
  return rows;
}

const OPTIONS: Record<FixtureTask, FitOptions> = {
  binary: { target: 'failure', task: 'binary', positiveLabel: 'fail' },
  regression: { target: 'energy', task: 'regression' },
  text: { target: 'sentiment', task: 'text', textModel: 'bag', types: { note: 'text' } },
  rul: { target: 'rul', task: 'rul', groupColumn: 'unit', timeColumn: 'cycle' },
};

/** A bundle (with model.onnx) trained for a few epochs, and request rows without the target. */
export async function trainedFixture(task: FixtureTask, n = 300): Promise<Fixture> {
  const rows = fixtureRows(task, n);
  const fitted = await fitModel(Table.fromRows(rows), { ...OPTIONS[task], seed: 3, training: { epochs: 2 } });
  const files = bundleFiles(fitted, exportOnnx(fitted.model));
  const target = OPTIONS[task].target;
  const requestRows = fixtureRows(task, task === 'rul' ? 120 : 40, 99).map((r) => {
    const { [target]: _, ...rest } = r;
    return rest;
  });
  return { files, rows: requestRows };
}
