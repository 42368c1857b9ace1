// The attacker's suite over real HTTP: missing, revoked and expired keys; every mutating route with a viewer key; scoped keys;
// every id-bearing route with another tenant's ids; blobs encrypted on disk and tamper-evident; wrong master key; clean logs;
// hostile payloads; rate limits; the audit chain verifying, then breaking when one event is edited.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { createApiKey } from '../security/keys.js';
import { verifyAuditChain } from '../security/audit.js';
import { readConfig } from '../cli/config.js';
import { startServer } from '../cli/serve.js';
import { startTestServer, TEST_ADMIN_KEY, until, type TestServer } from './test-support.js';

const LEAKY = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
const ROW = {
  Type: 'L',
  'Air temperature [K]': 302.1,
  'Process temperature [K]': 310.5,
  'Rotational speed [rpm]': 1352,
  'Torque [Nm]': 61.3,
  'Tool wear [min]': 208,
};
const EMAIL = 'line.lead.wang@example-plant.cn',
  PHONE = '+1 415 555 0134';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Concrete paths for every OpenAPI route: path parameters filled with this tenant's real names and ids. */
function routes(doc: any, values: Record<string, string>): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  for (const [path, ops] of Object.entries<any>(doc.paths)) {
    for (const method of Object.keys(ops)) {
      const concrete = path.replace(/\{(\w+)\}/g, (_m, p: string) => values[p] ?? 'x');
      out.push({ method: method.toUpperCase(), path: concrete });
    }
  }
  return out;
}

