// Drives the registry commands against a local ANDON_HOME as a user would: add data, train a registry model,
// promote, deploy, predict by alias, export ONNX, create a key, verify the audit chain, rotate the master key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { andon, cleanEnv, EXCLUDE, oneJson, oneLineError, TARGET } from './test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-cli-local-'));
const home = join(dir, 'home');
const env = cleanEnv({ ANDON_HOME: home });
const cli = (...args: string[]) => andon(env, ...args);
const data = join(dir, 'machines.csv');
writeFileSync(data, ai4iCsv(1200, 1));

test('local home: datasets add → train --dataset → promote → deploy → predict by alias → export → keys → audit verify', async () => {
  const added = oneJson(await cli('datasets', 'add', data, '--name', 'machines', '--json'));
  assert.equal(added.created, true);
  assert.equal(added.dataset.name, 'machines');
  assert.equal(added.version.number, 1);
  assert.equal(added.version.rows, 1200);
  const again = oneJson(await cli('datasets', 'add', data, '--name', 'machines', '--json'));
  assert.equal(again.created, false, 'the same content is not a new version');

  const listed = oneJson(await cli('datasets', 'list', '--json'));
  assert.deepEqual(
    listed.items.map((d: { name: string }) => d.name),
    ['machines'],
  );
  const shown = await cli('datasets', 'show', 'machines');
  assert.equal(shown.status, 0, shown.stderr);
  assert.match(shown.stdout, /^1\s+1200\s+14\s/m);

  const trained = oneJson(
    await cli(
      'train',
      '--dataset',
      'machines@1',
      '--target',
      TARGET,
      '--model',
      'pm',
      '--epochs',
      '3',
      '--members',
      '2',
      '--seed',
      '1',
      '--exclude',
      EXCLUDE,
      '--json',
    ),
  );
  assert.deepEqual(Object.keys(trained).sort(), ['job', 'metrics', 'model', 'status', 'version']);
  assert.equal(trained.status, 'succeeded');
  assert.equal(trained.model, 'pm');
  assert.equal(trained.version, 1);
  assert.equal(typeof trained.metrics.accuracy, 'number');
  assert.match(trained.job, /^job_/);

  // Independent reads run side by side (each is its own process on the same home).
  const [jobRun, jobsRun, modelsRun, modelRun] = await Promise.all([
    cli('jobs', 'show', trained.job, '--json'),
    cli('jobs', 'list', '--json'),
    cli('models', 'list', '--json'),
    cli('models', 'show', 'pm', '--json'),
  ]);
  assert.equal(oneJson(jobRun).status, 'succeeded');
  assert.equal(oneJson(jobsRun).items.length, 1);
  const models = oneJson(modelsRun);
  assert.equal(models.items.length, 1);
  assert.equal(models.items[0].name, 'pm');
  assert.equal(models.items[0].latest, 1);
  const model = oneJson(modelRun);
  assert.equal(model.versions.length, 1);
  assert.equal(model.versions[0].manifest.target, TARGET);
  assert.ok(!model.versions[0].manifest.input_schema.some((c: { name: string }) => c.name === 'UDI'), '--exclude reached the job');
  assert.equal(model.versions[0].manifest.training.members.length, 2, '--members reached the job');

  const promoted = oneJson(await cli('models', 'promote', 'pm', '--alias', 'production', '--version', '1', '--json'));
  assert.deepEqual([promoted.model, promoted.alias, promoted.version], ['pm', 'production', 1]);
  const deployed = oneJson(await cli('deployments', 'create', 'pm-prod', '--model', 'pm', '--alias', 'production', '--json'));
  assert.equal(deployed.name, 'pm-prod');
  assert.equal(deployed.targetAlias, 'production');
  assert.equal(oneJson(await cli('deployments', 'list', '--json')).items.length, 1);

  const onnx = join(dir, 'pm.onnx');
  const [predicted, evalRun, exportRun, keyRun, plain] = await Promise.all([
    cli('predict', 'pm@production', '--input', data),
    cli('eval', 'pm:1', '--data', data, '--json'),
    cli('models', 'export', 'pm@production', '--format', 'onnx', '--out', onnx, '--json'),
    cli('keys', 'create', '--role', 'viewer', '--scope', 'pm-prod', '--name', 'dashboard', '--json'),
    cli('keys', 'create', '--role', 'operator'),
  ]);
  assert.equal(predicted.status, 0, predicted.stderr);
  const lines = predicted.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 1200);
  assert.ok(['0', '1'].includes(lines[0].label));
  const evaluated = oneJson(evalRun);
  assert.equal(evaluated.rows, 1200);
  assert.equal(typeof evaluated.metrics.roc_auc, 'number');

  const exported = oneJson(exportRun);
  assert.equal(exported.version, 1);
  assert.ok(existsSync(onnx));
  assert.equal(readFileSync(onnx).byteLength, exported.bytes);
  assert.ok(exported.bytes > 1000);

  const key = oneJson(keyRun);
  assert.match(key.key, /^andon_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/);
  assert.deepEqual([key.role, key.scopes, key.name], ['viewer', ['pm-prod'], 'dashboard']);
  const keys = oneJson(await cli('keys', 'list', '--json'));
  assert.ok(
    keys.items.every((k: Record<string, unknown>) => !('keyHash' in k) && !('key' in k)),
    'lists never carry secrets',
  );
  assert.equal(keys.items.length, 3, "the home's bootstrap admin key and the two new ones");
  assert.equal(plain.status, 0, plain.stderr);
  assert.match(plain.stdout.trim(), /^andon_[0-9a-f]{12}_[A-Za-z0-9_-]{32}$/, 'without --json the key is alone on stdout');
  const revoked = oneJson(await cli('keys', 'revoke', key.id, '--json'));
  assert.ok(revoked.revokedAt);

  const audit = oneJson(await cli('audit', 'list', '--limit', '1000', '--json'));
  const actions = audit.items.map((e: { action: string }) => e.action);
  for (const a of ['dataset.version.create', 'job.create', 'model.promote', 'deployment.create', 'key.create', 'key.revoke']) assert.ok(actions.includes(a), a);
  const verified = oneJson(await cli('audit', 'verify', '--json'));
  assert.equal(verified.ok, true);
  assert.equal(verified.tenants[0].events, audit.items.length);
  const text = await cli('audit', 'verify');
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /^ok: tenant default/);

  // Master key rotation with the home's key file: the data stays readable under the new key.
  const before = readFileSync(join(home, 'master.key'), 'utf8');
  const rotated = oneJson(await cli('keys', 'rotate-master', '--json'));
  assert.equal(rotated.alreadyDone, false);
  assert.ok(rotated.rewrapped >= 1);
  assert.notEqual(rotated.from, rotated.to);
  assert.notEqual(readFileSync(join(home, 'master.key'), 'utf8'), before);
  const after = await cli('predict', 'pm@production', '--input', data, '--output', join(dir, 'pred.csv'));
  assert.equal(after.status, 0, after.stderr);
  assert.equal(readFileSync(join(dir, 'pred.csv'), 'utf8').split('\n')[0], 'label,p_0,p_1');
});

