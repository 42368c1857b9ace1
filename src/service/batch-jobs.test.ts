// Batch prediction jobs: CSV in → CSV out equal to predict(), validation at start, pinned version, cancel, a bad row, restart, tenant isolation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readTable } from '../data/readers/index.js';
import type { Table } from '../data/table.js';
import type { BatchJob } from '../store/index.js';
import { addDataset } from './datasets.js';
import { consumeTraining, startTraining } from './jobs.js';
import { getModel, promote } from './registry.js';
import { createDeployment } from './deployments.js';
import { BATCH_KIND, batchJobOutput, cancelBatchJob, consumeBatch, getBatchJob, listBatchJobs, recoverBatchJobs, startBatchJob } from './batch-jobs.js';
import type { ServiceContext } from './context.js';
import { machinesCsv, machinesWithTwoVersions, newTenant, openContext, tempHome, waitForJob } from './test-helpers.js';
import { infer } from './inference.js';

/** A REST-style prediction through the one inference entry. */
const predict = async (ctx: ServiceContext, tenant: string, deployment: string, rows: unknown) => infer(ctx, tenant, { deployment }, rows, 'rest');

let home: Awaited<ReturnType<typeof tempHome>>;
let ctx: ServiceContext;
let tenant: string;
let v1: string, v2: string;
let modelColumns: string[];
let labels: string[];
/** Jobs started before the batch consumer runs (it is started by a later test, so they are queued until then). */
let pinned: BatchJob, restarted: BatchJob;
const input = machinesCsv(2500, 7);

