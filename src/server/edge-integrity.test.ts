// A model version whose blobs fail their integrity check: deploying it is refused and writes nothing; a deployment that stops loading (on a prediction, or at restart) makes /health/ready 503 naming it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { startTestServer, until, type TestServer } from './test-support.js';

const LEAKY = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
const ROW = {
  Type: 'L',
  'Air temperature [K]': 302.1,
  'Process temperature [K]': 310.5,
  'Rotational speed [rpm]': 1352,
  'Torque [Nm]': 61.3,
  'Tool wear [min]': 208,
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('deploying checks the bundle; readiness reports a deployment that cannot load', () => {
  let home: string;
  let s: TestServer;
  let blob: string;
  let original: Buffer;
  const tamper = () => {
    const b = Buffer.from(original);
    b[Math.floor(b.length / 2)] ^= 0x01;
    writeFileSync(blob, b);
  };
  const restore = () => writeFileSync(blob, original);

  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'andon-integrity-'));
    s = await startTestServer({ home });
    assert.equal((await s.call('POST', '/api/v1/datasets?name=machines', { body: ai4iCsv(400, 2), type: 'text/csv' })).status, 201);
    const job = await s.call('POST', '/api/v1/jobs', { json: { dataset: 'machines', target: 'Machine failure', model: 'pm', epochs: 1, exclude: LEAKY } });
    const done = await until(
      () => s.call('GET', `/api/v1/jobs/${job.body.id}`),
      (r) => ['succeeded', 'failed'].includes(r.body.status),
    );
    assert.equal(done.body.status, 'succeeded', JSON.stringify(done.body.error ?? ''));
    const version = await s.running.ctx.meta.models.getVersion(
      (await s.running.ctx.meta.tenants.listAcrossTenants())[0]!.id,
      (await s.call('GET', '/api/v1/models/pm/versions/1')).body.id,
    );
    blob = filesUnder(join(home, 'blobs')).find((f) => f.endsWith(version!.bundle['weights.safetensors']!))!;
    original = readFileSync(blob);
  });
  after(async () => {
    await s.close();
    await rm(home, { recursive: true, force: true });
  });

  test('a version whose blob was altered is not deployed, by POST or by PATCH, and nothing is written', async () => {
    assert.equal((await s.call('POST', '/api/v1/deployments', { json: { name: 'pm-good', model: 'pm', version: 1 } })).status, 201);
    // An alias with no version yet has nothing to check: it is created, and serves once a version is promoted.
    assert.equal((await s.call('POST', '/api/v1/deployments', { json: { name: 'pm-next', model: 'pm', alias: 'staging' } })).status, 201);
    tamper();
    try {
      const created = await s.call('POST', '/api/v1/deployments', { json: { name: 'pm-bad', model: 'pm', version: 1 } });
      assert.equal(created.status, 500, created.text);
      assert.equal(created.body.error.code, 'integrity_error');
      assert.match(created.body.error.message, /^pm version 1 cannot be deployed/);
      assert.deepEqual(created.body.error.details, { model: 'pm', version: 1, cause: 'integrity_error' });
      assert.equal((await s.call('GET', '/api/v1/deployments/pm-bad')).status, 404, 'the refused deployment was not written');

      const patched = await s.call('PATCH', '/api/v1/deployments/pm-next', { json: { version: 1 } });
      assert.equal(patched.status, 500, patched.text);
      assert.equal(patched.body.error.code, 'integrity_error');
      const kept = await s.call('GET', '/api/v1/deployments/pm-next');
      assert.deepEqual([kept.body.targetAlias, kept.body.targetVersion], ['staging', null], 'the deployment still serves what it did');
      // A change that does not re-target is not a deploy: it is not refused.
      assert.equal((await s.call('PATCH', '/api/v1/deployments/pm-good', { json: { logSampleRate: 0 } })).status, 200);
    } finally {
      restore();
    }
    assert.equal((await s.call('PATCH', '/api/v1/deployments/pm-next', { json: { version: 1 } })).status, 200, 'the restored version deploys');
  });

  test('a prediction that cannot load its version makes the server not ready, naming the deployment; restored, it is ready again', async () => {
    const ready = await s.call('GET', '/health/ready', { key: null });
    assert.equal(ready.status, 200, ready.text);
    tamper();
    try {
      // Nothing has loaded version 1 in this server yet (deploying checks with a load of its own): this prediction reads the blob.
      const failed = await s.call('POST', '/api/v1/deployments/pm-good/predict', { json: { rows: [ROW] } });
      assert.equal(failed.status, 500, failed.text);
      assert.equal(failed.body.error.code, 'integrity_error');
      // The failed load is checked again before readiness answers.
      const notReady = await s.call('GET', '/health/ready', { key: null });
      assert.equal(notReady.status, 503);
      assert.equal(notReady.body.status, 'not_ready');
      assert.match(notReady.body.checks.deployments, /cannot be loaded: .*\/pm-good \(integrity_error: /);
    } finally {
      restore();
    }
    const again = await s.call('GET', '/health/ready', { key: null });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.checks.deployments, 'ok');
    assert.equal((await s.call('POST', '/api/v1/deployments/pm-good/predict', { json: { rows: [ROW] } })).status, 200);
  });

  test('a blob altered while the server was down: after the restart /health/ready is 503 naming the deployment', async () => {
    await s.close();
    tamper();
    try {
      s = await startTestServer({ home });
      const r = await s.call('GET', '/health/ready', { key: null });
      assert.equal(r.status, 503, r.text);
      assert.match(r.body.checks.deployments, /^2 cannot be loaded: /);
      for (const name of ['pm-good', 'pm-next']) assert.match(r.body.checks.deployments, new RegExp(`/${name} \\(integrity_error: `));
      assert.equal(r.body.checks.metadata, 'ok');
      const oip = await s.call('GET', '/v2/health/ready', { key: null });
      assert.notEqual(oip.status, 200, "the Open Inference Protocol's readiness agrees");
    } finally {
      restore();
    }
    assert.equal((await s.call('GET', '/health/ready', { key: null })).status, 200);
  });
});
