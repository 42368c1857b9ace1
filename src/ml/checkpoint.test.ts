// Tests of checkpoints: exact resume after a crash, atomic files, and damaged or foreign checkpoints being ignored with a warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { SpecModel, type ModelSpec } from './spec.js';
import { train, type ProgressEvent, type TrainingSet, type TrainOptions, type Objective } from './trainer.js';
import { CHECKPOINT_FILE, loadCheckpoint } from './checkpoint.js';

function blobs(rows: number, seed: number): TrainingSet {
  const rng = new E.Rng(seed);
  const x = new Float32Array(rows * 3),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = rng.int(3);
    for (let j = 0; j < 3; j++) x[3 * i + j] = rng.normal(j === y[i] ? 1 : 0, 0.7);
  }
  return {
    rows,
    targets: y,
    input: (idx) => {
      const t = E.empty([idx.length, 3]);
      for (let i = 0; i < idx.length; i++) t.data.set(x.subarray(idx[i] * 3, idx[i] * 3 + 3), i * 3);
      return { rows: idx.length, dense: t };
    },
  };
}

// Dropout, batch norm (buffers), Adam (slots, bias correction), a cosine schedule and early stopping's state all must resume.
const spec: ModelSpec = {
  input: { kind: 'dense', features: 3 },
  layers: [{ type: 'linear', units: 12 }, { type: 'batchnorm' }, { type: 'relu' }, { type: 'dropout', rate: 0.2 }],
  outputs: 3,
};
const objective: Objective = { kind: 'classification', classes: 3, labelSmoothing: 0.05 };
const data = blobs(160, 1),
  validation = blobs(60, 2);
const options = (o: Partial<TrainOptions> = {}): TrainOptions => ({
  epochs: 6,
  batchSize: 24,
  seed: 9,
  optimizer: { type: 'adam', lr: 0.01 },
  schedule: { type: 'cosine', warmupSteps: 4 },
  earlyStopping: { patience: 10 },
  ...o,
});
const weights = (m: SpecModel) => [...m.stateDict().entries()].map(([k, t]) => [k, t.data.slice()] as const);
const tempDir = () => mkdtemp(join(tmpdir(), 'andon-ckpt-test-'));