describe('security, as an attacker would test it', () => {
  let s: TestServer;
  let viewer: string, operatorScoped: string, other: string, otherTenant: string;
  const ids: Record<string, string> = {};
  let csv: string;

  before(async () => {
    s = await startTestServer({ server: { rateLimit: { perSecond: 1000, burst: 1000 } } });
    csv = ai4iCsv(1200, 3).replace(/\r?\n/, (nl) => nl); // as generated
    // A dataset whose notes column carries personal data, masked at upload.
    const withPii = `id,notes,value\n1,call ${EMAIL},3\n2,phone ${PHONE},4\n3,ok,5\n`;
    assert.equal((await s.call('POST', '/api/v1/datasets?name=contacts&maskPii=true', { body: withPii, type: 'text/csv' })).status, 201);
    assert.equal((await s.call('POST', '/api/v1/datasets?name=machines', { body: csv, type: 'text/csv' })).status, 201);
    const job = await s.call('POST', '/api/v1/jobs', { json: { dataset: 'machines', target: 'Machine failure', model: 'pm', epochs: 2, exclude: LEAKY } });
    const done = await until(
      () => s.call('GET', `/api/v1/jobs/${job.body.id}`),
      (r) => ['succeeded', 'failed'].includes(r.body.status),
    );
    assert.equal(done.body.status, 'succeeded', done.body.error ?? '');
    await s.call('PUT', '/api/v1/models/pm/aliases/production', { json: { version: 1 } });
    await s.call('POST', '/api/v1/deployments', { json: { name: 'pm', model: 'pm', alias: 'production' } });
    await s.call('POST', '/api/v1/deployments', { json: { name: 'pm-line2', model: 'pm', version: 1 } });
    const batch = await s.call('POST', '/api/v1/batch-jobs?deployment=pm', { body: ai4iCsv(50, 4), type: 'text/csv' });
    viewer = (await s.call('POST', '/api/v1/keys', { json: { name: 'wall screen', role: 'viewer' } })).body.key;
    operatorScoped = (await s.call('POST', '/api/v1/keys', { json: { name: 'mes gateway', role: 'operator', scopes: ['pm'] } })).body.key;
    Object.assign(ids, { name: 'pm', id: job.body.id, version: '1', alias: 'production', file: 'model.onnx' });
    ids.batch = batch.body.id;
    // A second tenant with its own admin key: the attacker.
    const ctx = s.running.ctx;
    otherTenant = (await ctx.meta.tenants.create({ name: 'rival' })).id;
    other = (await createApiKey(ctx.meta, otherTenant, { name: 'rival admin', role: 'admin' })).key;
  });
  after(async () => {
    await s.close();
  });

  test('no key, a malformed, revoked or expired key: 401', async () => {
    assert.equal((await s.call('GET', '/api/v1/models', { key: null })).status, 401);
    assert.equal((await s.call('GET', '/api/v1/models', { key: 'not-a-key' })).status, 401);
    const created = await s.call('POST', '/api/v1/keys', { json: { name: 'temp', role: 'developer' } });
    assert.equal(created.status, 201);
    assert.equal((await s.call('GET', '/api/v1/models', { key: created.body.key })).status, 200);
    // The key's public prefix with another secret, while its row and checked secret are cached: still refused.
    const forged = created.body.key.slice(0, -4) + (created.body.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const refused = await s.call('GET', '/api/v1/models', { key: forged });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('x-request-id') ?? '', /\S/, 'an error answer names its request too');
    assert.equal((await s.call('GET', '/api/v1/models', { key: created.body.key })).status, 200);
    assert.equal((await s.call('DELETE', `/api/v1/keys/${created.body.id}`)).status, 200);
    assert.equal((await s.call('GET', '/api/v1/models', { key: created.body.key })).status, 401, 'revocation holds from the next request');
    const expired = await s.call('POST', '/api/v1/keys', { json: { name: 'old', role: 'developer', expiresAt: '2020-01-01T00:00:00Z' } });
    assert.equal((await s.call('GET', '/api/v1/models', { key: expired.body.key })).status, 401);
    // Keys are listed without secrets or hashes.
    const list = await s.call('GET', '/api/v1/keys');
    assert.ok(!list.text.includes(created.body.key) && !list.text.includes('keyHash'));
    // The failed attempts of a known key are audited.
    const failed = await s.call('GET', '/api/v1/audit?action=auth.failed');
    assert.ok(failed.body.items.some((e: { details: { reason: string } }) => e.details.reason === 'revoked'));
    assert.ok(failed.body.items.some((e: { details: { reason: string } }) => e.details.reason === 'wrong_secret'));
    // Reading the keys was recorded too.
    const access = await s.call('GET', '/api/v1/audit?action=admin.access');
    assert.ok(access.body.items.some((e: { objectId: string }) => e.objectId === '/api/v1/keys'));
  });

  test('a viewer on every mutating route: 403, and nothing changes', async () => {
    const doc = (await s.call('GET', '/docs/json', { key: null })).body;
    const mutating = routes(doc, ids).filter((r) => r.method !== 'GET' && r.method !== 'HEAD');
    assert.ok(mutating.length >= 12, `found ${mutating.length} mutating routes`);
    for (const r of mutating) {
      const res = await s.call(r.method, r.path, { key: viewer, json: {} });
      assert.equal(res.status, 403, `${r.method} ${r.path} answered ${res.status} to a viewer`);
      assert.equal(res.body.error?.code ?? 'forbidden', 'forbidden');
    }
    // The viewer still reads.
    assert.equal((await s.call('GET', '/api/v1/models/pm', { key: viewer })).status, 200);
    assert.equal((await s.call('POST', '/api/v1/deployments/pm/predict', { key: viewer, json: { rows: [ROW] } })).status, 403);
    assert.equal((await s.call('GET', '/api/v1/keys', { key: viewer })).status, 403);
  });

  test('a deployment-scoped key predicts on its deployment only', async () => {
    assert.equal((await s.call('POST', '/api/v1/deployments/pm/predict', { key: operatorScoped, json: { rows: [ROW] } })).status, 200);
    assert.equal((await s.call('POST', '/api/v1/deployments/pm-line2/predict', { key: operatorScoped, json: { rows: [ROW] } })).status, 403);
    assert.equal((await s.call('POST', '/v2/models/pm-line2/infer', { key: operatorScoped, json: { inputs: [] } })).status, 403);
    assert.equal((await s.call('POST', '/api/v1/batch-jobs?deployment=pm-line2', { key: operatorScoped, body: 'a\n1\n', type: 'text/csv' })).status, 403);
  });

  test("every id-bearing route with another tenant's ids: 404 and no data", async () => {
    const doc = (await s.call('GET', '/docs/json', { key: null })).body;
    const values = { ...ids };
    const withIds = routes(doc, values).filter((r) => /\/api\/v1\/.+\/|\/v2\/models\//.test(r.path) && !r.path.startsWith('/api/v1/keys/'));
    for (const r of withIds) {
      const path = r.path.replace('/api/v1/batch-jobs/x', `/api/v1/batch-jobs/${ids.batch}`).replace('/api/v1/datasets/x', '/api/v1/datasets/machines');
      const res = await s.call(r.method, path, {
        key: other,
        json: r.method === 'GET' ? undefined : { rows: [ROW], inputs: [{ name: 'Type', shape: [1], datatype: 'BYTES', data: ['L'] }], version: 1 },
      });
      assert.ok([404, 400].includes(res.status), `${r.method} ${path} answered ${res.status} to another tenant`);
      assert.ok(res.status === 404 || res.body?.error, `${r.method} ${path}`);
      for (const secret of ['Torque [Nm]', ids.id, 'M14', 'Machine failure']) {
        if (path.includes(secret)) continue;
        assert.ok(!res.text.includes(secret), `${r.method} ${path} leaked ${secret}`);
      }
    }
    // The other tenant's lists are empty, and its key list does not show ours.
    for (const list of ['/api/v1/datasets', '/api/v1/models', '/api/v1/jobs', '/api/v1/deployments', '/api/v1/batch-jobs']) {
      assert.deepEqual((await s.call('GET', list, { key: other })).body.items, [], list);
    }
    const myKeys = (await s.call('GET', '/api/v1/keys')).body.items.map((k: { id: string }) => k.id);
    assert.equal((await s.call('DELETE', `/api/v1/keys/${myKeys[0]}`, { key: other })).status, 404);
  });

  test('hostile payloads: only 4xx, the server stays up, nothing is written', async () => {
    const count = async () => (await s.call('GET', '/api/v1/datasets')).body.items.length + (await s.call('GET', '/api/v1/deployments')).body.items.length;
    const before = await count();
    const sqlish = `x'; DROP TABLE datasets; --`;
    const attempts: [string, string, Parameters<TestServer['call']>[2]][] = [
      ['POST', '/api/v1/deployments', { body: '{"name": "a", ', type: 'application/json' }],
      ['POST', '/api/v1/deployments', { body: '['.repeat(50_000) + ']'.repeat(50_000), type: 'application/json' }],
      ['POST', '/api/v1/deployments', { body: JSON.stringify({ name: 'a'.repeat(20 * 2 ** 20) }), type: 'application/json' }],
      ['POST', '/api/v1/deployments', { body: 'name=a', type: 'application/x-www-form-urlencoded' }],
      ['POST', '/api/v1/deployments', { json: { name: sqlish, model: sqlish, alias: sqlish } }],
      ['POST', '/api/v1/deployments', { json: { name: '../../etc/passwd', model: 'pm', alias: 'production' } }],
      ['POST', `/api/v1/datasets?name=${encodeURIComponent(sqlish)}`, { body: 'a,b\n1,2\n', type: 'text/csv' }],
      ['POST', '/api/v1/datasets?name=..%2F..%2Fx', { body: 'a,b\n1,2\n', type: 'text/csv' }],
      ['POST', '/api/v1/jobs', { json: { dataset: sqlish, target: sqlish, model: sqlish } }],
      ['POST', '/api/v1/keys', { json: { name: sqlish, role: 'root' } }],
      ['PUT', `/api/v1/models/pm/aliases/${encodeURIComponent(sqlish)}`, { json: { version: 1 } }],
      ['PUT', '/api/v1/models/pm/aliases/production', { json: { version: sqlish } }],
      ['GET', `/api/v1/models/${encodeURIComponent('../../andon.db')}`, {}],
      ['POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ ...ROW, ['__proto__']: { admin: true } }] } }],
      ['POST', '/api/v1/deployments/pm/predict', { body: '{"rows": [{"Type": "L", "Type": 5}]}', type: 'application/json' }],
    ];
    for (const [method, path, init] of attempts) {
      const res = await s.call(method, path, init);
      assert.ok(
        res.status >= 400 && res.status < 500,
        `${method} ${path.slice(0, 80)} ${JSON.stringify(init).slice(0, 80)} answered ${res.status}: ${res.text.slice(0, 200)}`,
      );
    }
    // A category value the model never saw is data, not code: it is predicted like any unseen category.
    assert.equal((await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ ...ROW, Type: sqlish }] } })).status, 200);
    // A filter value is only ever a bound parameter: it matches nothing.
    assert.deepEqual((await s.call('GET', `/api/v1/audit?actor=${encodeURIComponent(sqlish)}`)).body.items, []);
    assert.equal((await s.call('GET', '/health/live', { key: null })).status, 200);
    assert.equal(await count(), before);
  });

  test('rate limits answer 429 with Retry-After', async () => {
    const t = await startTestServer({ server: { rateLimit: { perSecond: 1, burst: 3 } } });
    try {
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await t.call('GET', '/api/v1/models')).status);
      assert.deepEqual(codes.slice(0, 3), [200, 200, 200]);
      const limited = await t.call('GET', '/api/v1/models');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
    } finally {
      await t.close();
    }
  });

  test('at rest: blob files hold no uploaded value in clear, and a flipped byte is an integrity error', async () => {
    const files = filesUnder(join(s.home, 'blobs'));
    assert.ok(files.length >= 3);
    const samples = csv
      .split(/\r?\n/)
      .slice(1, 40)
      .map((l) => l.split(',')[1]); // product ids such as M14860
    for (const f of files) {
      const bytes = readFileSync(f).toString('latin1');
      for (const v of [...samples, 'Torque [Nm]', 'notes', 'Machine failure']) assert.ok(!bytes.includes(v), `${f} contains "${v}" in clear`);
    }
    // Flip one byte of the machines dataset's blob: reading it fails loudly, never with altered data.
    const version = (await s.call('GET', '/api/v1/datasets/machines/versions/1')).body;
    const blob = files.find((f) => f.endsWith(version.blobKey))!;
    const original = readFileSync(blob);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)] ^= 0x01;
    writeFileSync(blob, flipped);
    try {
      const res = await s.call('GET', '/api/v1/datasets/machines/preview');
      assert.equal(res.status, 500);
      assert.equal(res.body.error.code, 'integrity_error');
    } finally {
      writeFileSync(blob, original);
    }
    assert.equal((await s.call('GET', '/api/v1/datasets/machines/preview')).status, 200);
  });

  test('logs carry no key and no personal value; the audit chain verifies, and breaks where an event is edited', async () => {
    const all = s.logs.join('\n');
    assert.ok(s.logs.length > 20);
    for (const secret of [TEST_ADMIN_KEY, viewer, operatorScoped, other, EMAIL, PHONE])
      assert.ok(!all.includes(secret), `a log line holds ${secret.slice(0, 12)}…`);
    // Sampled prediction logs: readable through the API, sealed in the database.
    assert.equal((await s.call('PATCH', '/api/v1/deployments/pm', { json: { logSampleRate: 1 } })).status, 200);
    const marked = { ...ROW, 'Torque [Nm]': 47.123 };
    assert.equal((await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [marked] } })).status, 200);
    const logs = await until(
      () => s.call('GET', '/api/v1/deployments/pm/logs'),
      (r) => r.body.items.length > 0,
    );
    assert.equal(logs.body.items[0].inputs[0]['Torque [Nm]'], 47.123);
    assert.ok(typeof logs.body.items[0].outputs[0].label === 'string');
    const dbText =
      readFileSync(join(s.home, 'andon.db')).toString('latin1') +
      (existsSync(join(s.home, 'andon.db-wal')) ? readFileSync(join(s.home, 'andon.db-wal')).toString('latin1') : '');
    assert.ok(!dbText.includes('47.123'), 'a logged input is in the database in clear');
    assert.equal((await s.call('GET', '/api/v1/deployments/pm/logs', { key: other })).status, 404);
    assert.equal((await s.call('PATCH', '/api/v1/deployments/pm', { json: { logSampleRate: 2 } })).status, 400);
    // Nor does an error that would echo a value the caller sent.
    const echoed = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ ...ROW, 'Torque [Nm]': EMAIL }] } });
    assert.equal(echoed.status, 400);
    assert.ok(!echoed.text.includes(EMAIL), echoed.text);
    const preview = await s.call('GET', '/api/v1/datasets/contacts/preview');
    assert.ok(!preview.text.includes(EMAIL) && !preview.text.includes('555 0134'), 'masked at upload');

    const ctx = s.running.ctx;
    const tenant = (await s.call('GET', '/api/v1/me')).body.tenantId;
    const ok = await verifyAuditChain(ctx.meta, tenant);
    assert.equal(ok.ok, true, JSON.stringify(ok.firstBroken));
    assert.ok(ok.events >= 10);
    const db = new Database(join(s.home, 'andon.db'));
    try {
      db.prepare("UPDATE audit_events SET actor = 'someone-else' WHERE tenant_id = ? AND seq = 5").run(tenant);
    } finally {
      db.close();
    }
    const broken = await verifyAuditChain(ctx.meta, tenant);
    assert.equal(broken.ok, false);
    assert.equal(broken.firstBroken?.seq, 5);
  });

  test('the wrong master key is refused at start', async () => {
    const home = s.home;
    await assert.rejects(
      startServer(
        { ...readConfig({}, { port: 0, home }), host: '127.0.0.1', masterKey: Buffer.alloc(32, 7).toString('base64') },
        { say: () => {}, logger: false },
      ),
      /master key does not match/,
    );
  });
});