async function waitForBatch(id: string, until: (j: BatchJob) => boolean = (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status)): Promise<BatchJob> {
  for (;;) {
    const job = await getBatchJob(ctx, tenant, id);
    if (until(job)) return job;
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function blobCount(t: string): Promise<number> {
  let n = 0;
  for await (const _ of ctx.blobs.list(t)) n++;
  return n;
}

const table = async (bytes: Uint8Array): Promise<Table> => (await readTable(bytes, { format: 'csv' })).table;

before(async () => {
  home = await tempHome();
  // Training consumes as usual; the batch consumer is started by a test, so queued-job behaviour can be seen first.
  ctx = await openContext(home.home, { consume: false });
  consumeTraining(ctx);
  tenant = await newTenant(ctx);
  await machinesWithTwoVersions(ctx, tenant);
  const model = await getModel(ctx, tenant, 'pm');
  [v1, v2] = model.versions.map((v) => v.id) as [string, string];
  const manifest = model.versions[0]!.manifest as { input_schema: { name: string }[]; labels: string[] };
  modelColumns = manifest.input_schema.map((c) => c.name);
  labels = manifest.labels;
  await promote(ctx, tenant, 'pm', 'production', 1, { id: 'alice' });
  await createDeployment(ctx, tenant, { name: 'pm-batch', model: 'pm', alias: 'production' });
  await createDeployment(ctx, tenant, { name: 'pm-v1', model: 'pm', version: 1 });
});
after(async () => {
  await ctx.close();
  await home.remove();
});

test('startBatchJob refuses a missing column, an empty file, a header without rows and an unknown deployment, storing nothing', async () => {
  const blobs = await blobCount(tenant);
  const lines = Buffer.from(input).toString('utf8').split('\n');
  const header = lines[0]!.split(',');
  const drop = header.indexOf('torque_nm');
  const withoutTorque = Buffer.from(
    lines
      .map((l) =>
        l
          .split(',')
          .filter((_, i) => i !== drop)
          .join(','),
      )
      .join('\n'),
  );
  await assert.rejects(
    startBatchJob(ctx, tenant, { deployment: 'pm-batch', bytes: withoutTorque }),
    (e: Error & { code?: string }) => e.code === 'unknown_column' && e.message.includes('"torque_nm"'),
  );
  await assert.rejects(startBatchJob(ctx, tenant, { deployment: 'pm-batch', bytes: new Uint8Array() }), { code: 'empty_input' });
  await assert.rejects(startBatchJob(ctx, tenant, { deployment: 'pm-batch', bytes: Buffer.from(lines[0] + '\n') }), { code: 'empty_input' });
  await assert.rejects(startBatchJob(ctx, tenant, { deployment: 'nope', bytes: input }), { code: 'not_found' });
  assert.equal(await blobCount(tenant), blobs);
  assert.deepEqual(await listBatchJobs(ctx, tenant), []);
});

test('a queued job: output is a conflict, cancel ends it at once; the version is pinned at start', async () => {
  pinned = await startBatchJob(ctx, tenant, { deployment: 'pm-batch', bytes: input, filename: 'shift-2.csv' }, { id: 'alice' });
  assert.equal(pinned.status, 'queued');
  assert.equal(pinned.modelVersionId, v1);
  assert.equal(pinned.rowsTotal, 2500);
  assert.ok(await ctx.blobs.has(tenant, pinned.inputBlobKey));
  await assert.rejects(batchJobOutput(ctx, tenant, pinned.id), { code: 'conflict' });

  const doomed = await startBatchJob(ctx, tenant, { deployment: 'pm-batch', bytes: machinesCsv(50, 3) });
  assert.equal((await cancelBatchJob(ctx, tenant, doomed.id)).status, 'cancelled');
  assert.equal((await cancelBatchJob(ctx, tenant, doomed.id)).status, 'cancelled');
  assert.equal((await ctx.queue.get(doomed.id))!.status, 'cancelled');
  await assert.rejects(batchJobOutput(ctx, tenant, doomed.id), { code: 'conflict' });
  assert.deepEqual(
    (await listBatchJobs(ctx, tenant, { status: 'queued' })).map((j) => j.id),
    [pinned.id],
  );

  // Moving the alias now must not change what the queued job predicts with.
  await promote(ctx, tenant, 'pm', 'production', 2, { id: 'bob' });
});

test('a job left running by a dead consumer goes back to queued on recovery', async () => {
  restarted = await startBatchJob(ctx, tenant, { deployment: 'pm-v1', bytes: machinesCsv(120, 4) });
  // Claim both queued batch items as a consumer that then dies; its rows say running.
  const lease = new Date(Date.now() + 3_600_000).toISOString();
  while (await ctx.meta.queue.claim(BATCH_KIND, 'dead-worker', lease));
  await ctx.meta.batchJobs.transition(tenant, restarted.id, 'running');
  await ctx.meta.batchJobs.transition(tenant, pinned.id, 'running');
  await ctx.queue.recover();
  const r = await recoverBatchJobs(ctx);
  assert.deepEqual(new Set(r.restarted), new Set([restarted.id, pinned.id]));
  assert.equal((await getBatchJob(ctx, tenant, restarted.id)).status, 'queued');
  // A running row with no queue item at all cannot run again.
  const orphan = await ctx.meta.batchJobs.create(tenant, { modelVersionId: v1, inputBlobKey: restarted.inputBlobKey });
  await ctx.meta.batchJobs.transition(tenant, orphan.id, 'running');
  assert.deepEqual((await recoverBatchJobs(ctx)).failed, [orphan.id]);
  assert.equal((await getBatchJob(ctx, tenant, orphan.id)).status, 'failed');
});

test('CSV in → CSV out: input columns plus prediction and probabilities, equal to predict() on the same rows, from the pinned version', async () => {
  consumeBatch(ctx, { concurrency: 1, chunkRows: 100 });
  const done = await waitForBatch(pinned.id);
  assert.equal(done.status, 'succeeded', done.error ?? '');
  assert.equal(done.modelVersionId, v1);
  assert.equal(done.rowsTotal, 2500);
  assert.equal(done.rowsDone, 2500);
  assert.ok(done.outputBlobKey);

  const inTable = await table(input);
  const out = await table(await batchJobOutput(ctx, tenant, pinned.id));
  assert.deepEqual(out.columnNames, [...inTable.columnNames, 'prediction', ...labels.map((l) => `probability_${l}`)]);
  assert.equal(out.rowCount, 2500);
  const rows = Array.from({ length: inTable.rowCount }, (_, r) => Object.fromEntries(modelColumns.map((c) => [c, inTable.get(r, c)])));
  const expected = await predict(ctx, tenant, 'pm-v1', rows);
  assert.equal(expected.versionId, v1);
  // The alias now names v2, which predicts differently: the output can only match v1 if the job kept it.
  const now = await predict(ctx, tenant, 'pm-batch', rows.slice(0, 50));
  assert.equal(now.versionId, v2);
  assert.notDeepEqual(now.predictions, expected.predictions.slice(0, 50));
  for (let r = 0; r < out.rowCount; r++) {
    for (const c of inTable.columnNames) assert.equal(out.get(r, c), inTable.get(r, c), `row ${r} column ${c}`);
    const p = expected.predictions[r]!;
    assert.ok('label' in p);
    assert.equal(String(out.get(r, 'prediction')), p.label, `row ${r}`);
    for (const l of labels) assert.equal(out.get(r, `probability_${l}`), p.probabilities[l], `row ${r} class ${l}`);
  }

  // The restarted job ran again as attempt 2 and finished like any other.
  const again = await waitForBatch(restarted.id);
  assert.equal(again.status, 'succeeded', again.error ?? '');
  assert.equal((await table(await batchJobOutput(ctx, tenant, restarted.id))).rowCount, 120);
  assert.equal((await ctx.queue.get(restarted.id))!.attempt, 2);
});

test('a bad row fails the job with an error naming the row and column; no output is registered', async () => {
  const lines = Buffer.from(machinesCsv(600, 9)).toString('utf8').split('\n');
  const col = lines[0]!.split(',').indexOf('torque_nm');
  const cells = lines[451]!.split(','); // data row 451
  cells[col] = 'broken';
  lines[451] = cells.join(',');
  const job = await startBatchJob(ctx, tenant, { deployment: 'pm-batch', bytes: Buffer.from(lines.join('\n')) });
  const done = await waitForBatch(job.id);
  assert.equal(done.status, 'failed');
  assert.match(done.error ?? '', /input row 451\b/);
  assert.match(done.error ?? '', /torque_nm/);
  assert.equal(done.outputBlobKey, null);
  await assert.rejects(batchJobOutput(ctx, tenant, job.id), { code: 'conflict' });
});

test('cancelBatchJob stops a running job between chunks; no output is registered', async () => {
  const job = await startBatchJob(ctx, tenant, { deployment: 'pm-batch', bytes: machinesCsv(20_000, 11) });
  await waitForBatch(job.id, (j) => j.rowsDone > 0 || (j.status !== 'queued' && j.status !== 'running'));
  const now = await cancelBatchJob(ctx, tenant, job.id);
  assert.ok(['running', 'cancelled'].includes(now.status), now.status);
  const done = await waitForBatch(job.id);
  assert.equal(done.status, 'cancelled');
  assert.ok(done.rowsDone < 20_000);
  assert.equal(done.outputBlobKey, null);
  await assert.rejects(batchJobOutput(ctx, tenant, job.id), { code: 'conflict' });
  // Cancelling a finished job returns it unchanged.
  assert.equal((await cancelBatchJob(ctx, tenant, pinned.id)).status, 'succeeded');
});

test("another tenant cannot see, cancel, read or start batch jobs on tenant A's things", async () => {
  const b = await newTenant(ctx, 'tenant-b');
  await assert.rejects(getBatchJob(ctx, b, pinned.id), { code: 'not_found' });
  await assert.rejects(cancelBatchJob(ctx, b, pinned.id), { code: 'not_found' });
  await assert.rejects(batchJobOutput(ctx, b, pinned.id), { code: 'not_found' });
  await assert.rejects(startBatchJob(ctx, b, { deployment: 'pm-batch', bytes: input }), { code: 'not_found' });
  assert.deepEqual(await listBatchJobs(ctx, b), []);
  assert.equal((await getBatchJob(ctx, tenant, pinned.id)).status, 'succeeded');
});

/** Engines run to failure: unit, cycle and two sensors that drift with wear (a tiny RUL data set). */
function enginesCsv(units: number, seed: number): Buffer {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lines = ['unit,cycle,s1,s2'];
  for (let u = 1; u <= units; u++) {
    const life = 40 + Math.floor(rnd() * 60);
    for (let c = 1; c <= life; c++) lines.push([u, c, (c / life + rnd() * 0.05).toFixed(4), (500 + c * 0.3 + rnd()).toFixed(3)].join(','));
  }
  return Buffer.from(lines.join('\n') + '\n');
}

test("RUL: each unit's remaining life goes on its latest row, equal to predict(); other rows stay empty", async () => {
  await addDataset(ctx, tenant, { name: 'engines', bytes: enginesCsv(30, 1) });
  const training = await startTraining(ctx, tenant, {
    dataset: 'engines',
    target: 'rul',
    task: 'rul',
    groupColumn: 'unit',
    timeColumn: 'cycle',
    epochs: 2,
    modelName: 'engines',
  });
  assert.equal((await waitForJob(ctx, tenant, training.id)).status, 'succeeded');
  await createDeployment(ctx, tenant, { name: 'engines', model: 'engines', version: 1 });
  const input = enginesCsv(25, 5);
  const job = await startBatchJob(ctx, tenant, { deployment: 'engines', bytes: input });
  const done = await waitForBatch(job.id);
  assert.equal(done.status, 'succeeded', done.error ?? '');
  const inTable = await table(input);
  const out = await table(await batchJobOutput(ctx, tenant, job.id));
  assert.deepEqual(out.columnNames, ['unit', 'cycle', 's1', 's2', 'prediction']);
  assert.equal(out.rowCount, inTable.rowCount);
  const expected = await predict(
    ctx,
    tenant,
    'engines',
    Array.from({ length: inTable.rowCount }, (_, r) => inTable.row(r)),
  );
  const filled = new Map<unknown, { cycle: unknown; value: unknown }>();
  for (let r = 0; r < out.rowCount; r++)
    if (out.get(r, 'prediction') !== null) filled.set(out.get(r, 'unit'), { cycle: out.get(r, 'cycle'), value: out.get(r, 'prediction') });
  assert.equal(filled.size, 25);
  for (const p of expected.predictions) {
    assert.ok('value' in p);
    const last = Math.max(
      ...Array.from({ length: inTable.rowCount }, (_, r) => r)
        .filter((r) => inTable.get(r, 'unit') === p.group)
        .map((r) => inTable.get(r, 'cycle') as number),
    );
    assert.deepEqual(filled.get(p.group), { cycle: last, value: p.value });
  }
});
