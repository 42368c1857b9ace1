// The embedded JobQueue: items live in the MetaStore (so they survive a restart and the database stays
// the truth), handlers run in this process as async functions. One timer renews the leases of running
// jobs (relaying cancels asked through the database) and polls for work enqueued by other processes.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { AndonError } from '../../errors.js';
import type { JsonObject, QueueItem } from '../meta/entities.js';
import type { MetaStore } from '../meta/types.js';
import {
  JobAborted,
  type AbortCause,
  type CancelResult,
  type JobHandler,
  type JobQueue,
  type QueueJobState,
  type QueueJobStatus,
  type RecoveredJob,
} from './types.js';

export interface LocalQueueOptions {
  /** How often to look for work enqueued elsewhere and to renew leases (default 1000 ms). */
  pollMs?: number;
  /** How long a claim holds without renewal (default 30 s). */
  leaseMs?: number;
  /** The consumer's name in the database (default host, pid and a random part). */
  workerId?: string;
  /** recover() takes over every running job, not only expired leases (default true: this process owns the database). */
  exclusive?: boolean;
  /** How long close() waits for aborted handlers to settle (default 30 s). */
  shutdownGraceMs?: number;
  /** Errors of the background loop (the database was unreachable…); they are otherwise retried silently. */
  onError?: (error: unknown) => void;
}

interface Consumer {
  kind: string;
  handler: JobHandler;
  concurrency: number;
  active: number;
  pumping: boolean;
  again: boolean;
}

interface Running {
  item: QueueItem;
  controller: AbortController;
  done: Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms).unref());

export class LocalJobQueue implements JobQueue {
  readonly workerId: string;
  private readonly consumers = new Map<string, Consumer>();
  private readonly running = new Map<string, Running>();
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private ticking = false;