test('local home: bad input gives one line and exit 1', async () => {
  const cases: [string[], RegExp][] = [
    [['datasets', 'add', join(dir, 'missing.csv'), '--name', 'x'], /no such file: .*missing\.csv/],
    [['predict', 'nope@production', '--input', data], /model "nope" not found/],
    [['eval', 'nope', '--data', data], /model "nope" not found/],
    [['models', 'show', 'nope'], /model "nope" not found/],
    [['models', 'promote', 'pm', '--alias', 'production', '--version', '9'], /model version "pm:9" not found/],
    [['deployments', 'create', 'd', '--model', 'pm', '--version', '9'], /model version "pm:9" not found/],
    [['deployments', 'create', 'd', '--model', 'pm'], /exactly one of --alias ALIAS and --version N/],
    [['train', '--dataset', 'nope', '--target', 'x', '--model', 'm'], /dataset "nope" not found/],
    [['train', '--dataset', 'machines', '--target', 'nope', '--model', 'm'], /target "nope" is not a column of machines@/],
    [['train', '--dataset', 'machines', '--data', data, '--target', TARGET], /exactly one of --data FILE .* and --dataset/],
    [['train', '--dataset', 'machines', '--target', TARGET, '--out', join(dir, 'o')], /--out goes with --data/],
    [['keys', 'create', '--role', 'boss'], /role must be one of/],
    [['jobs', 'show', 'job_nope'], /job "job_nope" not found/],
    [['models', 'export', 'pm:1', '--out', join(dir, 'x.onnx'), '--format', 'onnx', '--url', 'not a url'], /is not a URL/],
  ];
  const runs = await Promise.all(cases.map(([args]) => cli(...args)));
  runs.forEach((run, i) => oneLineError(run, cases[i][1]));
});

test('local home: a tampered audit event fails verification at its seq with exit 1', async () => {
  // Runs after the first test has written events; edit one in the database as an intruder would.
  const db = new Database(join(home, 'andon.db'));
  try {
    db.prepare("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3").run();
  } finally {
    db.close();
  }
  const run = await cli('audit', 'verify', '--json');
  assert.equal(run.status, 1);
  const r = JSON.parse(run.stdout.trim());
  assert.equal(r.ok, false);
  assert.equal(r.tenants[0].firstBroken.seq, 3);
  oneLineError(run, /audit chain of tenant default is broken at seq 3/);
  oneLineError(await cli('audit', 'verify'), /broken at seq 3: its hash does not match its contents/);
});
