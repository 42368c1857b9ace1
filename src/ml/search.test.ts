// Tests of hyper-parameter search: sampling, halving budgets, sorted and reproducible leaderboards, failures ranked last.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../engine/index.js';
import { SpecModel } from './spec.js';
import type { TrainingSet } from './trainer.js';
import { search, sampleConfig, halvingBudgets, type SearchOptions, type SearchSpace, type LeaderboardEntry } from './search.js';

function circles(rows: number, seed: number): TrainingSet {
  const rng = new E.Rng(seed);
  const x = new Float32Array(rows * 2),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[2 * i] = rng.range(-1, 1);
    x[2 * i + 1] = rng.range(-1, 1);
    y[i] = x[2 * i] ** 2 + x[2 * i + 1] ** 2 < 0.5 ? 1 : 0;
  }
  return {
    rows,
    targets: y,
    input: (idx) => {
      const t = E.empty([idx.length, 2]);
      for (let i = 0; i < idx.length; i++) t.data.set(x.subarray(idx[i] * 2, idx[i] * 2 + 2), i * 2);
      return { rows: idx.length, dense: t };
    },
  };
}

const space: SearchSpace = {
  lr: { type: 'log_uniform', min: 1e-3, max: 0.1 },
  batchSize: { type: 'choice', values: [16, 32, 64] },
  hidden: { type: 'choice', values: [4, 8, 16] },
  dropout: { type: 'uniform', min: 0, max: 0.3 },
  weightDecay: { type: 'log_uniform', min: 1e-5, max: 1e-2 },
};

const options = (o: Partial<SearchOptions> = {}): SearchOptions => ({
  space,
  seed: 3,
  trials: 9,
  maxEpochs: 9,
  data: circles(120, 1),
  validation: circles(60, 2),
  objective: { kind: 'classification', classes: 2 },
  build: (c, trial) => ({
    model: new SpecModel(
      {
        input: { kind: 'dense', features: 2 },
        layers: [{ type: 'linear', units: c.hidden as number }, { type: 'relu' }, { type: 'dropout', rate: c.dropout as number }],
        outputs: 2,
      },
      new E.Rng(trial.seed),
    ),
    trainOptions: { batchSize: c.batchSize as number, optimizer: { type: 'adamw', lr: c.lr as number, weightDecay: c.weightDecay as number } },
  }),
  ...o,
});

function assertSorted(board: LeaderboardEntry[], maximize = false): void {
  for (let i = 1; i < board.length; i++) {
    const a = board[i - 1],
      b = board[i];
    const ok = a.rung > b.rung || (a.rung === b.rung && (maximize ? a.score >= b.score : a.score <= b.score));
    assert.ok(ok || b.error, `entries ${i - 1} and ${i} are out of order: ${JSON.stringify([a, b])}`);
  }
}

test('sampled configurations stay in their domains and repeat for a seed', () => {
  const draw = (seed: number) =>
    Array.from(
      { length: 50 },
      (
        (rng) => () =>
          sampleConfig(space, rng)
      )(new E.Rng(seed)),
    );
  const a = draw(1);
  for (const c of a) {
    assert.ok((c.lr as number) >= 1e-3 && (c.lr as number) < 0.1);
    assert.ok([16, 32, 64].includes(c.batchSize as number));
    assert.ok((c.dropout as number) >= 0 && (c.dropout as number) < 0.3);
  }
  const lrs = a.map((c) => Math.log10(c.lr as number));
  assert.ok(lrs.some((v) => v < -2) && lrs.some((v) => v > -2), 'log-uniform draws cover both decades');
  assert.deepEqual(draw(1), a);
  assert.notDeepEqual(draw(2), a);
  assert.deepEqual(sampleConfig({ n: { type: 'int', min: 2, max: 2 } }, new E.Rng(0)), { n: 2 });
});

test('halving budgets grow by eta up to the maximum', () => {
  assert.deepEqual(halvingBudgets(9, 9, 3), [1, 3, 9]);
  assert.deepEqual(halvingBudgets(27, 20, 3), [1, 3, 9, 20]);
  assert.deepEqual(halvingBudgets(4, 8, 2, 2), [2, 4, 8]);
  assert.deepEqual(halvingBudgets(1, 5, 3), [5]);
});

