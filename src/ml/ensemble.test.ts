// Ensembles: separately trained models joined into one that answers the mean of their outputs, from spec to served ONNX.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Table, cellOf } from '../data/table.js';
import { loadModel } from '../runtime/index.js';
import { SpecModel, type ModelSpec } from './spec.js';
import { fitModel } from './fit.js';
import { bundleFiles, readBundle, writeBundle } from './bundle.js';
import { predictTable } from './predictor.js';
import { exportOnnx } from './onnx/index.js';

const spec: ModelSpec = {
  input: { kind: 'dense', features: 3 },
  layers: [{ type: 'linear', units: 4 }, { type: 'relu' }, { type: 'dropout', rate: 0.5 }],
  outputs: 2,
};
const x = E.tensor(Float32Array.from([0.5, -1, 2, 1, 0, -0.5]), [2, 3]);
const out = (m: SpecModel) => E.noGrad(() => [...m.eval().forward({ rows: 2, dense: x }).data]);

test('SpecModel.ensemble answers the mean of its members and keeps their weights under m0., m1. …', () => {
  const members = [1, 2, 3].map((seed) => new SpecModel(spec, new E.Rng(seed)));
  const e = SpecModel.ensemble(members);
  assert.equal(e.spec.members, 3);
  assert.deepEqual(
    [...e.stateDict().keys()].filter((k) => k.endsWith('head.weight')),
    ['m0.head.weight', 'm1.head.weight', 'm2.head.weight'],
  );
  const each = members.map(out);
  out(e).forEach((v, i) => assert.ok(Math.abs(v - (each[0][i] + each[1][i] + each[2][i]) / 3) < 1e-6));
  // Rebuilt from its spec and state (as a bundle is read), it answers the same.
  const again = new SpecModel(e.spec, new E.Rng(99));
  again.loadStateDict(e.stateDict());
  assert.deepEqual(out(again), out(e));
});

test('bad ensembles are refused', () => {
  const invalid = (f: () => unknown) => assert.throws(f, (err: unknown) => err instanceof AndonError && err.code === 'invalid_input');
  invalid(() => new SpecModel({ ...spec, members: 0 }, new E.Rng(1)));
  invalid(() => new SpecModel({ ...spec, members: 17 }, new E.Rng(1)));
  invalid(() => SpecModel.ensemble([new SpecModel(spec, new E.Rng(1))]));
  // Members of different shapes cannot share one spec.
  assert.throws(() =>
    SpecModel.ensemble([new SpecModel(spec, new E.Rng(1)), new SpecModel({ ...spec, layers: [{ type: 'linear', units: 5 }] }, new E.Rng(2))]),
  );
});

/** Run-to-failure histories: `wear` rises to 1 at failure; `noise` says nothing. */
function runToFailure(units: number, seed: number): Table {
  const rng = new E.Rng(seed);
  const rows: Record<string, number>[] = [];
  for (let unit = 1; unit <= units; unit++) {
    const life = 40 + Math.floor(rng.range(0, 25));
    for (let cycle = 1; cycle <= life; cycle++) rows.push({ unit, cycle, wear: cycle / life + rng.normal(0, 0.02), noise: rng.normal(0, 1) });
  }
  return Table.fromRows(rows);
}

test('a remaining-useful-life ensemble: members on different held-out units, one bundle, ONNX Runtime answers as the engine', async () => {
  const table = runToFailure(15, 4);
  const request = { target: 'RUL', task: 'rul' as const, groupColumn: 'unit', timeColumn: 'cycle', seed: 2, training: { epochs: 3 } };
  const fitted = await fitModel(table, { ...request, members: 3 });
  const m = fitted.manifest;
  assert.equal(m.spec.members, 3);
  assert.deepEqual(
    m.training.members!.map((r) => r.seed),
    [2, 3, 4],
  );
  assert.ok(Number.isFinite(m.metrics.rmse_last), JSON.stringify(m.metrics));
  const dir = await mkdtemp(join(tmpdir(), 'andon-ensemble-'));
  try {
    await writeBundle(join(dir, 'b'), bundleFiles(fitted, exportOnnx(fitted.model)));
    const bundle = await readBundle(join(dir, 'b'));
    const engine = predictTable(bundle, table);
    assert.equal(engine.length, 15);
    const served = await loadModel(
      new Map(['manifest.json', 'weights.safetensors', 'model.onnx'].map((f) => [f, new Uint8Array(readFileSync(join(dir, 'b', f)))])),
    );
    try {
      assert.equal(served.engine, 'onnx');
      const rows = Array.from({ length: table.rowCount }, (_, r) => Object.fromEntries(table.columnNames.map((c) => [c, cellOf(table.column(c), r)])));
      const onnx = await served.predict(rows);
      onnx.forEach((p, i) => assert.ok(Math.abs((p as { value: number }).value - (engine[i] as { value: number }).value) < 1e-3, `unit ${i}`));
    } finally {
      await served.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  // The same seed gives the same ensemble; members: 1 is the single model.
  const again = await fitModel(table, { ...request, members: 3 });
  assert.deepEqual(
    [...again.model.stateDict().values()].map((t) => [...t.data]),
    [...fitted.model.stateDict().values()].map((t) => [...t.data]),
  );
  assert.equal((await fitModel(table, { ...request, members: 1 })).manifest.spec.members, undefined);
  await assert.rejects(fitModel(table, { ...request, members: 0 }), /members must be an integer from 1 to 16/);
});

test('cancelling during the second member cancels the whole ensemble run', async () => {
  const stop = new AbortController();
  let starts = 0;
  const fitted = await fitModel(runToFailure(10, 5), {
    target: 'RUL',
    task: 'rul',
    groupColumn: 'unit',
    timeColumn: 'cycle',
    seed: 1,
    training: { epochs: 3 },
    members: 3,
    signal: stop.signal,
    onProgress: (e) => {
      if (e.type === 'start' && ++starts === 2) stop.abort();
    },
  });
  assert.equal(starts, 2, 'the third member never starts');
  assert.equal(fitted.manifest.training.stopped, 'cancelled', 'callers register nothing');
});
