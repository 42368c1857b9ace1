// Training jobs end to end: queue → worker thread → bundle blobs → registered version; events, cancel, restart recovery.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDataset } from './datasets.js';
import { cancelJob, getJob, jobEvents, listJobs, recoverJobs, startTraining, INTERRUPTED, TRAINING_KIND } from './jobs.js';
import { getModel } from './registry.js';
import type { ServiceContext } from './context.js';
import { machinesCsv, newTenant, openContext, tempHome, waitForJob } from './test-helpers.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let ctx: ServiceContext;
let tenant: string;

before(async () => {
  home = await tempHome();
  ctx = await openContext(home.home);
  tenant = await newTenant(ctx);
  await addDataset(ctx, tenant, { name: 'machines', bytes: machinesCsv(300), filename: 'machines.csv' });
});
after(async () => {
  await ctx.close();
  await home.remove();
});

test('startTraining trains in a worker thread and registers a version with lineage; events are ordered', async () => {
  const job = await startTraining(ctx, tenant, { dataset: 'machines', target: 'machine_failure', epochs: 2, seed: 1, modelName: 'pm' });
  assert.equal(job.status, 'queued');
  const done = await waitForJob(ctx, tenant, job.id);
  assert.equal(done.status, 'succeeded', done.error ?? '');
  assert.ok(done.resultModelVersionId);
  const model = await getModel(ctx, tenant, 'pm');
  assert.equal(model.versions.length, 1);
  const v = model.versions[0]!;
  assert.equal(v.id, done.resultModelVersionId);
  assert.equal(v.jobId, job.id);
  assert.ok(v.datasetVersionId);
  assert.ok(v.bundle['manifest.json'] && v.bundle['weights.safetensors']);
  for (const key of Object.values(v.bundle)) assert.ok(await ctx.blobs.has(tenant, key));
  assert.equal(typeof v.metrics.accuracy, 'number');
  const events = await jobEvents(ctx, tenant, job.id);
  assert.deepEqual(
    events.map((e) => e.seq),
    events.map((_, i) => i + 1),
  );
  const types = events.map((e) => e.type);
  assert.equal(types[0], 'queued');
  assert.ok(types.indexOf('started') < types.indexOf('start'));
  assert.ok(types.indexOf('start') < types.indexOf('epoch'));
  assert.equal(types.at(-1), 'succeeded');
  assert.deepEqual(
    (await jobEvents(ctx, tenant, job.id, events.at(-2)!.seq)).map((e) => e.type),
    ['succeeded'],
  );
  assert.ok((await listJobs(ctx, tenant)).some((j) => j.id === job.id));
});

test('startTraining refuses an unknown target, dataset and a bad model name', async () => {
  await assert.rejects(startTraining(ctx, tenant, { dataset: 'machines', target: 'nope', modelName: 'pm' }), { code: 'unknown_column' });
  await assert.rejects(startTraining(ctx, tenant, { dataset: 'missing', target: 'x', modelName: 'pm' }), { code: 'not_found' });
  await assert.rejects(startTraining(ctx, tenant, { dataset: 'machines', target: 'machine_failure', modelName: 'bad name' }), { code: 'invalid_input' });
});

test('cancelJob stops a running job; no model version is registered', async () => {
  const job = await startTraining(ctx, tenant, { dataset: 'machines', target: 'machine_failure', epochs: 5000, modelName: 'cancelled-model' });
  // Wait until training reports progress, so the cancel reaches a running worker thread.
  for (;;) {
    if ((await jobEvents(ctx, tenant, job.id)).some((e) => e.type === 'start')) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  await cancelJob(ctx, tenant, job.id);
  const done = await waitForJob(ctx, tenant, job.id);
  assert.equal(done.status, 'cancelled');
  assert.equal(done.resultModelVersionId, null);
  assert.equal(await ctx.meta.models.getByName(tenant, 'cancelled-model'), null);
  assert.equal((await jobEvents(ctx, tenant, job.id)).at(-1)!.type, 'cancelled');
});

test('cancelJob of a queued job cancels it at once; of a finished job returns it unchanged', async () => {
  const h = await tempHome();
  const c2 = await openContext(h.home, { consume: false });
  try {
    const t = await newTenant(c2);
    await addDataset(c2, t, { name: 'machines', bytes: machinesCsv(100) });
    const job = await startTraining(c2, t, { dataset: 'machines', target: 'machine_failure', modelName: 'pm' });
    assert.equal((await cancelJob(c2, t, job.id)).status, 'cancelled');
    assert.equal((await cancelJob(c2, t, job.id)).status, 'cancelled');
    assert.equal((await c2.queue.get(job.id))!.status, 'cancelled');
  } finally {
    await c2.close();
    await h.remove();
  }
});

test('after a restart, a running job with its queue item resumes; one without fails "interrupted by a restart"', async () => {
  const h = await tempHome();
  const first = await openContext(h.home, { consume: false });
  const t = await newTenant(first);
  const { version } = await addDataset(first, t, { name: 'machines', bytes: machinesCsv(200) });
  // A job whose process died while training: job row running, queue item claimed by a dead consumer.
  const resumable = await startTraining(first, t, { dataset: 'machines', target: 'machine_failure', epochs: 2, modelName: 'pm' });
  await first.meta.queue.claim(TRAINING_KIND, 'dead-worker', new Date(Date.now() + 3_600_000).toISOString());
  await first.meta.jobs.transition(t, resumable.id, 'running', { attempt: 1, claimedBy: 'dead-worker' });
  // A running job row with no queue item at all.
  const orphan = await first.meta.jobs.create(t, { datasetVersionId: version.id, spec: { target: 'machine_failure', modelName: 'pm' } });
  await first.meta.jobs.transition(t, orphan.id, 'running');
  await first.close();

  const second = await openContext(h.home, { consume: false });
  try {
    assert.equal((await getJob(second, t, orphan.id)).status, 'failed');
    assert.equal((await getJob(second, t, orphan.id)).error, INTERRUPTED);
    assert.equal((await getJob(second, t, resumable.id)).status, 'queued');
    assert.ok((await jobEvents(second, t, resumable.id)).some((e) => e.type === 'recovered'));
    // Recovering again finds nothing left to do.
    assert.deepEqual(await recoverJobs(second), { resumed: [], failed: [], requeued: [] });
  } finally {
    await second.close();
  }
  const third = await openContext(h.home);
  try {
    const done = await waitForJob(third, t, resumable.id);
    assert.equal(done.status, 'succeeded', done.error ?? '');
    assert.equal(done.attempt, 2);
  } finally {
    await third.close();
    await h.remove();
  }
});
