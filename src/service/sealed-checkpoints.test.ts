// A training job's checkpoints at rest: the worker thread seals them under the job's key, the key file is sealed under the tenant's key, a resumed attempt opens them, a replaced key file makes training start over.
import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseBlobHeader } from '../security/envelope.js';
import { CHECKPOINT_FILE } from '../ml/checkpoint.js';
import type { ProgressEvent } from '../ml/trainer.js';
import { checkTrainingSpec } from '../ml/training-spec.js';
import { CHECKPOINT_KEY_FILE, checkpointKeyOf } from './checkpoint-key.js';
import type { ServiceContext } from './context.js';
import { checkpointDirOf } from './jobs.js';
import { startTrainingThread } from './training-thread.js';
import type { TrainingWork } from './training-worker.js';
import { machinesCsv, newTenant, openContext, tempHome } from './test-helpers.js';

let home: Awaited<ReturnType<typeof tempHome>>;
let ctx: ServiceContext;
let tenant: string;

before(async () => {
  home = await tempHome();
  ctx = await openContext(home.home, { consume: false });
  tenant = await newTenant(ctx);
});
after(async () => {
  await ctx.close();
  await home.remove();
});

/** Trains until the first epoch's checkpoint is written (the epoch event comes after it), then cancels; returns the events. */
async function trainOneEpoch(work: TrainingWork): Promise<ProgressEvent[]> {
  const events: ProgressEvent[] = [];
  const thread = startTrainingThread(work, (e) => {
    events.push(e);
    if (e.type === 'epoch') thread.cancel();
  });
  await thread.done;
  return events;
}

test('checkpoints are sealed under a per-job key whose file is sealed under the tenant key; a resumed attempt opens them', async () => {
  const jobId = 'job_sealed_checkpoints';
  const dir = checkpointDirOf(ctx, tenant, jobId);
  const key = await checkpointKeyOf(ctx, tenant, jobId, dir);
  assert.ok(key);
  const keyFile = await readFile(join(dir, CHECKPOINT_KEY_FILE));
  assert.ok(!keyFile.toString('latin1').includes(Buffer.from(key.key).toString('base64')), 'the key file does not hold the key in clear');
  parseBlobHeader(Buffer.from(keyFile.toString('utf8').trim(), 'base64')); // an Andon sealed value
  assert.equal((await checkpointKeyOf(ctx, tenant, jobId, dir))?.id, key.id, 'a later attempt gets the same key back');

  const work = (k: typeof key): TrainingWork => ({
    bytes: machinesCsv(300),
    format: 'csv',
    spec: checkTrainingSpec({ target: 'machine_failure', epochs: 500, members: 1, seed: 1 }),
    checkpointDir: dir,
    checkpointKey: k,
  });
  await trainOneEpoch(work(key));
  const checkpoint = await readFile(join(dir, CHECKPOINT_FILE));
  assert.equal(parseBlobHeader(checkpoint).keyId, key.id, 'the checkpoint is sealed under the job key');
  for (const clear of ['andon-checkpoint', 'fingerprint', 'model/']) assert.ok(!checkpoint.toString('latin1').includes(clear), clear);
  if (process.platform !== 'win32') {
    for (const f of [CHECKPOINT_FILE, CHECKPOINT_KEY_FILE]) assert.equal((await stat(join(dir, f))).mode & 0o777, 0o600, f);
    for (const d of [ctx.checkpointRoot, join(ctx.checkpointRoot, tenant), dir]) assert.equal((await stat(d)).mode & 0o777, 0o700, d);
  }
  assert.deepEqual((await readdir(dir)).sort(), [CHECKPOINT_FILE, CHECKPOINT_KEY_FILE].sort(), 'no temporary files left');

  const resumed = await trainOneEpoch(work((await checkpointKeyOf(ctx, tenant, jobId, dir))!));
  const start = resumed.find((e) => e.type === 'start');
  assert.ok(start?.type === 'start' && (start.resumedFromEpoch ?? 0) >= 1, JSON.stringify(start));

  // A key file sealed for another job does not open here: a new key, and the old checkpoint is ignored.
  const otherDir = checkpointDirOf(ctx, tenant, 'job_other');
  await checkpointKeyOf(ctx, tenant, 'job_other', otherDir);
  await writeFile(join(dir, CHECKPOINT_KEY_FILE), await readFile(join(otherDir, CHECKPOINT_KEY_FILE)));
  const replaced = (await checkpointKeyOf(ctx, tenant, jobId, dir))!;
  assert.notEqual(replaced.id, key.id);
  const over = await trainOneEpoch(work(replaced));
  assert.ok(
    over.some((e) => e.type === 'warning' && e.code === 'checkpoint_ignored'),
    'training starts over',
  );
});
