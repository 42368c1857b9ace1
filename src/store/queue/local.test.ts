// The local JobQueue over the SQLite MetaStore: the contract suite, plus lease takeover between processes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteMetaStore } from '../meta/sqlite.js';
import type { MetaStore } from '../meta/types.js';
import { jobQueueContract, waitFor } from './contract.js';
import { LocalJobQueue } from './local.js';
import type { QueuedJob } from './types.js';

const fast = { pollMs: 20, leaseMs: 300, shutdownGraceMs: 2000 };

async function fixture() {
  const meta = await openSqliteMetaStore({ path: ':memory:' });
  const tenantId = (await meta.tenants.create({ id: 'plant-1', name: 'Plant 1' })).id;
  return { meta, tenantId };
}

async function leave(meta: MetaStore, tenantId: string, kind: string, payload: Record<string, unknown>, jobId: string, leaseMs: number) {
  await meta.queue.enqueue({ id: jobId, tenantId, kind, payload });
  const claimed = await meta.queue.claim(kind, 'dead-worker', new Date(Date.now() + leaseMs).toISOString());
  assert.equal(claimed?.id, jobId);
}

jobQueueContract('local over sqlite', async () => {
  const { meta, tenantId } = await fixture();
  return {
    queue: new LocalJobQueue(meta, fast),
    tenantId,
    open: async () => new LocalJobQueue(meta, fast),
    leaveRunning: (kind, payload, jobId) => leave(meta, tenantId, kind, payload, jobId, 60_000),
    dispose: () => meta.close(),
  };
});

test('local queue: a consumer takes over a job whose lease expired, without recover()', async () => {
  const { meta, tenantId } = await fixture();
  const queue = new LocalJobQueue(meta, { ...fast, exclusive: false });
  try {
    await leave(meta, tenantId, 'train', {}, 'job_stale', -1);
    await leave(meta, tenantId, 'train', {}, 'job_alive', 60_000);
    assert.deepEqual(await queue.recover(), [{ id: 'job_stale', tenantId, kind: 'train', attempt: 2 }], 'not exclusive: only expired leases are taken over');
    const seen: QueuedJob[] = [];
    queue.process('train', async (job) => {
      seen.push(job);
    });
    await waitFor(async () => (await queue.get('job_stale'))?.status === 'succeeded', 'the stale job');
    assert.equal((await queue.get('job_alive'))?.status, 'running', 'a live lease is respected');
    assert.deepEqual(
      seen.map((j) => [j.id, j.attempt]),
      [['job_stale', 2]],
    );
    // The live consumer's lease runs out: the polling consumer takes the job over.
    await meta.queue.renew('job_alive', 'dead-worker', new Date(Date.now() - 1).toISOString());
    await waitFor(async () => (await queue.get('job_alive'))?.status === 'succeeded', 'the expired job');
    assert.deepEqual(
      seen.map((j) => [j.id, j.attempt]),
      [
        ['job_stale', 2],
        ['job_alive', 2],
      ],
    );
  } finally {
    await queue.close();
    await meta.close();
  }
});

test('local queue: a handler whose job was taken over is aborted with lease_lost', async () => {
  const { meta, tenantId } = await fixture();
  const queue = new LocalJobQueue(meta, fast);
  try {
    let cause: unknown;
    queue.process(
      'train',
      (_job, { signal }) =>
        new Promise<void>((res) => {
          signal.addEventListener(
            'abort',
            () => {
              cause = (signal.reason as { why?: string }).why;
              res();
            },
            { once: true },
          );
        }),
    );
    await queue.enqueue('train', {}, { jobId: 'job_x', tenantId });
    await waitFor(async () => (await queue.get('job_x'))?.status === 'running', 'the job to start');
    // Another process decided this consumer was dead and took the job.
    await meta.queue.requeueRunning('another-worker', { onlyExpired: false });
    await meta.queue.claim('train', 'another-worker', new Date(Date.now() + 60_000).toISOString());
    await waitFor(() => cause !== undefined, 'the abort');
    assert.equal(cause, 'lease_lost');
    const state = await queue.get('job_x');
    assert.deepEqual([state?.status, state?.attempt], ['running', 2], 'the new holder keeps it');
  } finally {
    await queue.close();
    await meta.close();
  }
});

test('local queue: enqueue for a missing tenant is not_found; bad concurrency is refused', async () => {
  const { meta } = await fixture();
  const queue = new LocalJobQueue(meta, fast);
  try {
    await assert.rejects(queue.enqueue('train', {}, { jobId: 'job_1', tenantId: 'nobody' }), { code: 'not_found' });
    assert.throws(() => queue.process('train', async () => {}, { concurrency: 0 }), { code: 'invalid_input' });
  } finally {
    await queue.close();
    await meta.close();
  }
});