test('a run that crashes after epoch 3 and resumes ends with the same weights and history as an uninterrupted run', async () => {
  const straight = new SpecModel(spec, new E.Rng(1));
  const expected = await train(straight, data, validation, objective, options());

  const dir = await tempDir();
  try {
    const crashing = new SpecModel(spec, new E.Rng(1));
    await assert.rejects(
      train(
        crashing,
        data,
        validation,
        objective,
        options({
          checkpoint: { dir },
          onProgress: (e) => {
            if (e.type === 'epoch' && e.epoch === 3) throw new Error('process died');
          },
        }),
      ),
      /process died/,
    );
    assert.deepEqual(await readdir(dir), [CHECKPOINT_FILE]); // no temporary files left behind

    // A fresh process: differently initialised weights, which the checkpoint replaces.
    const events: ProgressEvent[] = [];
    const resumed = new SpecModel(spec, new E.Rng(99));
    const r = await train(resumed, data, validation, objective, options({ checkpoint: { dir }, onProgress: (e) => events.push(e) }));
    assert.deepEqual(events[0], { type: 'start', epochs: 6, stepsPerEpoch: 7, resumedFromEpoch: 3 });
    assert.deepEqual(
      events.filter((e) => e.type === 'epoch').map((e) => e.type === 'epoch' && e.epoch),
      [4, 5, 6],
    );
    assert.deepEqual(r, expected);
    assert.deepEqual(weights(resumed), weights(straight));

    // Resuming a finished run trains nothing and gives the same result again.
    const again = new SpecModel(spec, new E.Rng(5));
    const done = await train(again, data, validation, objective, options({ checkpoint: { dir } }));
    assert.deepEqual(done, expected);
    assert.deepEqual(weights(again), weights(straight));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('checkpoints follow everyEpochs and always include the last epoch', async () => {
  const dir = await tempDir();
  try {
    // At each epoch event, which epoch does the file on disk hold?
    const onDisk: number[] = [];
    const savedEpoch = (): number => {
      try {
        return JSON.parse(E.decodeSafetensors(readFileSync(join(dir, CHECKPOINT_FILE))).metadata.loop).epoch;
      } catch {
        return 0;
      }
    };
    await train(
      new SpecModel(spec, new E.Rng(1)),
      data,
      null,
      objective,
      options({
        epochs: 5,
        checkpoint: { dir, everyEpochs: 2 },
        onProgress: (e) => {
          if (e.type === 'epoch') onDisk.push(savedEpoch());
        },
      }),
    );
    const c = await loadCheckpoint(dir);
    assert.ok(c.status === 'ok');
    assert.equal(c.checkpoint.loop.epoch, 5);
    assert.equal(c.checkpoint.loop.history.length, 5);
    assert.deepEqual(onDisk, [0, 2, 2, 4, 5]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a truncated, garbage or foreign checkpoint is ignored with a warning; training starts over and replaces it', async () => {
  const fresh = await train(new SpecModel(spec, new E.Rng(1)), data, validation, objective, options({ epochs: 3 }));
  const dir = await tempDir();
  try {
    await train(new SpecModel(spec, new E.Rng(1)), data, validation, objective, options({ epochs: 2, checkpoint: { dir } }));
    const good = await readFile(join(dir, CHECKPOINT_FILE));
    const otherSpec: ModelSpec = { ...spec, layers: [{ type: 'linear', units: 5 }, { type: 'relu' }] };
    const foreignDir = await tempDir();
    await train(new SpecModel(otherSpec, new E.Rng(1)), data, null, objective, options({ epochs: 1, checkpoint: { dir: foreignDir } }));
    const foreign = await readFile(join(foreignDir, CHECKPOINT_FILE));
    await rm(foreignDir, { recursive: true, force: true });

    for (const [what, bytes] of [
      ['truncated', good.subarray(0, good.length - 100)],
      ['garbage', Buffer.from('not a checkpoint')],
      ['foreign', foreign],
    ] as const) {
      await writeFile(join(dir, CHECKPOINT_FILE), bytes);
      const events: ProgressEvent[] = [];
      const model = new SpecModel(spec, new E.Rng(1));
      const r = await train(model, data, validation, objective, options({ epochs: 3, checkpoint: { dir }, onProgress: (e) => events.push(e) }));
      const warning = events[0];
      assert.ok(warning.type === 'warning' && warning.code === 'checkpoint_ignored', `${what}: ${JSON.stringify(warning)}`);
      assert.match(warning.message, /training starts from the first epoch/);
      assert.deepEqual(events[1], { type: 'start', epochs: 3, stepsPerEpoch: 7 }, what);
      assert.deepEqual(r, fresh, what);
      const c = await loadCheckpoint(dir);
      assert.ok(c.status === 'ok' && c.checkpoint.loop.epoch === 3, what);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loadCheckpoint reports a missing file and explains a damaged one', async () => {
  const dir = await tempDir();
  try {
    assert.deepEqual(await loadCheckpoint(dir), { status: 'missing' });
    await writeFile(join(dir, CHECKPOINT_FILE), new Uint8Array(4));
    const r = await loadCheckpoint(dir);
    assert.ok(r.status === 'invalid' && /shorter than the 8-byte header/.test(r.reason));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('with weight averaging, a resumed run ends with the same averaged weights as an uninterrupted one', async () => {
  const averaged = (o: Partial<TrainOptions> = {}) => options({ averageWeights: { decay: 0.9 }, ...o });
  const straight = new SpecModel(spec, new E.Rng(1));
  const expected = await train(straight, data, validation, objective, averaged());
  const dir = await tempDir();
  try {
    await assert.rejects(
      train(
        new SpecModel(spec, new E.Rng(1)),
        data,
        validation,
        objective,
        averaged({
          checkpoint: { dir },
          onProgress: (e) => {
            if (e.type === 'epoch' && e.epoch === 4) throw new Error('process died');
          },
        }),
      ),
      /process died/,
    );
    const resumed = new SpecModel(spec, new E.Rng(99));
    assert.deepEqual(await train(resumed, data, validation, objective, averaged({ checkpoint: { dir } })), expected);
    assert.deepEqual(weights(resumed), weights(straight));
    // A checkpoint of a run without averaging is another run's: ignored, not resumed.
    const warnings: ProgressEvent[] = [];
    await train(
      new SpecModel(spec, new E.Rng(1)),
      data,
      validation,
      objective,
      options({
        checkpoint: { dir },
        onProgress: (e) => {
          if (e.type === 'warning') warnings.push(e);
        },
      }),
    );
    assert.equal(warnings.length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
