// Tests of sealed checkpoints: with a cipher the file on disk is not a readable safetensors file, is private to the owner, resumes exactly, and nothing else opens or replaces it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { SpecModel, type ModelSpec } from './spec.js';
import { train, type ProgressEvent, type TrainingSet, type TrainOptions } from './trainer.js';
import { CHECKPOINT_FILE, loadCheckpoint, type CheckpointCipher } from './checkpoint.js';

/** AES-256-GCM under a random key: what the service passes (src/ml cannot import src/security, so the test builds its own). */
function aesCipher(): CheckpointCipher {
  const key = randomBytes(32);
  return {
    seal(plain) {
      const iv = randomBytes(12),
        c = createCipheriv('aes-256-gcm', key, iv);
      return Buffer.concat([iv, c.update(plain), c.final(), c.getAuthTag()]);
    },
    open(sealed) {
      const b = Buffer.from(sealed),
        d = createDecipheriv('aes-256-gcm', key, b.subarray(0, 12));
      d.setAuthTag(b.subarray(b.length - 16));
      return Buffer.concat([d.update(b.subarray(12, b.length - 16)), d.final()]);
    },
  };
}

function twoBlobs(rows: number, seed: number): TrainingSet {
  const rng = new E.Rng(seed);
  const x = new Float32Array(rows * 2),
    y = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    y[i] = rng.int(2);
    for (let j = 0; j < 2; j++) x[2 * i + j] = rng.normal(j === y[i] ? 1 : 0, 0.7);
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

const spec: ModelSpec = { input: { kind: 'dense', features: 2 }, layers: [{ type: 'linear', units: 8 }, { type: 'relu' }], outputs: 2 };
const data = twoBlobs(120, 1),
  validation = twoBlobs(40, 2);
const options = (o: Partial<TrainOptions> = {}): TrainOptions => ({
  epochs: 5,
  batchSize: 20,
  seed: 3,
  optimizer: { type: 'adam', lr: 0.01 },
  earlyStopping: { patience: 10 },
  ...o,
});
const weights = (m: SpecModel) => [...m.stateDict().entries()].map(([k, t]) => [k, t.data.slice()] as const);
const objective = { kind: 'classification', classes: 2 } as const;

test('a sealed checkpoint is unreadable on disk, private to the owner, and resumes exactly with its cipher', async () => {
  const root = await mkdtemp(join(tmpdir(), 'andon-sealed-ckpt-'));
  const dir = join(root, 'tenant', 'job');
  const cipher = aesCipher();
  try {
    const straight = new SpecModel(spec, new E.Rng(1));
    const expected = await train(straight, data, validation, objective, options());
    await assert.rejects(
      train(
        new SpecModel(spec, new E.Rng(1)),
        data,
        validation,
        objective,
        options({
          checkpoint: { dir, cipher },
          onProgress: (e) => {
            if (e.type === 'epoch' && e.epoch === 2) throw new Error('process died');
          },
        }),
      ),
      /process died/,
    );
    const bytes = await readFile(join(dir, CHECKPOINT_FILE));
    const text = bytes.toString('latin1');
    for (const clear of ['andon-checkpoint', 'fingerprint', 'model/', 'optim/', '"dtype"'])
      assert.ok(!text.includes(clear), `"${clear}" is not in clear on disk`);
    if (process.platform !== 'win32') {
      assert.equal((await stat(join(dir, CHECKPOINT_FILE))).mode & 0o777, 0o600);
      for (const d of [join(root, 'tenant'), dir]) assert.equal((await stat(d)).mode & 0o777, 0o700, d);
    }
    // Without the cipher, or with another key, the file is damaged data: reported, never parsed.
    assert.equal((await loadCheckpoint(dir)).status, 'invalid');
    assert.equal((await loadCheckpoint({ dir, cipher: aesCipher() })).status, 'invalid');
    const opened = await loadCheckpoint({ dir, cipher });
    assert.ok(opened.status === 'ok' && opened.checkpoint.loop.epoch === 2);

    const events: ProgressEvent[] = [];
    const resumed = new SpecModel(spec, new E.Rng(99));
    assert.deepEqual(await train(resumed, data, validation, objective, options({ checkpoint: { dir, cipher }, onProgress: (e) => events.push(e) })), expected);
    assert.equal(events[0]?.type === 'start' && events[0].resumedFromEpoch, 2);
    assert.deepEqual(weights(resumed), weights(straight));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a clear checkpoint planted where a sealed run checkpoints is ignored with a warning, and replaced sealed', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'andon-sealed-ckpt-'));
  const cipher = aesCipher();
  try {
    await train(new SpecModel(spec, new E.Rng(1)), data, validation, objective, options({ epochs: 2, checkpoint: { dir } }));
    const planted = await readFile(join(dir, CHECKPOINT_FILE));
    assert.ok(planted.toString('latin1').includes('andon-checkpoint'), 'without a cipher the checkpoint is plain safetensors');
    await writeFile(join(dir, CHECKPOINT_FILE), planted);
    const events: ProgressEvent[] = [];
    await train(
      new SpecModel(spec, new E.Rng(1)),
      data,
      validation,
      objective,
      options({ epochs: 3, checkpoint: { dir, cipher }, onProgress: (e) => events.push(e) }),
    );
    assert.ok(events.some((e) => e.type === 'warning' && e.code === 'checkpoint_ignored'));
    const start = events.find((e) => e.type === 'start');
    assert.ok(start?.type === 'start' && start.resumedFromEpoch === undefined, 'training started over');
    const c = await loadCheckpoint({ dir, cipher });
    assert.ok(c.status === 'ok' && c.checkpoint.loop.epoch === 3);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
