// Tests of the training loop on tiny synthetic tasks: learning, determinism, early stopping, cancellation, events, divergence.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';
import { SpecModel, type LayerSpec } from './spec.js';
import { train, trainEvents, evaluationLoss, type ProgressEvent, type TrainingSet, type TrainOptions, type Objective } from './trainer.js';

/** Dense rows as a TrainingSet. */
function denseSet(x: Float32Array, features: number, targets: Int32Array | Float32Array): TrainingSet {
  const rows = x.length / features;
  return {
    rows,
    targets,
    input: (idx) => {
      const t = E.empty([idx.length, features]);
      for (let i = 0; i < idx.length; i++) t.data.set(x.subarray(idx[i] * features, (idx[i] + 1) * features), i * features);
      return { rows: idx.length, dense: t };
    },
  };
}

/** Two noisy classes split by the sign of x0·x1 (needs a hidden layer); `flip` inverts the labels. */
function quadrants(rows: number, seed: number, flip = false): TrainingSet {
  const rng = new E.Rng(seed);
  const x = new Float32Array(rows * 2),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[2 * i] = rng.range(-1, 1);
    x[2 * i + 1] = rng.range(-1, 1);
    y[i] = x[2 * i] * x[2 * i + 1] > 0 !== flip ? 1 : 0;
  }
  return denseSet(x, 2, y);
}

/** y = 2·x0 − x1 + 0.5 with a little noise. */
function line(rows: number, seed: number): TrainingSet {
  const rng = new E.Rng(seed);
  const x = new Float32Array(rows * 2),
    y = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    x[2 * i] = rng.range(-1, 1);
    x[2 * i + 1] = rng.range(-1, 1);
    y[i] = 2 * x[2 * i] - x[2 * i + 1] + 0.5 + rng.normal(0, 0.05);
  }
  return denseSet(x, 2, y);
}

const classify: Objective = { kind: 'classification', classes: 2 };
const mlp = (dropout = 0): LayerSpec[] => [
  { type: 'linear', units: 16 },
  { type: 'relu' },
  ...(dropout ? [{ type: 'dropout', rate: dropout } as LayerSpec] : []),
];
const classifier = (seed: number, dropout = 0) => new SpecModel({ input: { kind: 'dense', features: 2 }, layers: mlp(dropout), outputs: 2 }, new E.Rng(seed));
const regressor = (seed: number) => new SpecModel({ input: { kind: 'dense', features: 2 }, layers: mlp(), outputs: 1 }, new E.Rng(seed));
const base = (o: Partial<TrainOptions> = {}): TrainOptions => ({ epochs: 8, batchSize: 32, optimizer: { type: 'adam', lr: 0.02 }, seed: 1, ...o });

function weights(m: SpecModel): Float32Array[] {
  return [...m.stateDict().values()].map((t) => t.data.slice());
}

test('classification loss falls with Adam minibatches, regression with Nesterov momentum and a cosine schedule', async () => {
  const c = await train(classifier(1), quadrants(240, 1), quadrants(80, 2), classify, base({ epochs: 20 }));
  assert.equal(c.reason, 'completed');
  assert.equal(c.epochsRun, 20);
  assert.ok(c.history[19].trainLoss < c.history[0].trainLoss * 0.6, `train loss ${c.history[0].trainLoss} → ${c.history[19].trainLoss}`);
  assert.ok(c.history[19].validationLoss! < c.history[0].validationLoss!);

  const r = await train(
    regressor(1),
    line(200, 3),
    null,
    { kind: 'regression', loss: 'huber' },
    base({ epochs: 15, optimizer: { type: 'nesterov', lr: 0.05 }, schedule: { type: 'cosine', warmupSteps: 5 }, clipNorm: 5 }),
  );
  assert.ok(r.history[14].trainLoss < r.history[0].trainLoss / 5, `huber ${r.history[0].trainLoss} → ${r.history[14].trainLoss}`);
  assert.equal(r.history[14].validationLoss, undefined);
});

