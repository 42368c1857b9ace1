// POST /api/v1/jobs takes the training spec (src/ml/training-spec.ts): what the validator refuses is a 400 naming the field, and no job is created; the spec's new fields reach the worker.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { MAX_EPOCHS, TASKS } from '../ml/training-spec.js';
import { startTestServer, until, type TestServer } from './test-support.js';

const LEAKY = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const up = await s.call('POST', '/api/v1/datasets?name=machines&filename=machines.csv', { body: ai4iCsv(400, 3), type: 'text/csv' });
  assert.equal(up.status, 201, up.text);
});
after(async () => {
  await s.close();
});

test('a wrong spec field is a 400 invalid_input naming it, and starts no job', async () => {
  const base = { dataset: 'machines', target: 'Machine failure', model: 'pm' };
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ task: 'forecast' }, /task/],
    [{ epochs: 0 }, /epochs/],
    [{ epochs: 10001 }, /epochs/],
    [{ epochs: 'many' }, /epochs/],
    [{ members: 17 }, /members/],
    [{ seed: 1.5 }, /seed/],
    [{ exclude: { UDI: true } }, /exclude/],
    [{ types: { Type: 'colour' } }, /types/],
    [{ textModel: 'lstm' }, /textModel/],
    [{ template: 'magic' }, /template/],
    [{ groupColumn: 'UDI' }, /^groupColumn and timeColumn go together$/],
    [{ task: 'rul', groupColumn: 'UDI' }, /^groupColumn and timeColumn go together$/],
  ];
  for (const [bad, field] of cases) {
    const r = await s.call('POST', '/api/v1/jobs', { json: { ...base, ...bad } });
    assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
    assert.equal(r.body.error.code, 'invalid_input');
    assert.match(r.body.error.message, field, JSON.stringify(bad));
  }
  assert.deepEqual((await s.call('GET', '/api/v1/jobs')).body.items, []);
  // The OpenAPI document shows the same spec: its task list and ranges.
  const body = (await s.call('GET', '/docs/json', { key: null })).body.paths['/api/v1/jobs'].post.requestBody.content['application/json'].schema;
  assert.deepEqual(body.properties.task.enum, [...TASKS]);
  assert.equal(body.properties.epochs.maximum, MAX_EPOCHS);
  assert.deepEqual(body.properties.textModel.enum, ['bag', 'transformer']);
});

test('types and textModel are part of the spec: the job stores them and trains with them', async () => {
  const started = await s.call('POST', '/api/v1/jobs', {
    json: {
      dataset: 'machines',
      target: 'Machine failure',
      model: 'pm',
      epochs: 1,
      exclude: LEAKY,
      types: { 'Tool wear [min]': 'category' },
      textModel: 'bag',
    },
  });
  assert.equal(started.status, 202, started.text);
  assert.deepEqual(started.body.spec.types, { 'Tool wear [min]': 'category' });
  const done = (
    await until(
      () => s.call('GET', `/api/v1/jobs/${started.body.id}`),
      (r) => ['succeeded', 'failed'].includes(r.body.status),
    )
  ).body;
  assert.equal(done.status, 'succeeded', done.error);
  const v = (await s.call('GET', '/api/v1/models/pm/versions/1')).body;
  const wear = v.manifest.input_schema.find((c: { name: string }) => c.name === 'Tool wear [min]');
  assert.equal(wear.type, 'category', 'the forced type reached the worker');
});
