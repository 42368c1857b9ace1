// Test helpers for the service: a context on a temporary home, a tenant, generated machine data as CSV, and waiting for a job.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticMachineRows } from '../data/synthetic-machines.js';
import type { TrainingJob } from '../store/index.js';
import { createServiceContext, type ServiceContext, type ServiceOptions } from './context.js';

export async function tempHome(): Promise<{ home: string; remove(): Promise<void> }> {
  const home = await mkdtemp(join(tmpdir(), 'andon-service-'));
  return { home, remove: () => rm(home, { recursive: true, force: true }) };
}

export function openContext(home: string, options: Partial<ServiceOptions> = {}): Promise<ServiceContext> {
  return createServiceContext({ home, queue: { pollMs: 20, shutdownGraceMs: 10_000 }, ...options });
}

export async function newTenant(ctx: ServiceContext, name = 'plant'): Promise<string> {
  return (await ctx.meta.tenants.create({ name })).id;
}

export function machinesCsv(rows = 300, seed = 1): Uint8Array {
  const data = syntheticMachineRows(rows, seed);
  const cols = Object.keys(data[0]!) as (keyof (typeof data)[0])[];
  return Buffer.from([cols.join(','), ...data.map((r) => cols.map((c) => String(r[c])).join(','))].join('\n') + '\n');
}

/** Polls the job (no timing assertions: it only waits until the job reaches a final state). */
export async function waitForJob(
  ctx: ServiceContext,
  tenantId: string,
  id: string,
  until: (j: TrainingJob) => boolean = (j) => ['succeeded', 'failed', 'cancelled'].includes(j.status),
): Promise<TrainingJob> {
  for (;;) {
    const job = await ctx.meta.jobs.get(tenantId, id);
    if (job && until(job)) return job;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Uploads generated machines as `machines` and trains two versions of `pm` (seeds 1 and 2, two epochs); returns the job ids. */
export async function machinesWithTwoVersions(ctx: ServiceContext, tenantId: string): Promise<string[]> {
  const { addDataset } = await import('./datasets.js');
  const { startTraining } = await import('./jobs.js');
  await addDataset(ctx, tenantId, { name: 'machines', bytes: machinesCsv(300) });
  const ids: string[] = [];
  for (const seed of [1, 2]) {
    const job = await startTraining(ctx, tenantId, { dataset: 'machines', target: 'machine_failure', epochs: 2, seed, modelName: 'pm' });
    const done = await waitForJob(ctx, tenantId, job.id);
    if (done.status !== 'succeeded') throw new Error(`training failed: ${done.error ?? done.status}`);
    ids.push(job.id);
  }
  return ids;
}
