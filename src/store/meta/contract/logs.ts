// Contract: prediction logs with retention, the audit log's sequence and sealing, migrations, health.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditSealer } from '../types.js';
import { rejectsWith, withStore, type MetaFactory } from './util.js';

const at = (minute: number) => new Date(Date.UTC(2025, 0, 1, 0, minute)).toISOString();

export function logContract(factory: MetaFactory): void {
  test('prediction logs: newest first, filtered by deployment and time, pruned by age and count', async () => {
    await withStore(factory, async (s, a) => {
      const entry = (dep: string, minute: number) => ({
        deploymentId: dep,
        modelVersionId: 'mv_1',
        inputs: { rows: [{ t: minute }] },
        outputs: [{ label: 'ok' }],
        latencyMs: 0.25,
        at: at(minute),
      });
      await s.predictionLogs.append(
        a,
        [1, 2, 3, 4, 5].map((m) => entry('dep_a', m)),
      );
      await s.predictionLogs.append(
        a,
        [2, 6].map((m) => entry('dep_b', m)),
      );
      const all = await s.predictionLogs.list(a);
      assert.deepEqual(
        all.map((l) => l.at),
        [at(6), at(5), at(4), at(3), at(2), at(2), at(1)],
      );
      assert.deepEqual(all[0]!.inputs, { rows: [{ t: 6 }] });
      assert.deepEqual([all[0]!.outputs, all[0]!.latencyMs], [[{ label: 'ok' }], 0.25]);
      assert.equal((await s.predictionLogs.list(a, { deploymentId: 'dep_a' })).length, 5);
      assert.deepEqual(
        (await s.predictionLogs.list(a, { deploymentId: 'dep_a', since: at(2), until: at(4) })).map((l) => l.at),
        [at(3), at(2)],
      );
      assert.equal((await s.predictionLogs.list(a, { limit: 2 })).length, 2);
      assert.equal(await s.predictionLogs.prune(a, { before: at(2) }), 1);
      assert.equal(await s.predictionLogs.prune(a, { keep: 2 }), 2, 'dep_a keeps its newest two, dep_b already has two');
      assert.deepEqual(
        (await s.predictionLogs.list(a)).map((l) => [l.deploymentId, l.at]),
        [
          ['dep_b', at(6)],
          ['dep_a', at(5)],
          ['dep_a', at(4)],
          ['dep_b', at(2)],
        ],
      );
      await rejectsWith(s.predictionLogs.append(a, [{ ...entry('dep_a', 1), latencyMs: Number.NaN }]), 'invalid_input');
      await rejectsWith(s.predictionLogs.list(a, { since: 'yesterday' }), 'invalid_input');
    });
  });

  test('audit: append-only with a per-tenant sequence; the sealer sees the previous event', async () => {
    await withStore(factory, async (s, a) => {
      const first = await s.audit.append(a, {
        actor: 'key_1',
        action: 'dataset.create',
        objectType: 'dataset',
        objectId: 'ds_1',
        address: '10.0.0.7',
        details: { name: 'pm' },
      });
      assert.deepEqual([first.seq, first.prevHash, first.hash, first.details, first.address], [1, null, null, { name: 'pm' }, '10.0.0.7']);
      const seen: Array<number | null> = [];
      const seal: AuditSealer = (prev, next) => {
        seen.push(prev?.seq ?? null);
        return { prevHash: prev?.hash ?? 'genesis', hash: `h${next.seq}:${next.action}:${next.at}` };
      };
      const second = await s.audit.append(a, { actor: 'key_1', action: 'model.promote', objectType: 'model', objectId: 'mdl_1' }, seal);
      const racing = await Promise.all([3, 4, 5].map((i) => s.audit.append(a, { actor: 'key_2', action: `a${i}` }, seal)));
      assert.equal(second.hash, `h2:model.promote:${second.at}`);
      assert.equal(second.prevHash, 'genesis');
      const events = await s.audit.list(a);
      assert.deepEqual(
        events.map((e) => e.seq),
        [1, 2, 3, 4, 5],
      );
      for (let i = 2; i < events.length; i++) assert.equal(events[i]!.prevHash, events[i - 1]!.hash, 'the chain never forks');
      assert.deepEqual(racing.map((e) => e.seq).sort(), [3, 4, 5]);
      assert.ok(seen.length >= 4);
      assert.deepEqual(
        (await s.audit.list(a, { afterSeq: 3 })).map((e) => e.seq),
        [4, 5],
      );
      assert.deepEqual(
        (await s.audit.list(a, { objectType: 'model' })).map((e) => e.seq),
        [2],
      );
      assert.deepEqual(
        (await s.audit.list(a, { action: 'a4' })).map((e) => e.actor),
        ['key_2'],
      );
      assert.equal((await s.audit.last(a))?.seq, 5);
      await rejectsWith(s.audit.append(a, { actor: '', action: 'x' }), 'invalid_input');
    });
  });

  test('migrations: re-running is a no-op; ping answers; a closed store is unavailable', async () => {
    const s = await factory();
    const version = await s.schemaVersion();
    assert.ok(version >= 1);
    assert.deepEqual(await s.migrate(), []);
    assert.deepEqual(await s.migrate(), []);
    assert.equal(await s.schemaVersion(), version);
    await s.ping();
    await s.close();
    await rejectsWith(s.ping(), 'unavailable');
    await rejectsWith(s.tenants.listAcrossTenants(), 'unavailable');
    await s.close();
  });
}
