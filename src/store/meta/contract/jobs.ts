// Contract: the training and batch job state machine, job updates, and the ordered event log.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith, SHA, withStore, type MetaFactory } from './util.js';

export function jobContract(factory: MetaFactory): void {
  test('training jobs: queued → running → succeeded, then final; timestamps and attempts', async () => {
    await withStore(factory, async (s, a) => {
      const job = await s.jobs.create(a, { spec: { template: 'predictive-maintenance', epochs: 3 } });
      assert.match(job.id, /^job_/);
      assert.deepEqual([job.status, job.attempt, job.startedAt, job.finishedAt], ['queued', 0, null, null]);
      assert.deepEqual(job.spec, { template: 'predictive-maintenance', epochs: 3 });
      const lease = new Date(Date.now() + 60_000).toISOString();
      const running = await s.jobs.transition(a, job.id, 'running', { attempt: 1, claimedBy: 'w1', leaseExpiresAt: lease });
      assert.deepEqual([running.status, running.attempt, running.claimedBy, running.leaseExpiresAt], ['running', 1, 'w1', lease]);
      assert.ok(running.startedAt);
      const progressed = await s.jobs.update(a, job.id, { progress: { epoch: 2, loss: 0.3 }, checkpointBlobKey: SHA(3) });
      assert.deepEqual([progressed.progress, progressed.checkpointBlobKey], [{ epoch: 2, loss: 0.3 }, SHA(3)]);
      // A new worker takes over the same run: started_at keeps the first start.
      const resumed = await s.jobs.transition(a, job.id, 'running', { attempt: 2, claimedBy: 'w2' });
      assert.deepEqual([resumed.attempt, resumed.claimedBy, resumed.startedAt], [2, 'w2', running.startedAt]);
      const done = await s.jobs.transition(a, job.id, 'succeeded', { resultModelVersionId: 'mv_x', progress: { epoch: 3 } });
      assert.deepEqual([done.status, done.resultModelVersionId, done.progress], ['succeeded', 'mv_x', { epoch: 3 }]);
      assert.ok(done.finishedAt);
      for (const to of ['queued', 'running', 'failed', 'cancelled', 'succeeded'] as const) {
        await rejectsWith(s.jobs.transition(a, job.id, to), 'conflict', /succeeded/);
      }
      await rejectsWith(s.jobs.update(a, job.id, { progress: { late: true } }), 'conflict');
      assert.deepEqual(await s.jobs.get(a, job.id), done, 'a refused change leaves the job as it was');
      await rejectsWith(s.jobs.transition(a, job.id, 'paused' as never), 'invalid_input');
      await rejectsWith(s.jobs.transition(a, 'job_missing', 'running'), 'not_found');
    });
  });

  test('training jobs: the other legal and illegal moves', async () => {
    await withStore(factory, async (s, a) => {
      const j1 = await s.jobs.create(a, { spec: {} });
      await rejectsWith(s.jobs.transition(a, j1.id, 'succeeded'), 'conflict', /queued/);
      assert.equal((await s.jobs.transition(a, j1.id, 'cancelled')).status, 'cancelled');
      await rejectsWith(s.jobs.transition(a, j1.id, 'running'), 'conflict');
      const j2 = await s.jobs.create(a, { spec: {} });
      await s.jobs.transition(a, j2.id, 'running');
      assert.equal((await s.jobs.transition(a, j2.id, 'queued')).status, 'queued', 'a job whose worker died goes back to the queue');
      await s.jobs.transition(a, j2.id, 'running');
      const failed = await s.jobs.transition(a, j2.id, 'failed', { error: 'worker restarted without a checkpoint' });
      assert.equal(failed.error, 'worker restarted without a checkpoint');
      const j3 = await s.jobs.create(a, { spec: {}, id: 'job_given-id' });
      assert.equal(j3.id, 'job_given-id');
      await rejectsWith(s.jobs.create(a, { spec: {}, id: 'job_given-id' }), 'conflict');
      assert.equal((await s.jobs.transition(a, j3.id, 'failed', { error: 'data deleted' })).status, 'failed');
      assert.deepEqual((await s.jobs.list(a, { status: 'failed' })).map((j) => j.id).sort(), [j2.id, j3.id].sort());
      assert.equal((await s.jobs.list(a)).length, 3);
      assert.equal((await s.jobs.list(a, { limit: 1 })).length, 1);
    });
  });

  test('training jobs: racing status changes, exactly one wins', async () => {
    await withStore(factory, async (s, a) => {
      const job = await s.jobs.create(a, { spec: {} });
      await s.jobs.transition(a, job.id, 'running');
      const results = await Promise.allSettled([
        s.jobs.transition(a, job.id, 'succeeded'),
        s.jobs.transition(a, job.id, 'cancelled'),
        s.jobs.transition(a, job.id, 'failed'),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const r of results) if (r.status === 'rejected') assert.equal((r.reason as { code: string }).code, 'conflict');
    });
  });

  test('job events: ordered by seq, replayed after a seq, append-only', async () => {
    await withStore(factory, async (s, a) => {
      const job = await s.jobs.create(a, { spec: {} });
      const other = await s.jobs.create(a, { spec: {} });
      for (let i = 0; i < 6; i++) await s.jobs.appendEvent(a, job.id, { type: 'progress', data: { step: i } });
      // Concurrent appends each get their own seq.
      const racing = await Promise.all(Array.from({ length: 6 }, (_, i) => s.jobs.appendEvent(a, job.id, { type: 'progress', data: { step: 6 + i } })));
      await s.jobs.appendEvent(a, other.id, { type: 'log', data: 'other job' });
      assert.deepEqual(
        racing.map((e) => e.seq).sort((x, y) => x - y),
        [7, 8, 9, 10, 11, 12],
      );
      const all = await s.jobs.listEvents(a, job.id);
      assert.deepEqual(
        all.map((e) => e.seq),
        Array.from({ length: 12 }, (_, i) => i + 1),
      );
      assert.deepEqual(
        all.slice(0, 6).map((e) => (e.data as { step: number }).step),
        [0, 1, 2, 3, 4, 5],
        'seq follows append order',
      );
      assert.ok(all.every((e) => e.tenantId === a && e.jobId === job.id && e.type === 'progress' && e.at));
      assert.deepEqual(
        (await s.jobs.listEvents(a, job.id, 9)).map((e) => e.seq),
        [10, 11, 12],
      );
      assert.deepEqual(
        (await s.jobs.listEvents(a, job.id, 2, 3)).map((e) => e.seq),
        [3, 4, 5],
      );
      assert.deepEqual(await s.jobs.listEvents(a, job.id, 12), []);
      assert.deepEqual(
        (await s.jobs.listEvents(a, other.id)).map((e) => [e.seq, e.type, e.data]),
        [[1, 'log', 'other job']],
      );
      await rejectsWith(s.jobs.appendEvent(a, 'job_missing', { type: 'log' }), 'not_found');
      await rejectsWith(s.jobs.appendEvent(a, job.id, { type: '' }), 'invalid_input');
    });
  });

  test('batch jobs: state machine, counts, output', async () => {
    await withStore(factory, async (s, a) => {
      const bj = await s.batchJobs.create(a, { inputBlobKey: SHA(1), deploymentId: 'dep_x', options: { columns: ['a'] } });
      assert.deepEqual([bj.status, bj.rowsDone, bj.rowsFailed, bj.rowsTotal, bj.options], ['queued', 0, 0, null, { columns: ['a'] }]);
      await s.batchJobs.transition(a, bj.id, 'running');
      const counted = await s.batchJobs.updateCounts(a, bj.id, { rowsTotal: 100, rowsDone: 40, rowsFailed: 1 });
      assert.deepEqual([counted.rowsTotal, counted.rowsDone, counted.rowsFailed], [100, 40, 1]);
      const done = await s.batchJobs.transition(a, bj.id, 'succeeded', { outputBlobKey: SHA(2), modelVersionId: 'mv_1' });
      assert.deepEqual([done.status, done.outputBlobKey, done.modelVersionId], ['succeeded', SHA(2), 'mv_1']);
      assert.ok(done.finishedAt && done.startedAt);
      await rejectsWith(s.batchJobs.transition(a, bj.id, 'failed'), 'conflict');
      await rejectsWith(s.batchJobs.updateCounts(a, bj.id, { rowsDone: 100 }), 'conflict');
      await rejectsWith(s.batchJobs.updateCounts(a, bj.id, { rowsDone: -1 }), 'invalid_input');
      assert.deepEqual(
        (await s.batchJobs.list(a, { status: 'succeeded' })).map((x) => x.id),
        [bj.id],
      );
      assert.deepEqual(await s.batchJobs.list(a, { status: 'queued' }), []);
    });
  });
}