  constructor(
    private readonly meta: MetaStore,
    private readonly options: LocalQueueOptions = {},
  ) {
    this.workerId = options.workerId ?? `local-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.leaseMs = Math.max(50, options.leaseMs ?? 30_000);
    this.pollMs = Math.max(10, Math.min(options.pollMs ?? 1000, Math.floor(this.leaseMs / 3)));
  }

  private leaseUntil(): string {
    return new Date(Date.now() + this.leaseMs).toISOString();
  }

  private report(e: unknown): void {
    this.options.onError?.(e);
  }

  private checkOpen(): void {
    if (this.closed) throw new AndonError('unavailable', 'the job queue is closed');
  }

  async enqueue(kind: string, payload: JsonObject, options: { jobId: string; tenantId: string }): Promise<{ jobId: string; created: boolean }> {
    this.checkOpen();
    const { created } = await this.meta.queue.enqueue({ id: options.jobId, tenantId: options.tenantId, kind, payload });
    if (created) this.wake(kind);
    return { jobId: options.jobId, created };
  }

  process(kind: string, handler: JobHandler, options: { concurrency?: number } = {}): void {
    this.checkOpen();
    if (this.consumers.has(kind)) throw new AndonError('conflict', `jobs of kind ${kind} already have a consumer`, { kind });
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new AndonError('invalid_input', 'concurrency must be a positive integer', { concurrency });
    this.consumers.set(kind, { kind, handler, concurrency, active: 0, pumping: false, again: false });
    if (!this.timer) {
      this.timer = setInterval(() => {
        void this.tick();
      }, this.pollMs);
      this.timer.unref();
    }
    this.wake(kind);
  }

  private wake(kind: string): void {
    const c = this.consumers.get(kind);
    if (c)
      setImmediate(() => {
        void this.pump(c);
      });
  }

  /** Claims jobs while the consumer has room; a wake during a pump makes it look once more. */
  private async pump(c: Consumer): Promise<void> {
    if (c.pumping) {
      c.again = true;
      return;
    }
    c.pumping = true;
    try {
      do {
        c.again = false;
        while (!this.closed && c.active < c.concurrency) {
          const item = await this.meta.queue.claim(c.kind, this.workerId, this.leaseUntil());
          if (!item) break;
          if (this.closed) {
            await this.meta.queue.release(item.id, this.workerId);
            break;
          }
          this.start(c, item);
        }
      } while (c.again && !this.closed);
    } catch (e) {
      this.report(e);
    } finally {
      c.pumping = false;
    }
  }

  private start(c: Consumer, item: QueueItem): void {
    c.active++;
    const controller = new AbortController();
    const job = { id: item.id, tenantId: item.tenantId, kind: item.kind, payload: item.payload, attempt: item.attempt };
    const done = (async () => {
      let error: unknown = null;
      // Let the claim loop finish before the handler's synchronous part runs.
      await new Promise((res) => setImmediate(res));
      try {
        await c.handler(job, { signal: controller.signal });
      } catch (e) {
        error = e ?? new Error('handler failed');
      }
      try {
        await this.settle(item.id, controller.signal, error);
      } catch (e) {
        this.report(e);
      } finally {
        this.running.delete(item.id);
        c.active--;
        if (!this.closed) this.wake(c.kind);
      }
    })();
    this.running.set(item.id, { item, controller, done });
  }

  private async settle(id: string, signal: AbortSignal, error: unknown): Promise<void> {
    const cause = signal.aborted && signal.reason instanceof JobAborted ? signal.reason.why : null;
    if (cause === 'cancelled') await this.meta.queue.finish(id, this.workerId, 'cancelled');
    else if (cause === 'shutdown' || cause === 'lease_lost') await this.meta.queue.release(id, this.workerId);
    else if (error !== null) await this.meta.queue.finish(id, this.workerId, 'failed', error instanceof Error ? error.message : String(error));
    else await this.meta.queue.finish(id, this.workerId, 'succeeded');
  }

  private abort(r: Running, why: AbortCause): void {
    if (!r.controller.signal.aborted) r.controller.abort(new JobAborted(why));
  }

  private async tick(): Promise<void> {
    if (this.closed || this.ticking) return;
    this.ticking = true;
    try {
      for (const r of [...this.running.values()]) {
        if (r.controller.signal.aborted) continue;
        const item = await this.meta.queue.renew(r.item.id, this.workerId, this.leaseUntil());
        if (!item) this.abort(r, 'lease_lost');
        else if (item.cancelRequested) this.abort(r, 'cancelled');
      }
      // Jobs of consumers that died elsewhere (their lease ran out) come back to the queue.
      await this.meta.queue.requeueRunning(this.workerId, { onlyExpired: true, kinds: [...this.consumers.keys()] });
    } catch (e) {
      this.report(e);
    } finally {
      this.ticking = false;
    }
    for (const c of this.consumers.values()) void this.pump(c);
  }

  async cancel(jobId: string): Promise<CancelResult> {
    const before = await this.meta.queue.get(jobId);
    if (!before) return 'not_found';
    if (before.status !== 'queued' && before.status !== 'running') return 'finished';
    const after = await this.meta.queue.requestCancel(jobId);
    if (!after) return 'not_found';
    if (after.status === 'running') {
      const local = this.running.get(jobId);
      if (local) this.abort(local, 'cancelled');
      return 'signalled';
    }
    return before.status === 'queued' && after.status === 'cancelled' ? 'cancelled' : 'finished';
  }

  async recover(): Promise<RecoveredJob[]> {
    this.checkOpen();
    const items = await this.meta.queue.requeueRunning(this.workerId, { onlyExpired: !(this.options.exclusive ?? true) });
    for (const kind of new Set(items.map((i) => i.kind))) this.wake(kind);
    return items.map((i) => ({ id: i.id, tenantId: i.tenantId, kind: i.kind, attempt: i.attempt + 1 }));
  }

  async get(jobId: string): Promise<QueueJobState | null> {
    const i = await this.meta.queue.get(jobId);
    return i && { id: i.id, tenantId: i.tenantId, kind: i.kind, status: i.status, attempt: i.attempt, error: i.error, cancelRequested: i.cancelRequested };
  }

  async counts(): Promise<Array<{ kind: string; status: QueueJobStatus; count: number }>> {
    return this.meta.queue.counts();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const running = [...this.running.values()];
    for (const r of running) this.abort(r, 'shutdown');
    await Promise.race([Promise.all(running.map((r) => r.done)), sleep(this.options.shutdownGraceMs ?? 30_000)]);
  }
}