test('full-batch gradient descent: one step per epoch and a falling loss', async () => {
  const events: ProgressEvent[] = [];
  const r = await train(
    regressor(2),
    line(100, 4),
    null,
    { kind: 'regression' },
    base({ epochs: 60, batchSize: 1000, optimizer: { type: 'gd', lr: 0.1 }, stepEventEveryMs: 0, onProgress: (e) => events.push(e) }),
  );
  const start = events[0];
  assert.ok(start.type === 'start' && start.stepsPerEpoch === 1);
  assert.equal(events.filter((e) => e.type === 'step').length, 60);
  for (let i = 1; i < r.history.length; i++) assert.ok(r.history[i].trainLoss < r.history[i - 1].trainLoss, `epoch ${i + 1} did not improve`);
});

test('the same seed gives bit-identical weights (dropout included); another seed does not', async () => {
  const run = async (seed: number) => {
    const m = classifier(7, 0.3);
    await train(m, quadrants(150, 5), quadrants(50, 6), classify, base({ epochs: 4, seed, optimizer: { type: 'adamw', lr: 0.01 } }));
    return weights(m);
  };
  const a = await run(1),
    b = await run(1),
    c = await run(2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('early stopping stops when validation loss rises and restores the best weights', async () => {
  // The validation labels are the training labels inverted: the better the fit, the worse the validation loss.
  const validation = quadrants(100, 8, true);
  const m = classifier(3);
  const r = await train(m, quadrants(200, 8), validation, classify, base({ epochs: 50, earlyStopping: { patience: 3 } }));
  assert.equal(r.reason, 'early_stopped');
  assert.equal(r.epochsRun, r.bestEpoch + 3);
  const losses = r.history.map((h) => h.validationLoss!);
  assert.equal(Math.min(...losses), losses[r.bestEpoch - 1]);
  assert.ok(losses[r.epochsRun - 1] > losses[r.bestEpoch - 1]);
  // The model holds the best epoch's weights: its validation loss is that epoch's, exactly.
  assert.equal(evaluationLoss(m, validation, classify, 256), losses[r.bestEpoch - 1]);
});

test('early stopping on a validation metric keeps the epoch with the highest value, whatever the loss does', async () => {
  // A scripted metric peaks at epoch 2; the inverted validation labels make the loss alone prefer another epoch.
  const scripted = [0.2, 0.7, 0.4, 0.6, 0.5, 0.9, 0.1];
  const validation = quadrants(100, 8, true);
  const m = classifier(3);
  const seen: Float32Array[][] = [];
  const r = await train(
    m,
    quadrants(200, 8),
    validation,
    classify,
    base({
      epochs: 7,
      earlyStopping: { patience: 3, metric: 'score' },
      validationMetric: (model) => {
        seen.push(weights(model));
        return { score: scripted[seen.length - 1] };
      },
    }),
  );
  assert.deepEqual([r.reason, r.bestEpoch, r.epochsRun], ['early_stopped', 2, 5]);
  const losses = r.history.map((h) => h.validationLoss!);
  assert.notEqual(losses.indexOf(Math.min(...losses)) + 1, 2, 'the loss would have kept another epoch');
  assert.deepEqual(weights(m), seen[1]);

  await assert.rejects(
    train(classifier(3), quadrants(50, 8), validation, classify, base({ epochs: 2, earlyStopping: { patience: 1, metric: 'score' } })),
    /earlyStopping\.metric needs a validation set and a validationMetric/,
  );
  await assert.rejects(
    train(
      classifier(3),
      quadrants(50, 8),
      validation,
      classify,
      base({
        epochs: 2,
        earlyStopping: { patience: 1, metric: 'missing' },
        validationMetric: () => ({ score: 1 }),
      }),
    ),
    /"missing" is missing/,
  );
});

test('cancellation: from a listener, from outside while running, and before the start', async () => {
  const ac = new AbortController();
  const events: ProgressEvent[] = [];
  const m = classifier(4);
  const validation = quadrants(60, 10);
  const r = await train(
    m,
    quadrants(200, 9),
    validation,
    classify,
    base({
      epochs: 30,
      signal: ac.signal,
      onProgress: (e) => {
        events.push(e);
        if (e.type === 'epoch' && e.epoch === 2) ac.abort();
      },
    }),
  );
  assert.equal(r.reason, 'cancelled');
  assert.equal(r.epochsRun, 2);
  assert.deepEqual(events.at(-1), { type: 'end', reason: 'cancelled', bestEpoch: r.bestEpoch, epochs: 2 });
  assert.equal(evaluationLoss(m, validation, classify, 256), r.history[r.bestEpoch - 1].validationLoss);

  // An abort queued on the event loop lands because training yields between epochs.
  const outside = new AbortController();
  const running = train(classifier(4), quadrants(200, 9), null, classify, base({ epochs: 1000, signal: outside.signal }));
  setImmediate(() => outside.abort());
  const r2 = await running;
  assert.equal(r2.reason, 'cancelled');
  assert.ok(r2.epochsRun < 1000);

  const r3 = await train(classifier(4), quadrants(50, 9), null, classify, base({ signal: AbortSignal.abort() }));
  assert.deepEqual([r3.reason, r3.epochsRun, r3.bestEpoch], ['cancelled', 0, 0]);
});

test('progress events: start, steps, epochs with best flags, end', async () => {
  const events: ProgressEvent[] = [];
  const r = await train(
    classifier(5),
    quadrants(100, 11),
    quadrants(40, 12),
    classify,
    base({
      epochs: 6,
      batchSize: 30,
      stepEventEveryMs: 0,
      validationMetric: () => ({ answer: 42 }),
      onProgress: (e) => events.push(e),
    }),
  );
  assert.deepEqual(events[0], { type: 'start', epochs: 6, stepsPerEpoch: 4 });
  const steps = events.filter((e) => e.type === 'step');
  assert.equal(steps.length, 24);
  steps.forEach((e, i) => {
    assert.ok(e.type === 'step' && e.epoch === Math.floor(i / 4) + 1 && e.step === (i % 4) + 1);
    assert.ok(Number.isFinite(e.loss) && e.etaSeconds >= 0);
  });
  const epochs = events.filter((e) => e.type === 'epoch');
  assert.deepEqual(
    epochs.map((e) => e.type === 'epoch' && e.epoch),
    [1, 2, 3, 4, 5, 6],
  );
  let min = Infinity,
    lastBest = 0;
  for (const e of epochs) {
    if (e.type !== 'epoch') continue;
    assert.deepEqual(e.metrics, { answer: 42 });
    assert.equal(e.best, e.validationLoss! < min, `best flag of epoch ${e.epoch}`);
    if (e.best) {
      min = e.validationLoss!;
      lastBest = e.epoch;
    }
  }
  assert.equal(r.bestEpoch, lastBest);
  assert.deepEqual(events.at(-1), { type: 'end', reason: 'completed', bestEpoch: lastBest, epochs: 6 });
  assert.deepEqual(
    r.history.map((h) => h.epoch),
    [1, 2, 3, 4, 5, 6],
  );
});

test('trainEvents iterates the same events and leaving the loop early cancels', async () => {
  const run = trainEvents(classifier(6), quadrants(100, 13), null, classify, base({ epochs: 3 }));
  const types: string[] = [];
  for await (const e of run) types.push(e.type);
  assert.deepEqual(
    types.filter((t) => t !== 'step'),
    ['start', 'epoch', 'epoch', 'epoch', 'end'],
  );
  assert.equal((await run.result).reason, 'completed');

  // A failure reaches the iterating consumer (and the result) instead of an unhandled rejection.
  const failing = trainEvents(classifier(6), quadrants(100, 13), null, classify, base({ epochs: 0 }));
  await assert.rejects(
    (async () => {
      for await (const e of failing) void e;
    })(),
    AndonError,
  );
  await assert.rejects(failing.result, AndonError);

  const early = trainEvents(classifier(6), quadrants(100, 13), null, classify, base({ epochs: 500 }));
  for await (const e of early) if (e.type === 'epoch') break;
  const r = await early.result;
  assert.equal(r.reason, 'cancelled');
  assert.ok(r.epochsRun < 500);
});

test('a huge learning rate stops with a clear divergence error and finite weights', async () => {
  const m = regressor(7);
  await assert.rejects(
    train(m, line(100, 14), null, { kind: 'regression' }, base({ epochs: 50, optimizer: { type: 'sgd', lr: 1e6 } })),
    (e: unknown) =>
      e instanceof AndonError &&
      e.code === 'invalid_input' &&
      /^training diverged: loss became (NaN|Infinity) at epoch \d+; lower the learning rate$/.test(e.message),
  );
  for (const w of weights(m)) assert.ok(w.every(Number.isFinite));

  // A NaN in the data is reported as such, not blamed on the learning rate.
  const dirty = line(100, 14);
  (dirty.targets as Float32Array)[37] = NaN;
  await assert.rejects(
    train(regressor(7), dirty, null, { kind: 'regression' }, base({ epochs: 3, batchSize: 10 })),
    /loss is NaN at epoch 1: the batch's inputs or targets contain NaN or infinite values/,
  );
});

test('inputs are validated before training', async () => {
  const wrong = (o: Partial<TrainOptions>, objective: Objective = classify) =>
    assert.rejects(train(classifier(1), quadrants(20, 1), null, objective, base(o)), (e: unknown) => e instanceof AndonError && e.code === 'invalid_input');
  await wrong({ epochs: 0 });
  await wrong({ batchSize: 1.5 });
  await wrong({ optimizer: { type: 'adam', lr: -1 } });
  await wrong({}, { kind: 'classification', classes: 3 });
  await wrong({}, { kind: 'regression' }); // two outputs need rows × 2 targets
  await wrong({ averageWeights: { decay: 1 } });
});

test('weight averaging validates and returns the moving average of the weights after each step', async () => {
  const model = regressor(3),
    data = line(50, 4),
    decay = 0.5;
  const params = () => model.parameters().map((p) => Float64Array.from(p.data));
  const live: Float64Array[][] = [];
  const initial = params();
  // Full batches: one optimizer step per epoch, and the epoch event sees the weights as trained (not averaged).
  const r = await train(
    model,
    data,
    data,
    { kind: 'regression' },
    base({
      epochs: 5,
      batchSize: 50,
      optimizer: { type: 'gd', lr: 0.1 },
      averageWeights: { decay },
      onProgress: (e) => {
        if (e.type === 'epoch') live.push(params());
      },
    }),
  );
  const expected = initial.map((a) => Float64Array.from(a));
  live.forEach((w, step) => {
    const d = Math.min(decay, (2 + step) / (11 + step)); // the warm-up: early steps weigh more than the initial weights
    expected.forEach((a, i) => {
      for (let j = 0; j < a.length; j++) a[j] = d * a[j] + (1 - d) * w[i][j];
    });
  });
  params().forEach((a, i) => a.forEach((v, j) => assert.ok(Math.abs(v - expected[i][j]) < 1e-5, `parameter ${i}[${j}]: ${v} vs ${expected[i][j]}`)));
  assert.notDeepEqual(params(), live[4], 'the model ends with the average, not the last step');
  // The validation loss reported for the last epoch is the averaged model's.
  assert.ok(Math.abs(r.history[4].validationLoss! - evaluationLoss(model, data, { kind: 'regression' })) < 1e-6);
});
