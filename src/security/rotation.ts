// Master key rotation: re-wraps every tenant data key under a new master key without touching the
// encrypted data, safe to interrupt at any point.
//
// How: (1) the new key is registered as `pending`; (2) each data key gets its new wrapping stored
// *beside* the current one (one row update each); (3) one transaction swaps every wrapping, retires the
// old key and activates the new one. Until (3) commits the old key still opens every data key, so a
// process (re)started with it works normally, and one started with the new key is refused ("the target
// of an unfinished rotation"); after (3) it is the other way round. Running the rotation again with the
// same keys resumes it (or reports it done); running it with another new key abandons the pending one.
import { AndonError } from '../errors.js';
import type { MetaStore } from '../store/meta/types.js';
import { unwrapDataKey, wrapDataKey } from './envelope.js';
import { generateMasterKey, masterKeyCheck, NEXT_SUFFIX, readKeyFile, replaceKeyFile, verifyMasterKey, writeKeyFile } from './master-key.js';

export interface RotationResult {
  /** Ids of the old and new master keys. */
  from: string;
  to: string;
  /** Data keys switched to the new master key by this call (0 when it was done already). */
  rewrapped: number;
  alreadyDone: boolean;
}

export async function rotateMasterKey(meta: MetaStore, oldKey: Buffer, newKey: Buffer): Promise<RotationResult> {
  const from = masterKeyCheck(oldKey);
  const to = masterKeyCheck(newKey);
  if (from.id === to.id) throw new AndonError('invalid_input', 'the new master key is the same as the old one', { reason: 'master_key_unchanged' });
  const records = await meta.tenantKeys.masterKeys();
  const oldRecord = records.find((r) => r.id === from.id);
  const newRecord = records.find((r) => r.id === to.id);
  if (oldRecord?.state === 'retired' && newRecord?.state === 'active') {
    await verifyMasterKey(meta, newKey);
    return { from: from.id, to: to.id, rewrapped: 0, alreadyDone: true };
  }
  if (newRecord && newRecord.state !== 'pending') {
    throw new AndonError('invalid_input', `the new master key (${to.id}) was used before (${newRecord.state}); rotate to a fresh key`, {
      reason: 'master_key_reused',
    });
  }
  // The old key must be the active one (this also registers it in a store that has none yet).
  await verifyMasterKey(meta, oldKey);
  const pending = records.find((r) => r.state === 'pending' && r.id !== to.id);
  if (pending) await meta.tenantKeys.abandonMasterKey(pending.id);
  await meta.tenantKeys.addMasterKey({ id: to.id, checkValue: to.checkValue, state: 'pending' });

  for (let round = 0; round < 10; round++) {
    // Keys created while we work are wrapped by the old key: loop until a pass finds nothing left.
    for (;;) {
      let afterId = '';
      let done = 0;
      for (;;) {
        const page = await meta.tenantKeys.listAcrossTenants({ masterKeyId: from.id, afterId, limit: 500 });
        if (page.length === 0) break;
        for (const row of page) {
          afterId = row.id;
          if (row.nextMasterKeyId === to.id) continue;
          const dataKey = unwrapDataKey(oldKey, row.tenantId, row.id, row.wrapped);
          const nextWrapped = wrapDataKey(newKey, row.tenantId, dataKey);
          if (await meta.tenantKeys.setNextWrapping(row.tenantId, row.id, { masterKeyId: from.id, nextWrapped, nextMasterKeyId: to.id })) done++;
        }
      }
      if (done === 0) break;
    }
    try {
      const rewrapped = await meta.tenantKeys.commitMasterRotation(from.id, to.id);
      return { from: from.id, to: to.id, rewrapped, alreadyDone: false };
    } catch (e) {
      if (!(e instanceof AndonError && e.details.reason === 'rotation_incomplete')) throw e;
    }
  }
  throw new AndonError('conflict', 'data keys kept being created during the rotation; run it again', { reason: 'rotation_incomplete' });
}

/**
 * The rotation of a home whose master key lives in a key file (`andon keys rotate-master`): the new key
 * (given, or generated) is first written durably to `<file>.next`, then the store is rotated, then the
 * `.next` file replaces the key file. A crash before the commit leaves the old file valid (and a re-run
 * reuses `.next`); a crash after it is finished by loadMasterKey at the next start.
 */
export async function rotateMasterKeyFile(meta: MetaStore, file: string, options: { newKey?: Buffer } = {}): Promise<RotationResult & { newKey: Buffer }> {
  const oldKey = await readKeyFile(file);
  if (!oldKey) throw new AndonError('invalid_input', `there is no master key file at ${file} to rotate`, { reason: 'master_key_missing', path: file });
  const nextFile = file + NEXT_SUFFIX;
  let newKey = await readKeyFile(nextFile);
  if (!newKey || (options.newKey && !options.newKey.equals(newKey))) {
    newKey = options.newKey ?? generateMasterKey();
    await writeKeyFile(nextFile, newKey);
  }
  const result = await rotateMasterKey(meta, oldKey, newKey);
  await replaceKeyFile(nextFile, file);
  return { ...result, newKey };
}
