// The JobQueue contract suite. The factory gives a queue over fresh persistence, a way to open another
// queue over the same persistence (another process, or the same one after a restart), and a way to
// leave a job as a consumer that died mid-run would leave it.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JsonObject } from '../meta/entities.js';
import { abortCause, type AbortCause, type JobQueue, type QueuedJob } from './types.js';

export interface QueueUnderTest {
  queue: JobQueue;
  /** A tenant that exists in the persistence. */
  tenantId: string;
  /** Another queue over the same persistence, as another process or a restart would open it. */
  open(): Promise<JobQueue>;
  /** Enqueues a job and leaves it claimed by a consumer that then died (no close, no release). */
  leaveRunning(kind: string, payload: JsonObject, jobId: string): Promise<void>;
  dispose(): Promise<void>;
}

export type QueueFactory = () => Promise<QueueUnderTest>;

export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((res) => setTimeout(res, 5));
  }
}

/** A handler that records its jobs and waits until released or aborted. */
function gate() {
  const seen: QueuedJob[] = [];
  const aborted: Array<AbortCause | undefined> = [];
  let open = false;
  const waiting = new Set<() => void>();
  return {
    seen,
    aborted,
    release() {
      open = true;
      for (const w of waiting) w();
      waiting.clear();
    },
    handler: async (job: QueuedJob, { signal }: { signal: AbortSignal }) => {
      seen.push(job);
      if (open) return;
      await new Promise<void>((res) => {
        waiting.add(res);
        signal.addEventListener(
          'abort',
          () => {
            aborted.push(abortCause(signal));
            res();
          },
          { once: true },
        );
      });
      if (signal.aborted) throw signal.reason;
    },
  };
}

async function using(factory: QueueFactory, fn: (t: QueueUnderTest, extra: JobQueue[]) => Promise<void>): Promise<void> {
  const t = await factory();
  const extra: JobQueue[] = [];
  try {
    await fn(t, extra);
  } finally {
    for (const q of extra) await q.close();
    await t.queue.close();
    await t.dispose();
  }
}

