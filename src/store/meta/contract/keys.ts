// Contract: wrapped tenant data keys and the master key registry — one key per tenant generation under
// races, isolation, and master key rotation that is all-or-nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MetaStore } from '../types.js';
import { rejectsWith, withStore, type MetaFactory } from './util.js';

const hex = (n: number, len = 32) => n.toString(16).padStart(len, '0');
const M1 = { id: hex(0xa1, 16), checkValue: hex(0xc1, 64) };
const M2 = { id: hex(0xa2, 16), checkValue: hex(0xc2, 64) };
const M3 = { id: hex(0xa3, 16), checkValue: hex(0xc3, 64) };
const W = (s: string) => Buffer.from(s).toString('base64');

async function states(s: MetaStore): Promise<Record<string, string>> {
  return Object.fromEntries((await s.tenantKeys.masterKeys()).map((m) => [m.id, m.state]));
}

export function keyContract(factory: MetaFactory): void {
  test('tenant keys: one per tenant and generation even under concurrent first uses; only under the active master key', async () => {
    await withStore(factory, async (s, a, b) => {
      await rejectsWith(s.tenantKeys.create(a, { id: hex(1), wrapped: W('k1'), masterKeyId: M1.id }), 'conflict', /master key/);
      const m = await s.tenantKeys.addMasterKey({ ...M1, state: 'active' });
      assert.deepEqual([m.created, m.record.state, m.record.checkValue, m.record.retiredAt], [true, 'active', M1.checkValue, null]);
      assert.equal((await s.tenantKeys.addMasterKey({ ...M1, state: 'active' })).created, false, 'registering the same key again is a no-op');
      await rejectsWith(s.tenantKeys.addMasterKey({ ...M2, state: 'active' }), 'conflict', /already active/);
      assert.equal(await s.tenantKeys.current(a), null);
      const results = await Promise.all([1, 2, 3].map((i) => s.tenantKeys.create(a, { id: hex(i), wrapped: W(`k${i}`), masterKeyId: M1.id })));
      assert.equal(results.filter((r) => r.created).length, 1, 'exactly one of the racing creates wins');
      const winner = results.find((r) => r.created)!.key;
      assert.ok(results.every((r) => r.key.id === winner.id && r.key.wrapped === winner.wrapped));
      assert.deepEqual([winner.tenantId, winner.generation, winner.masterKeyId, winner.nextWrapped, winner.nextMasterKeyId], [a, 1, M1.id, null, null]);
      const second = await s.tenantKeys.create(a, { id: hex(9), generation: 2, wrapped: W('k9'), masterKeyId: M1.id });
      assert.equal(second.created, true);
      assert.equal((await s.tenantKeys.current(a))?.id, hex(9), 'the newest generation is current');
      assert.deepEqual(
        (await s.tenantKeys.list(a)).map((k) => k.generation),
        [1, 2],
      );
      assert.deepEqual(await s.tenantKeys.get(a, winner.id), winner);
      // Isolation: tenant B sees none of A's keys, and an id taken by A cannot be reused by B.
      assert.equal(await s.tenantKeys.get(b, winner.id), null);
      assert.equal(await s.tenantKeys.current(b), null);
      assert.deepEqual(await s.tenantKeys.list(b), []);
      await rejectsWith(s.tenantKeys.create(b, { id: winner.id, wrapped: W('x'), masterKeyId: M1.id }), 'conflict');
      await rejectsWith(s.tenantKeys.create('ten_missing', { id: hex(20), wrapped: W('x'), masterKeyId: M1.id }), 'not_found');
      await rejectsWith(s.tenantKeys.create(a, { id: 'ZZ', generation: 3, wrapped: W('x'), masterKeyId: M1.id }), 'invalid_input');
      await rejectsWith(s.tenantKeys.create(a, { id: hex(21), generation: 0, wrapped: W('x'), masterKeyId: M1.id }), 'invalid_input');
      await rejectsWith(s.tenantKeys.create(a, { id: hex(22), generation: 3, wrapped: "'; DROP TABLE tenant_keys; --", masterKeyId: M1.id }), 'invalid_input');
      await rejectsWith(s.tenantKeys.get('../a', winner.id), 'invalid_input');
      assert.equal(await s.tenantKeys.countAcrossTenants(), 2);
    });
  });

  test('master key rotation: next wrappings sit beside the current ones; the commit swaps all or nothing', async () => {
    await withStore(factory, async (s, a, b) => {
      await s.tenantKeys.addMasterKey({ ...M1, state: 'active' });
      const ka = (await s.tenantKeys.create(a, { id: hex(1), wrapped: W('a-by-1'), masterKeyId: M1.id })).key;
      const kb = (await s.tenantKeys.create(b, { id: hex(2), wrapped: W('b-by-1'), masterKeyId: M1.id })).key;
      const next = (w: string) => ({ masterKeyId: M1.id, nextWrapped: W(w), nextMasterKeyId: M2.id });
      assert.equal(await s.tenantKeys.setNextWrapping(a, ka.id, next('a-by-2')), false, 'no wrapping for a key that is not pending');
      await s.tenantKeys.addMasterKey({ ...M2, state: 'pending' });
      await rejectsWith(s.tenantKeys.addMasterKey({ ...M3, state: 'pending' }), 'conflict', /already pending/);
      assert.equal(await s.tenantKeys.setNextWrapping(b, ka.id, next('a-by-2')), false, 'not through another tenant');
      assert.equal(await s.tenantKeys.setNextWrapping(a, ka.id, { ...next('a-by-2'), masterKeyId: M2.id }), false, 'not when the current wrapping changed');
      assert.equal(await s.tenantKeys.setNextWrapping(a, ka.id, next('a-by-2')), true);
      assert.deepEqual(
        (await s.tenantKeys.listAcrossTenants({ masterKeyId: M1.id })).map((k) => k.id),
        [ka.id, kb.id],
      );
      assert.deepEqual(
        (await s.tenantKeys.listAcrossTenants({ afterId: ka.id, limit: 5 })).map((k) => k.id),
        [kb.id],
      );
      // B's key has no wrapping by M2 yet: the commit refuses and changes nothing.
      await rejectsWith(s.tenantKeys.commitMasterRotation(M1.id, M2.id), 'conflict', /not yet wrapped/);
      assert.deepEqual(await states(s), { [M1.id]: 'active', [M2.id]: 'pending' });
      const mid = await s.tenantKeys.get(a, ka.id);
      assert.deepEqual([mid?.wrapped, mid?.masterKeyId, mid?.nextWrapped, mid?.nextMasterKeyId], [W('a-by-1'), M1.id, W('a-by-2'), M2.id]);
      // A key created while the rotation runs is wrapped by the active key and must be re-wrapped too.
      const late = (await s.tenantKeys.create(a, { id: hex(3), generation: 2, wrapped: W('late-by-1'), masterKeyId: M1.id })).key;
      assert.equal(await s.tenantKeys.setNextWrapping(b, kb.id, next('b-by-2')), true);
      await rejectsWith(s.tenantKeys.commitMasterRotation(M1.id, M2.id), 'conflict');
      assert.equal(await s.tenantKeys.setNextWrapping(a, late.id, next('late-by-2')), true);
      assert.equal(await s.tenantKeys.commitMasterRotation(M1.id, M2.id), 3);
      assert.deepEqual(await states(s), { [M1.id]: 'retired', [M2.id]: 'active' });
      const after = await s.tenantKeys.list(a);
      assert.deepEqual(
        after.map((k) => [k.wrapped, k.masterKeyId, k.nextWrapped, k.nextMasterKeyId]),
        [
          [W('a-by-2'), M2.id, null, null],
          [W('late-by-2'), M2.id, null, null],
        ],
      );
      assert.ok(after.every((k) => k.rewrappedAt));
      await rejectsWith(s.tenantKeys.create(b, { id: hex(4), generation: 2, wrapped: W('x'), masterKeyId: M1.id }), 'conflict', /rotated/);
      await rejectsWith(s.tenantKeys.commitMasterRotation(M1.id, M2.id), 'conflict');
      assert.deepEqual(await states(s), { [M1.id]: 'retired', [M2.id]: 'active' }, 'a failed commit rolls back the retirement');
    });
  });

  test('master key rotation: an abandoned pending key is forgotten with its wrappings', async () => {
    await withStore(factory, async (s, a) => {
      await s.tenantKeys.addMasterKey({ ...M1, state: 'active' });
      const k = (await s.tenantKeys.create(a, { id: hex(1), wrapped: W('by-1'), masterKeyId: M1.id })).key;
      await s.tenantKeys.addMasterKey({ ...M2, state: 'pending' });
      assert.equal(await s.tenantKeys.setNextWrapping(a, k.id, { masterKeyId: M1.id, nextWrapped: W('by-2'), nextMasterKeyId: M2.id }), true);
      await rejectsWith(s.tenantKeys.abandonMasterKey(M1.id), 'conflict', /not pending/);
      await s.tenantKeys.abandonMasterKey(M2.id);
      await s.tenantKeys.abandonMasterKey(M2.id);
      assert.deepEqual(await states(s), { [M1.id]: 'active' });
      const still = await s.tenantKeys.get(a, k.id);
      assert.deepEqual([still?.wrapped, still?.nextWrapped, still?.nextMasterKeyId], [W('by-1'), null, null]);
      assert.equal((await s.tenantKeys.addMasterKey({ ...M3, state: 'pending' })).created, true, 'another rotation may start');
    });
  });
}
