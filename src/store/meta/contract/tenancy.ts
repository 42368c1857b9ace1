// Contract: tenants, API keys, and that no repository lets one tenant see or change another's rows.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith, seed, SHA, withStore, type MetaFactory } from './util.js';

export function tenancyContract(factory: MetaFactory): void {
  test('tenants: ids are minted or given, unique, and listed across tenants', async () => {
    await withStore(factory, async (s, a, b) => {
      assert.match(a, /^ten_[0-9a-f-]{36}$/);
      const c = await s.tenants.create({ id: 'default', name: 'Default' });
      assert.equal(c.id, 'default');
      assert.equal((await s.tenants.get('default'))?.name, 'Default');
      await rejectsWith(s.tenants.create({ id: 'default', name: 'again' }), 'conflict');
      await rejectsWith(s.tenants.create({ id: '../x', name: 'bad' }), 'invalid_input');
      assert.deepEqual((await s.tenants.listAcrossTenants()).map((t) => t.id).sort(), [a, b, 'default'].sort());
      assert.equal(await s.tenants.get('nobody'), null);
    });
  });

  test('API keys: created hashed with role and scopes, found by prefix across tenants, revoked and touched', async () => {
    await withStore(factory, async (s, a, b) => {
      const key = await s.apiKeys.create(a, { name: 'ci', role: 'developer', scopes: ['line-3'], keyHash: 'h1', prefix: 'andon_abc' });
      assert.deepEqual([key.tenantId, key.role, key.scopes, key.revokedAt, key.lastUsedAt], [a, 'developer', ['line-3'], null, null]);
      await rejectsWith(s.apiKeys.create(b, { name: 'dup', role: 'viewer', keyHash: 'h2', prefix: 'andon_abc' }), 'conflict');
      await rejectsWith(s.apiKeys.create(a, { name: 'x', role: 'root' as never, keyHash: 'h', prefix: 'p2' }), 'invalid_input');
      await rejectsWith(s.apiKeys.create('ten_missing', { name: 'x', role: 'viewer', keyHash: 'h', prefix: 'p3' }), 'not_found');
      assert.equal((await s.apiKeys.findByPrefixAcrossTenants('andon_abc'))?.id, key.id);
      assert.equal(await s.apiKeys.findByPrefixAcrossTenants('andon_zzz'), null);
      await s.apiKeys.touch(a, key.id);
      assert.ok((await s.apiKeys.get(a, key.id))?.lastUsedAt);
      const revoked = await s.apiKeys.revoke(a, key.id);
      assert.ok(revoked.revokedAt);
      assert.equal((await s.apiKeys.revoke(a, key.id)).revokedAt, revoked.revokedAt, 'revoking twice keeps the first time');
      const expiring = await s.apiKeys.create(a, { name: 'tmp', role: 'viewer', keyHash: 'h3', prefix: 'p4', expiresAt: '2030-01-01T00:00:00Z' });
      assert.equal(expiring.expiresAt, '2030-01-01T00:00:00.000Z');
      assert.equal((await s.apiKeys.list(a)).length, 2);
      await s.apiKeys.delete(a, expiring.id);
      assert.equal((await s.apiKeys.list(a)).length, 1);
    });
  });

  test('isolation: API keys of tenant A are invisible and unchangeable from tenant B', async () => {
    await withStore(factory, async (s, a, b) => {
      const key = await s.apiKeys.create(a, { name: 'ci', role: 'admin', keyHash: 'h', prefix: 'andon_a' });
      assert.equal(await s.apiKeys.get(b, key.id), null);
      assert.deepEqual(await s.apiKeys.list(b), []);
      await rejectsWith(s.apiKeys.revoke(b, key.id), 'not_found');
      await rejectsWith(s.apiKeys.touch(b, key.id), 'not_found');
      await rejectsWith(s.apiKeys.delete(b, key.id), 'not_found');
      assert.deepEqual(await s.apiKeys.get(a, key.id), key);
    });
  });

  test('isolation: datasets and their versions', async () => {
    await withStore(factory, async (s, a, b) => {
      const { ds, dsv } = await seed(s, a);
      assert.equal(await s.datasets.get(b, ds.id), null);
      assert.equal(await s.datasets.getByName(b, ds.name), null);
      assert.deepEqual(await s.datasets.list(b), []);
      assert.equal(await s.datasets.getVersion(b, dsv.id), null);
      assert.equal(await s.datasets.getVersionByNumber(b, ds.id, 1), null);
      assert.equal(await s.datasets.latestVersion(b, ds.id), null);
      assert.deepEqual(await s.datasets.listVersions(b, ds.id), []);
      assert.equal(await s.datasets.countVersionsByBlobKey(b, dsv.blobKey), 0);
      await rejectsWith(s.datasets.addVersion(b, ds.id, { sha256: SHA(9), blobKey: SHA(9), schema: {}, rows: 1, bytes: 1 }), 'not_found');
      await rejectsWith(s.datasets.delete(b, ds.id), 'not_found');
      // The same name is free in tenant B and means another dataset there.
      const other = await s.datasets.create(b, { name: ds.name });
      assert.notEqual(other.id, ds.id);
      assert.deepEqual(
        (await s.datasets.listVersions(a, ds.id)).map((v) => v.id),
        [dsv.id],
      );
    });
  });

  test('isolation: training jobs and their events', async () => {
    await withStore(factory, async (s, a, b) => {
      const { job, dsv } = await seed(s, a);
      await s.jobs.appendEvent(a, job.id, { type: 'progress', data: { epoch: 1 } });
      assert.equal(await s.jobs.get(b, job.id), null);
      assert.deepEqual(await s.jobs.list(b), []);
      assert.deepEqual(await s.jobs.listEvents(b, job.id), []);
      await rejectsWith(s.jobs.transition(b, job.id, 'running'), 'not_found');
      await rejectsWith(s.jobs.update(b, job.id, { progress: { hacked: true } }), 'not_found');
      await rejectsWith(s.jobs.appendEvent(b, job.id, { type: 'log' }), 'not_found');
      // Tenant B cannot point its own job at A's dataset version.
      await rejectsWith(s.jobs.create(b, { datasetVersionId: dsv.id, spec: {} }), 'not_found');
      const still = await s.jobs.get(a, job.id);
      assert.deepEqual([still?.status, still?.progress], ['queued', null]);
      assert.equal((await s.jobs.listEvents(a, job.id)).length, 1);
    });
  });

  test('isolation: models, versions, aliases and deployments', async () => {
    await withStore(factory, async (s, a, b) => {
      const { model, mv, dsv, job } = await seed(s, a);
      await s.models.setAlias(a, model.id, 'production', mv.id, { actor: 'alice' });
      const dep = await s.deployments.create(a, { name: 'pm', modelId: model.id, targetAlias: 'production' });
      assert.equal(await s.models.get(b, model.id), null);
      assert.equal(await s.models.getByName(b, model.name), null);
      assert.deepEqual(await s.models.list(b), []);
      assert.equal(await s.models.getVersion(b, mv.id), null);
      assert.equal(await s.models.getVersionByNumber(b, model.id, 1), null);
      assert.deepEqual(await s.models.listVersions(b, model.id), []);
      assert.equal(await s.models.resolve(b, model.id, { alias: 'production' }), null);
      assert.equal(await s.models.getAlias(b, model.id, 'production'), null);
      assert.deepEqual(await s.models.listAliases(b, model.id), []);
      assert.deepEqual(await s.models.aliasHistory(b, model.id), []);
      await rejectsWith(s.models.addVersion(b, model.id, { bundle: {} }), 'not_found');
      await rejectsWith(s.models.setAlias(b, model.id, 'production', mv.id), 'not_found');
      await rejectsWith(s.models.removeAlias(b, model.id, 'production'), 'not_found');
      await rejectsWith(s.models.delete(b, model.id), 'not_found');
      const bm = await s.models.create(b, { name: 'own' });
      await rejectsWith(s.models.addVersion(b, bm.id, { bundle: {}, datasetVersionId: dsv.id }), 'not_found');
      await rejectsWith(s.models.addVersion(b, bm.id, { bundle: {}, jobId: job.id }), 'not_found');
      assert.equal(await s.deployments.get(b, dep.id), null);
      assert.equal(await s.deployments.getByName(b, 'pm'), null);
      assert.deepEqual(await s.deployments.list(b), []);
      await rejectsWith(s.deployments.update(b, dep.id, { targetAlias: 'staging' }), 'not_found');
      await rejectsWith(s.deployments.delete(b, dep.id), 'not_found');
      await rejectsWith(s.deployments.create(b, { name: 'x', modelId: model.id, targetAlias: 'production' }), 'not_found');
      await rejectsWith(s.deployments.create(b, { name: 'x', modelId: bm.id, targetVersionId: mv.id }), 'not_found');
      assert.equal((await s.models.getAlias(a, model.id, 'production'))?.versionId, mv.id);
      assert.deepEqual(await s.deployments.get(a, dep.id), dep);
    });
  });

  test('isolation: batch jobs, prediction logs and audit events', async () => {
    await withStore(factory, async (s, a, b) => {
      const bj = await s.batchJobs.create(a, { inputBlobKey: SHA(5) });
      assert.equal(await s.batchJobs.get(b, bj.id), null);
      assert.deepEqual(await s.batchJobs.list(b), []);
      await rejectsWith(s.batchJobs.transition(b, bj.id, 'running'), 'not_found');
      await rejectsWith(s.batchJobs.updateCounts(b, bj.id, { rowsDone: 5 }), 'not_found');
      await s.predictionLogs.append(a, [{ deploymentId: 'dep_1', modelVersionId: 'mv_1', inputs: { t: 1 }, outputs: { y: 0 }, latencyMs: 1.5 }]);
      assert.deepEqual(await s.predictionLogs.list(b), []);
      assert.equal(await s.predictionLogs.prune(b, { keep: 0 }), 0);
      assert.equal((await s.predictionLogs.list(a)).length, 1);
      await s.audit.append(a, { actor: 'alice', action: 'model.promote' });
      assert.deepEqual(await s.audit.list(b), []);
      assert.equal(await s.audit.last(b), null);
      assert.equal((await s.audit.append(b, { actor: 'bob', action: 'key.create' })).seq, 1, 'each tenant has its own sequence');
      assert.equal((await s.batchJobs.get(a, bj.id))?.status, 'queued');
    });
  });
}