export function jobQueueContract(name: string, factory: QueueFactory): void {
  describe(`JobQueue contract: ${name}`, () => {
    test('runs enqueued jobs once, with their payload and attempt 1; enqueueing again is a no-op', async () => {
      await using(factory, async ({ queue, tenantId }) => {
        const seen: QueuedJob[] = [];
        assert.deepEqual(await queue.enqueue('train', { epochs: 3 }, { jobId: 'job_1', tenantId }), { jobId: 'job_1', created: true });
        queue.process('train', async (job) => {
          seen.push(job);
        });
        await waitFor(async () => (await queue.get('job_1'))?.status === 'succeeded', 'job_1 to succeed');
        assert.deepEqual(seen, [{ id: 'job_1', tenantId, kind: 'train', payload: { epochs: 3 }, attempt: 1 }]);
        assert.deepEqual(await queue.enqueue('train', { epochs: 9 }, { jobId: 'job_1', tenantId }), { jobId: 'job_1', created: false });
        await queue.enqueue('train', {}, { jobId: 'job_2', tenantId });
        await waitFor(async () => (await queue.get('job_2'))?.status === 'succeeded', 'job_2 to succeed');
        assert.deepEqual(
          seen.map((j) => j.id),
          ['job_1', 'job_2'],
        );
        assert.throws(() => queue.process('train', async () => {}), /already/);
        const counts = await queue.counts();
        assert.deepEqual(
          counts.filter((c) => c.kind === 'train'),
          [{ kind: 'train', status: 'succeeded', count: 2 }],
        );
        assert.equal(await queue.get('job_missing'), null);
      });
    });

    test('concurrency bounds handlers in flight; kinds are separate; the event loop stays free', async () => {
      await using(factory, async ({ queue, tenantId }) => {
        let inFlight = 0;
        let peak = 0;
        let ticks = 0;
        const timer = setInterval(() => ticks++, 1);
        queue.process(
          'batch',
          async () => {
            inFlight++;
            peak = Math.max(peak, inFlight);
            await new Promise((res) => setTimeout(res, 15));
            inFlight--;
          },
          { concurrency: 2 },
        );
        for (let i = 0; i < 6; i++) await queue.enqueue('batch', { i }, { jobId: `bj_${i}`, tenantId });
        await queue.enqueue('other-kind', {}, { jobId: 'ok_1', tenantId });
        await waitFor(async () => (await queue.counts()).some((c) => c.kind === 'batch' && c.status === 'succeeded' && c.count === 6), 'six batch jobs');
        clearInterval(timer);
        assert.equal(peak, 2);
        assert.ok(ticks > 5, 'timers kept firing while jobs ran');
        assert.equal((await queue.get('ok_1'))?.status, 'queued', 'no consumer for that kind, so it waits');
      });
    });

    test('a handler that throws fails its job with the message; the queue carries on', async () => {
      await using(factory, async ({ queue, tenantId }) => {
        queue.process('train', async (job) => {
          if (job.payload.bad) throw new Error('target column missing');
        });
        await queue.enqueue('train', { bad: true }, { jobId: 'job_bad', tenantId });
        await queue.enqueue('train', {}, { jobId: 'job_good', tenantId });
        await waitFor(async () => (await queue.get('job_good'))?.status === 'succeeded', 'the good job');
        const bad = await queue.get('job_bad');
        assert.deepEqual([bad?.status, bad?.error], ['failed', 'target column missing']);
      });
    });

    test('cancel: a queued job never runs; a running one is signalled and ends cancelled', async () => {
      await using(factory, async ({ queue, tenantId }) => {
        const g = gate();
        await queue.enqueue('train', {}, { jobId: 'job_run', tenantId });
        await queue.enqueue('train', {}, { jobId: 'job_wait', tenantId });
        queue.process('train', g.handler);
        await waitFor(() => g.seen.length === 1, 'the first job to start');
        assert.equal(await queue.cancel('job_wait'), 'cancelled');
        assert.equal(await queue.cancel('job_run'), 'signalled');
        await waitFor(async () => (await queue.get('job_run'))?.status === 'cancelled', 'the running job to end cancelled');
        assert.deepEqual(g.aborted, ['cancelled']);
        assert.equal(await queue.cancel('job_run'), 'finished');
        assert.equal(await queue.cancel('job_nope'), 'not_found');
        await new Promise((res) => setTimeout(res, 50));
        assert.deepEqual(
          g.seen.map((j) => j.id),
          ['job_run'],
          'the cancelled queued job never ran',
        );
        assert.equal((await queue.get('job_wait'))?.status, 'cancelled');
      });
    });

    test('cancel reaches a job running on another consumer', async () => {
      await using(factory, async (t, extra) => {
        const g = gate();
        t.queue.process('train', g.handler);
        await t.queue.enqueue('train', {}, { jobId: 'job_far', tenantId: t.tenantId });
        await waitFor(() => g.seen.length === 1, 'the job to start');
        const other = await t.open();
        extra.push(other);
        assert.equal(await other.cancel('job_far'), 'signalled');
        await waitFor(async () => (await other.get('job_far'))?.status === 'cancelled', 'the cancel to reach the consumer');
        assert.deepEqual(g.aborted, ['cancelled']);
      });
    });

    test('recover: a job left running by a dead consumer comes back as attempt 2', async () => {
      await using(factory, async (t, extra) => {
        await t.leaveRunning('train', { resumeFrom: 'checkpoint' }, 'job_orphan');
        assert.equal((await t.queue.get('job_orphan'))?.status, 'running');
        const restarted = await t.open();
        extra.push(restarted);
        const recovered = await restarted.recover();
        assert.deepEqual(recovered, [{ id: 'job_orphan', tenantId: t.tenantId, kind: 'train', attempt: 2 }]);
        assert.deepEqual(await restarted.recover(), [], 'recovering twice hands nothing back twice');
        const seen: QueuedJob[] = [];
        restarted.process('train', async (job) => {
          seen.push(job);
        });
        await waitFor(async () => (await restarted.get('job_orphan'))?.status === 'succeeded', 'the recovered job to finish');
        assert.deepEqual(
          seen.map((j) => [j.id, j.attempt, j.payload]),
          [['job_orphan', 2, { resumeFrom: 'checkpoint' }]],
        );
      });
    });

    test('close aborts running handlers with shutdown and hands their jobs back for the next start', async () => {
      await using(factory, async (t, extra) => {
        const g = gate();
        t.queue.process('train', g.handler);
        await t.queue.enqueue('train', {}, { jobId: 'job_long', tenantId: t.tenantId });
        await waitFor(() => g.seen.length === 1, 'the job to start');
        await t.queue.close();
        assert.deepEqual(g.aborted, ['shutdown']);
        const state = await (async () => {
          const q = await t.open();
          extra.push(q);
          return q;
        })();
        assert.equal((await state.get('job_long'))?.status, 'queued');
        await assert.rejects(t.queue.enqueue('train', {}, { jobId: 'job_late', tenantId: t.tenantId }), /closed/);
        const seen: QueuedJob[] = [];
        state.process('train', async (job) => {
          seen.push(job);
        });
        await waitFor(async () => (await state.get('job_long'))?.status === 'succeeded', 'the job to run again');
        assert.deepEqual(
          seen.map((j) => j.attempt),
          [2],
        );
      });
    });
  });
}
