// Contract: models, immutable versions with lineage, aliases with history, deployments.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectsWith, seed, SHA, withStore, type MetaFactory } from './util.js';

export function modelContract(factory: MetaFactory): void {
  test('models: unique names, numbered versions with lineage, one version per job', async () => {
    await withStore(factory, async (s, a) => {
      const { model, mv, dsv, job } = await seed(s, a);
      assert.match(mv.id, /^mv_/);
      assert.deepEqual([mv.number, mv.format, mv.datasetVersionId, mv.jobId, mv.bundle], [1, 'native', dsv.id, job.id, { 'manifest.json': SHA(2) }]);
      await rejectsWith(s.models.create(a, { name: model.name }), 'conflict');
      assert.equal((await s.models.ensure(a, model.name)).id, model.id);
      const again = await s.models.addVersion(a, model.id, { bundle: { 'manifest.json': SHA(9) }, jobId: job.id });
      assert.deepEqual([again.created, again.version], [false, mv], 'a job that finishes twice does not make a second version');
      const v2 = await s.models.addVersion(a, model.id, {
        format: 'onnx',
        bundle: { 'model.onnx': SHA(4) },
        manifest: { task: 'binary' },
        metrics: { f1: 0.9 },
        createdBy: 'alice',
      });
      assert.deepEqual(
        [v2.created, v2.version.number, v2.version.manifest, v2.version.metrics, v2.version.createdBy, v2.version.jobId],
        [true, 2, { task: 'binary' }, { f1: 0.9 }, 'alice', null],
      );
      const racing = await Promise.all([1, 2, 3].map(() => s.models.addVersion(a, model.id, { bundle: {} })));
      assert.deepEqual(racing.map((r) => r.version.number).sort(), [3, 4, 5]);
      assert.deepEqual(
        (await s.models.listVersions(a, model.id)).map((v) => v.number),
        [1, 2, 3, 4, 5],
      );
      assert.equal((await s.models.getVersionByNumber(a, model.id, 2))?.id, v2.version.id);
      assert.equal((await s.models.resolve(a, model.id, { number: 2 }))?.id, v2.version.id);
      assert.equal((await s.models.resolve(a, model.id, { versionId: mv.id }))?.id, mv.id);
      assert.equal(await s.models.resolve(a, model.id, { alias: 'production' }), null);
      await rejectsWith(s.models.addVersion(a, model.id, { bundle: { 'weights.safetensors': 42 as never } }), 'invalid_input');
      await rejectsWith(s.models.addVersion(a, model.id, { bundle: {}, jobId: 'job_missing' }), 'not_found');
      await rejectsWith(s.models.addVersion(a, 'mdl_missing', { bundle: {} }), 'not_found');
      const other = await s.models.create(a, { name: 'other' });
      assert.equal(await s.models.resolve(a, other.id, { versionId: mv.id }), null, 'a version id of another model does not resolve');
      assert.deepEqual(
        (await s.models.list(a)).map((m) => m.name),
        ['other', 'pm'],
      );
    });
  });

  test('aliases: moves are atomic, compare-and-set on request, and recorded with who and when', async () => {
    await withStore(factory, async (s, a) => {
      const { model, mv: v1 } = await seed(s, a);
      const { version: v2 } = await s.models.addVersion(a, model.id, { bundle: {} });
      const set = await s.models.setAlias(a, model.id, 'production', v1.id, { actor: 'alice' });
      assert.deepEqual([set.alias, set.versionId, set.updatedBy], ['production', v1.id, 'alice']);
      await s.models.setAlias(a, model.id, 'staging', v2.id, { actor: 'bob' });
      await rejectsWith(s.models.setAlias(a, model.id, 'production', v2.id, { expectedVersionId: v2.id }), 'conflict');
      await rejectsWith(s.models.setAlias(a, model.id, 'canary', v2.id, { expectedVersionId: v1.id }), 'conflict');
      const moved = await s.models.setAlias(a, model.id, 'production', v2.id, { actor: 'carol', expectedVersionId: v1.id });
      assert.equal(moved.versionId, v2.id);
      assert.equal((await s.models.resolve(a, model.id, { alias: 'production' }))?.id, v2.id);
      const same = await s.models.setAlias(a, model.id, 'production', v2.id, { actor: 'dave' });
      assert.equal(same.updatedBy, 'carol', 'pointing an alias where it already points changes nothing');
      const other = await s.models.create(a, { name: 'other' });
      await rejectsWith(s.models.setAlias(a, other.id, 'production', v1.id), 'not_found');
      await rejectsWith(s.models.setAlias(a, model.id, 'bad alias!', v1.id), 'invalid_input');
      await s.models.removeAlias(a, model.id, 'staging', { actor: 'erin' });
      await rejectsWith(s.models.removeAlias(a, model.id, 'staging'), 'not_found');
      assert.deepEqual(
        (await s.models.listAliases(a, model.id)).map((x) => [x.alias, x.versionId]),
        [['production', v2.id]],
      );
      const history = await s.models.aliasHistory(a, model.id, 'production');
      assert.deepEqual(
        history.map((h) => [h.seq, h.fromVersionId, h.toVersionId, h.actor]),
        [
          [1, null, v1.id, 'alice'],
          [2, v1.id, v2.id, 'carol'],
        ],
      );
      assert.ok(history.every((h) => h.at));
      const all = await s.models.aliasHistory(a, model.id);
      assert.equal(all.length, 4);
      assert.deepEqual(
        all.filter((h) => h.alias === 'staging').map((h) => [h.toVersionId, h.actor]),
        [
          [v2.id, 'bob'],
          [null, 'erin'],
        ],
      );
    });
  });

  test('aliases: concurrent moves all land, each recorded once, the alias ends on one of them', async () => {
    await withStore(factory, async (s, a) => {
      const { model } = await seed(s, a);
      const versions = [];
      for (let i = 0; i < 4; i++) versions.push((await s.models.addVersion(a, model.id, { bundle: {} })).version.id);
      await Promise.all(versions.map((id, i) => s.models.setAlias(a, model.id, 'production', id, { actor: `u${i}` })));
      const history = await s.models.aliasHistory(a, model.id, 'production');
      assert.deepEqual(
        history.map((h) => h.seq),
        [1, 2, 3, 4],
      );
      for (let i = 1; i < history.length; i++) assert.equal(history[i]!.fromVersionId, history[i - 1]!.toVersionId, 'the history is a chain');
      assert.equal((await s.models.getAlias(a, model.id, 'production'))?.versionId, history.at(-1)!.toVersionId);
    });
  });

  test('deployments: by alias or version, batching, updates, deletes and references', async () => {
    await withStore(factory, async (s, a) => {
      const { model, mv } = await seed(s, a);
      const byAlias = await s.deployments.create(a, { name: 'pm', modelId: model.id, targetAlias: 'production', batching: { maxBatch: 32, maxDelayMs: 2 } });
      assert.deepEqual(
        [byAlias.targetAlias, byAlias.targetVersionId, byAlias.batching, byAlias.config],
        ['production', null, { maxBatch: 32, maxDelayMs: 2 }, {}],
      );
      await rejectsWith(s.deployments.create(a, { name: 'pm', modelId: model.id, targetAlias: 'staging' }), 'conflict');
      await rejectsWith(s.deployments.create(a, { name: 'both', modelId: model.id, targetAlias: 'x', targetVersionId: mv.id }), 'invalid_input');
      await rejectsWith(s.deployments.create(a, { name: 'none', modelId: model.id }), 'invalid_input');
      await rejectsWith(s.deployments.create(a, { name: 'b', modelId: model.id, targetAlias: 'p', batching: { maxBatch: 0, maxDelayMs: 1 } }), 'invalid_input');
      await rejectsWith(s.deployments.create(a, { name: 'v', modelId: model.id, targetVersionId: 'mv_missing' }), 'not_found');
      const pinned = await s.deployments.update(a, byAlias.id, { targetVersionId: mv.id, config: { split: [100] } });
      assert.deepEqual(
        [pinned.targetAlias, pinned.targetVersionId, pinned.batching, pinned.config],
        [null, mv.id, { maxBatch: 32, maxDelayMs: 2 }, { split: [100] }],
      );
      const unbatched = await s.deployments.update(a, byAlias.id, { batching: null });
      assert.deepEqual([unbatched.batching, unbatched.targetVersionId], [null, mv.id]);
      assert.equal((await s.deployments.getByName(a, 'pm'))?.id, byAlias.id);
      assert.equal((await s.deployments.list(a, { modelId: model.id })).length, 1);
      assert.equal((await s.deployments.list(a, { modelId: 'mdl_other' })).length, 0);
      await rejectsWith(s.models.delete(a, model.id), 'conflict');
      await s.deployments.delete(a, byAlias.id);
      await rejectsWith(s.deployments.delete(a, byAlias.id), 'not_found');
      await s.models.delete(a, model.id);
      assert.equal(await s.models.getVersion(a, mv.id), null, 'versions go with their model');
    });
  });
}