test('successive halving returns a sorted leaderboard, trains the winner fully, and spends less than full budgets', async () => {
  const seen: LeaderboardEntry[] = [];
  const r = await search(options({ onTrial: (e) => seen.push({ ...e }) }));
  assert.equal(r.stopped, 'completed');
  assert.equal(r.leaderboard.length, 9);
  assertSorted(r.leaderboard);
  assert.equal(r.best, r.leaderboard[0]);
  assert.equal(r.best!.epochs, 9);
  assert.equal(r.best!.rung, 2);
  assert.deepEqual(r.leaderboard.map((e) => e.rung).sort(), [0, 0, 0, 0, 0, 0, 1, 1, 2]);
  // 9 configurations × 1 epoch, 3 × 2 more, 1 × 6 more — instead of 9 × 9.
  assert.equal(r.epochsSpent, 9 + 3 * 2 + 6);
  assert.equal(seen.length, 9 + 3 + 1);
  // Survivors were the best of their rung.
  const rung0 = seen
    .slice(0, 9)
    .sort((a, b) => a.score - b.score)
    .slice(0, 3)
    .map((e) => e.trial)
    .sort();
  assert.deepEqual(
    seen
      .slice(9, 12)
      .map((e) => e.trial)
      .sort(),
    rung0,
  );
});

test('a search is reproducible from its seed', async () => {
  const a = await search(options({ trials: 4, maxEpochs: 4, eta: 2 }));
  const b = await search(options({ trials: 4, maxEpochs: 4, eta: 2 }));
  assert.deepEqual(a, b);
});

test('random search trains every configuration fully; a diverging one ranks last with its error; metrics can be maximised', async () => {
  const accuracy = (model: SpecModel, set: TrainingSet): Record<string, number> => {
    const idx = Int32Array.from({ length: set.rows }, (_, i) => i);
    const pred = E.argmaxRows(model.forward(set.input(idx)));
    return { accuracy: pred.reduce((n, p, i) => n + (p === set.targets[i] ? 1 : 0), 0) / set.rows };
  };
  const o = options({ strategy: 'random', trials: 4, maxEpochs: 3, score: { metric: 'accuracy', mode: 'max' } });
  const r = await search({
    ...o,
    space: { ...space, lr: { type: 'choice', values: [0.01, 0.02, 1e30] } },
    build: (c, t) => {
      const b = o.build(c, t);
      return { ...b, trainOptions: { ...b.trainOptions, optimizer: { type: 'sgd', lr: c.lr as number }, validationMetric: accuracy } };
    },
  });
  assert.equal(r.leaderboard.length, 4);
  assertSorted(r.leaderboard, true);
  const failed = r.leaderboard.filter((e) => e.error);
  assert.ok(failed.length > 0, 'the 1e30 learning rate was drawn and diverged');
  for (const e of failed) assert.match(e.error!, /training diverged/);
  assert.deepEqual(r.leaderboard.slice(-failed.length), failed);
  for (const e of r.leaderboard.filter((x) => !x.error)) {
    assert.equal(e.epochs, 3);
    assert.ok(e.score >= 0 && e.score <= 1);
  }
  assert.equal(r.epochsSpent, 3 * (4 - failed.length));
});

test('a cancelled search returns what it finished', async () => {
  const ac = new AbortController();
  const r = await search(
    options({
      signal: ac.signal,
      onTrial: (e) => {
        if (e.trial === 2) ac.abort();
      },
    }),
  );
  assert.equal(r.stopped, 'cancelled');
  assert.deepEqual(r.leaderboard.map((e) => e.trial).sort(), [0, 1, 2]);
});

test('a time budget stops the search early and says so', async () => {
  const r = await search(options({ trials: 27, maxEpochs: 27, timeBudgetSeconds: 0.001 }));
  assert.equal(r.stopped, 'time_budget');
  assert.ok(r.leaderboard.length < 27);
  assertSorted(r.leaderboard);
});
