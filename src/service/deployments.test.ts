// Registry and deployments on two trained versions: promote with history, compare, model card, predict, alias swap, tenant isolation.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDataset } from './datasets.js';
import { cancelJob, getJob, jobEvents, startTraining } from './jobs.js';
import { aliasHistory, compareVersions, getModel, getVersion, listModels, modelCard, promote } from './registry.js';
import { createDeployment, deleteDeployment, getDeployment, listDeployments, updateDeployment } from './deployments.js';
import type { ServiceContext } from './context.js';
import { machinesCsv, machinesWithTwoVersions, newTenant, openContext, tempHome } from './test-helpers.js';
import { infer } from './inference.js';

/** A REST-style prediction through the one inference entry. */
const predict = async (ctx: ServiceContext, tenant: string, deployment: string, rows: unknown) => infer(ctx, tenant, { deployment }, rows, 'rest');

let home: Awaited<ReturnType<typeof tempHome>>;
let ctx: ServiceContext;
let tenant: string;
let jobId: string;
const row = { type: 'M', air_temperature_k: 300.1, process_temperature_k: 310.2, rotational_speed_rpm: 1500, torque_nm: 40, tool_wear_min: 100 };

before(async () => {
  home = await tempHome();
  ctx = await openContext(home.home);
  tenant = await newTenant(ctx);
  jobId = (await machinesWithTwoVersions(ctx, tenant))[1]!;
});
after(async () => {
  await ctx.close();
  await home.remove();
});

test('promote moves an alias atomically and keeps its history', async () => {
  await promote(ctx, tenant, 'pm', 'production', 1, { id: 'alice' });
  await promote(ctx, tenant, 'pm', 'production', 2, { id: 'bob' }, { expected: 1 });
  await assert.rejects(promote(ctx, tenant, 'pm', 'production', 1, { id: 'carol' }, { expected: 1 }), { code: 'conflict' });
  const history = await aliasHistory(ctx, tenant, 'pm', 'production');
  assert.deepEqual(
    history.map((h) => h.actor),
    ['alice', 'bob'],
  );
  const model = await getModel(ctx, tenant, 'pm');
  const [v1, v2] = model.versions;
  assert.deepEqual(
    history.map((h) => h.toVersionId),
    [v1!.id, v2!.id],
  );
  assert.equal((await getVersion(ctx, tenant, 'pm', 'production')).number, 2);
  await assert.rejects(promote(ctx, tenant, 'pm', 'Prod uction', 1, { id: 'x' }), { code: 'invalid_input' });
  await assert.rejects(promote(ctx, tenant, 'pm', 'staging', 9, { id: 'x' }), { code: 'not_found' });
});

test('compareVersions puts metrics side by side with deltas', async () => {
  const c = await compareVersions(ctx, tenant, 'pm', 1, 2);
  const acc = c.metrics.find((m) => m.name === 'accuracy')!;
  assert.ok(acc && acc.a !== null && acc.b !== null);
  assert.equal(acc.delta, acc.b! - acc.a!);
});

