// The job path's training: a job's stored spec, read back as the worker reads it, trains through trainBundle with the same ONNX policy as `andon train`.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AndonError } from '../errors.js';
import { checkTrainingSpec } from '../ml/training-spec.js';
import { addDataset, storedFormatOf } from './datasets.js';
import { startTraining } from './jobs.js';
import { trainWork } from './training-worker.js';
import type { ServiceContext } from './context.js';
import { machinesCsv, newTenant, openContext, tempHome } from './test-helpers.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let ctx: ServiceContext;
let tenant: string;

before(async () => {
  home = await tempHome();
  ctx = await openContext(home.home, { consume: false });
  tenant = await newTenant(ctx);
  await addDataset(ctx, tenant, { name: 'machines', bytes: machinesCsv(300), filename: 'machines.csv' });
});
after(async () => {
  await ctx.close();
  await home.remove();
});

test('the stored spec keeps every training field, and a bad one is refused before any job exists', async () => {
  const job = await startTraining(
    ctx,
    tenant,
    {
      dataset: 'machines',
      target: 'machine_failure',
      modelName: 'pm',
      epochs: 2,
      seed: 4,
      types: { type: 'category' },
      textModel: 'bag',
      exclude: ['tool_wear_min'],
    },
    { id: 'key_x' },
  );
  assert.deepEqual(checkTrainingSpec(job.spec), {
    target: 'machine_failure',
    epochs: 2,
    seed: 4,
    types: { type: 'category' },
    textModel: 'bag',
    exclude: ['tool_wear_min'],
  });
  assert.equal(job.spec.actor, 'key_x');
  assert.equal(job.spec.modelName, 'pm');
  const before = (await ctx.meta.jobs.list(tenant, {})).length;
  for (const bad of [{ epochs: 0 }, { members: 17 }, { task: 'forecast' }, { groupColumn: 'type' }, { types: { type: 'colour' } }]) {
    await assert.rejects(
      startTraining(ctx, tenant, { dataset: 'machines', target: 'machine_failure', modelName: 'pm', ...bad } as never),
      { code: 'invalid_input' },
      JSON.stringify(bad),
    );
  }
  assert.equal((await ctx.meta.jobs.list(tenant, {})).length, before);
});

test('an architecture the exporter cannot cover: the worker posts a bundle without model.onnx and the warning the job records', async () => {
  const job = await startTraining(ctx, tenant, { dataset: 'machines', target: 'machine_failure', modelName: 'pm', epochs: 2, seed: 1 });
  const dv = (await ctx.meta.datasets.getVersion(tenant, job.datasetVersionId!))!;
  const uncovered = () => {
    throw new AndonError('invalid_input', 'ONNX export: layers[0]: layer type "capsule" has no ONNX export');
  };
  const done = await trainWork(
    { bytes: await ctx.blobs.get(tenant, dv.blobKey), format: storedFormatOf(dv), spec: checkTrainingSpec(job.spec) },
    { exportOnnx: uncovered },
  );
  const files = new Map(done.files);
  assert.deepEqual([...files.keys()].sort(), ['manifest.json', 'weights.safetensors']);
  assert.deepEqual(
    done.warnings.map((w) => w.code),
    ['onnx_export_failed'],
  );
  assert.deepEqual(JSON.parse(Buffer.from(files.get('manifest.json')!).toString('utf8')).warnings, done.warnings);
  // Without the failure, the same work exports ONNX.
  const normal = await trainWork({ bytes: await ctx.blobs.get(tenant, dv.blobKey), format: storedFormatOf(dv), spec: checkTrainingSpec(job.spec) });
  assert.ok(normal.files.some(([name]) => name === 'model.onnx'));
  assert.deepEqual(normal.warnings, []);
});
