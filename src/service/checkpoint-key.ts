// The key a training job's checkpoints are sealed with: random per job, stored beside them only sealed under the tenant's data key, handed to the worker thread (which holds no store).
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAndonError } from '../errors.js';
import { writeFileAtomic } from '../ml/checkpoint.js';
import type { ServiceContext } from './context.js';
import { sealerOf } from './sealing.js';

export const CHECKPOINT_KEY_FILE = 'checkpoint.key';

/** A job's checkpoint key as the worker thread gets it (structured-cloned): it seals with src/security/envelope.ts under `context`. */
export interface CheckpointKey {
  /** 32 hex digits, written in each sealed checkpoint's header. */
  id: string;
  key: Uint8Array;
  /** What the sealed checkpoints are bound to: the tenant and the job. */
  context: string;
}

/**
 * The job's checkpoint key: the one its earlier attempt stored in `dir`, or a new one (stored there, sealed, mode 0600).
 * A key file that does not open (altered, or sealed for another job) is replaced, so its checkpoint is ignored and
 * training starts over. Null for a home without encryption at rest, whose blobs are not sealed either.
 */
export async function checkpointKeyOf(ctx: ServiceContext, tenantId: string, jobId: string, dir: string): Promise<CheckpointKey | null> {
  const sealer = sealerOf(ctx.blobs);
  if (!sealer) return null;
  const path = join(dir, CHECKPOINT_KEY_FILE);
  const use = `checkpoint-key/${jobId}`,
    context = `${tenantId}/checkpoint/${jobId}`;
  const stored = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (stored !== null) {
    try {
      const v = (await sealer.openValue(tenantId, stored.trim(), use)) as { id?: unknown; key?: unknown } | null;
      const key = typeof v?.key === 'string' ? Buffer.from(v.key, 'base64') : null;
      if (typeof v?.id === 'string' && /^[0-9a-f]{32}$/.test(v.id) && key?.length === 32) return { id: v.id, key, context };
    } catch (e) {
      if (!isAndonError(e) || e.code !== 'integrity_error') throw e;
    }
  }
  const fresh = { id: randomBytes(16).toString('hex'), key: randomBytes(32) };
  await writeFileAtomic(path, Buffer.from(await sealer.sealValue(tenantId, { id: fresh.id, key: fresh.key.toString('base64') }, use)));
  return { ...fresh, context };
}

/** Whether `dir` holds a checkpoint (anything beside the key file: ensemble members checkpoint in sub-folders). */
export async function hasCheckpoint(dir: string): Promise<boolean> {
  const names = await readdir(dir).catch(() => [] as string[]);
  return names.some((n) => n !== CHECKPOINT_KEY_FILE);
}