test('modelCard names the data, task, metrics, intended use, limits and lineage', async () => {
  const v = await getVersion(ctx, tenant, 'pm', 2);
  const card = await modelCard(ctx, tenant, 'pm', 2);
  assert.match(card, /^# Model card: pm v2/);
  assert.match(card, /`machines` version 1/);
  assert.match(card, /## Metrics/);
  assert.match(card, /`type` \(category: H, L, M\)/);
  assert.ok(card.includes(`| accuracy | ${(v.metrics.accuracy as number).toFixed(4)} |`), card);
  assert.match(card, /## Intended use\n\nPredict whether a machine will fail/);
  assert.match(card, /## Limits/);
  assert.ok(card.includes(jobId));
});

test('predict through a deployment answers with the version the alias names; moving the alias swaps it', async () => {
  await promote(ctx, tenant, 'pm', 'production', 1, { id: 'alice' });
  const d = await createDeployment(ctx, tenant, { name: 'pm-line-3', model: 'pm', alias: 'production' });
  assert.equal(d.targetAlias, 'production');
  const r1 = await predict(ctx, tenant, 'pm-line-3', [row, { ...row, torque_nm: 70 }]);
  assert.equal(r1.model, 'pm');
  assert.equal(r1.version, 1);
  assert.equal(r1.predictions.length, 2);
  const p = r1.predictions[0]!;
  assert.ok('label' in p && ['0', '1'].includes(p.label));
  // A call in flight when the alias moves finishes on the version it resolved.
  const inFlight = predict(ctx, tenant, 'pm-line-3', [row]);
  await promote(ctx, tenant, 'pm', 'production', 2, { id: 'alice' });
  assert.equal((await inFlight).version, 1);
  assert.equal((await predict(ctx, tenant, 'pm-line-3', [row])).version, 2);

  // Bad rows are refused with a message naming the column (the runtime's validation).
  const refused = (column: string) => (e: Error & { code?: string }) =>
    ['invalid_input', 'unknown_column'].includes(e.code ?? '') && e.message.includes(column);
  await assert.rejects(predict(ctx, tenant, 'pm-line-3', [{ ...row, extra: 1 }]), refused('extra'));
  const { torque_nm: _, ...missing } = row;
  await assert.rejects(predict(ctx, tenant, 'pm-line-3', [missing]), refused('torque_nm'));
  await assert.rejects(predict(ctx, tenant, 'pm-line-3', [{ ...row, torque_nm: Number.NaN }]), refused('torque_nm'));
  await assert.rejects(predict(ctx, tenant, 'pm-line-3', []), { code: 'invalid_input' });

  const pinned = await updateDeployment(ctx, tenant, 'pm-line-3', { version: 1 });
  assert.equal(pinned.targetVersion, 1);
  assert.equal((await predict(ctx, tenant, 'pm-line-3', [row])).version, 1);
  assert.equal((await listDeployments(ctx, tenant)).length, 1);
  await assert.rejects(createDeployment(ctx, tenant, { name: 'bad name', model: 'pm', alias: 'production' }), { code: 'invalid_input' });
  await assert.rejects(createDeployment(ctx, tenant, { name: 'both', model: 'pm', alias: 'production', version: 1 }), { code: 'invalid_input' });
});

test("tenant B cannot see tenant A's dataset, job, model or deployment", async () => {
  const b = await newTenant(ctx, 'tenant-b');
  await assert.rejects(getJob(ctx, b, jobId), { code: 'not_found' });
  await assert.rejects(jobEvents(ctx, b, jobId), { code: 'not_found' });
  await assert.rejects(cancelJob(ctx, b, jobId), { code: 'not_found' });
  await assert.rejects(getModel(ctx, b, 'pm'), { code: 'not_found' });
  await assert.rejects(modelCard(ctx, b, 'pm', 1), { code: 'not_found' });
  await assert.rejects(promote(ctx, b, 'pm', 'production', 1, { id: 'mallory' }), { code: 'not_found' });
  await assert.rejects(getDeployment(ctx, b, 'pm-line-3'), { code: 'not_found' });
  await assert.rejects(predict(ctx, b, 'pm-line-3', [row]), { code: 'not_found' });
  await assert.rejects(startTraining(ctx, b, { dataset: 'machines', target: 'machine_failure', modelName: 'x' }), { code: 'not_found' });
  await assert.rejects(createDeployment(ctx, b, { name: 'steal', model: 'pm', alias: 'production' }), { code: 'not_found' });
  assert.deepEqual(await listModels(ctx, b), []);
  assert.deepEqual(await listDeployments(ctx, b), []);
  // B may use the same names for its own things.
  await addDataset(ctx, b, { name: 'machines', bytes: machinesCsv(40, 5) });
  await deleteDeployment(ctx, tenant, 'pm-line-3');
  await assert.rejects(getDeployment(ctx, tenant, 'pm-line-3'), { code: 'not_found' });
});
