// Deployment scope over real HTTP: keys scoped to one deployment walk every route of the OpenAPI document, outside their scope and inside it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { startTestServer, until, type TestServer } from './test-support.js';

const ROW = {
  Type: 'L',
  'Air temperature [K]': 302.1,
  'Process temperature [K]': 310.5,
  'Rotational speed [rpm]': 1352,
  'Torque [Nm]': 61.3,
  'Tool wear [min]': 208,
};
const LEAKY = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
/** The scoped keys' deployment, and another one. The model and the dataset are named like the other deployment, so every `{name}` in a path names something real. */
const OWN = 'line-3',
  OTHER = 'line-2';
/** The routes a key scoped to a deployment may call: the ones naming that deployment, and two that show nothing of any. */
const SCOPED_ROUTES = new Set([
  'GET /api/v1/me',
  'GET /v2',
  'GET /api/v1/deployments',
  'POST /api/v1/deployments',
  'GET /api/v1/deployments/{name}',
  'PATCH /api/v1/deployments/{name}',
  'DELETE /api/v1/deployments/{name}',
  'GET /api/v1/deployments/{name}/logs',
  'POST /api/v1/deployments/{name}/predict',
  'POST /api/v1/batch-jobs',
  'GET /api/v1/batch-jobs/{id}',
  'GET /api/v1/batch-jobs/{id}/output',
  'POST /api/v1/batch-jobs/{id}/cancel',
  'GET /v2/models/{model}',
  'GET /v2/models/{model}/ready',
  'POST /v2/models/{model}/infer',
  'GET /v2/models/{model}/versions/{version}',
  'GET /v2/models/{model}/versions/{version}/ready',
  'POST /v2/models/{model}/versions/{version}/infer',
]);
const OPEN = new Set(['GET /api/v1/me', 'GET /v2', 'GET /api/v1/deployments']);

interface Route {
  method: string;
  template: string;
}
interface Call {
  method: string;
  path: string;
  init: Parameters<TestServer['call']>[2];
}

describe('deployment scope, decided once in the gate', () => {
  let s: TestServer;
  let doc: any;
  const keys: Record<string, string> = {};
  const ids: Record<string, string> = {};
  let infer: unknown;

  /** Every route of the OpenAPI document but the open ones (health, metrics, docs), plus HEAD for each GET. */
  const apiRoutes = (): Route[] =>
    Object.entries<Record<string, unknown>>(doc.paths)
      .filter(([path]) => path.startsWith('/api/') || path === '/v2' || path.startsWith('/v2/models'))
      .flatMap(([template, ops]) =>
        Object.keys(ops)
          .flatMap((m) => (m === 'get' ? ['GET', 'HEAD'] : [m.toUpperCase()]))
          .map((method) => ({ method, template })),
      );

  /** A request on `route` naming `deployment` (and its batch job), with a body that would change something if it were let through. */
  const request = (r: Route, deployment: string): Call => {
    const path = r.template
      .replace('{name}', r.template.startsWith('/api/v1/deployments') ? deployment : OTHER)
      .replace('{model}', deployment)
      .replace('{version}', '1')
      .replace('{alias}', 'production')
      .replace('{file}', 'model.onnx')
      .replace('{id}', r.template.startsWith('/api/v1/jobs') ? ids.job : r.template.startsWith('/api/v1/keys') ? ids.spareKey : ids[deployment]);
    const csv = (body: string) => ({ body, type: 'text/csv' });
    const bodies: Record<string, Call['init']> = {
      'POST /api/v1/deployments': { json: { name: deployment === OWN ? OWN : 'line-9', model: OTHER, alias: 'production' } },
      'PATCH /api/v1/deployments/{name}': { json: { version: 1 } },
      'POST /api/v1/deployments/{name}/predict': { json: { rows: [ROW] } },
      'PUT /api/v1/models/{name}/aliases/{alias}': { json: { version: 1 } },
      'POST /api/v1/jobs': { json: { dataset: OTHER, target: 'Machine failure', model: OTHER, epochs: 1, exclude: LEAKY } },
      'POST /api/v1/keys': { json: { name: 'wider', role: 'admin' } },
      'POST /api/v1/datasets': csv('a,b\n1,2\n'),
      'POST /api/v1/batch-jobs': csv(ai4iCsv(20, 9)),
      'POST /v2/models/{model}/infer': { json: infer },
      'POST /v2/models/{model}/versions/{version}/infer': { json: infer },
    };
    const query: Record<string, string> = {
      'POST /api/v1/datasets': `?name=${OTHER}`,
      'POST /api/v1/batch-jobs': `?deployment=${deployment}`,
      'GET /api/v1/models/{name}/compare': '?a=1&b=1',
    };
    const id = `${r.method} ${r.template}`,
      head = `${r.method === 'HEAD' ? 'GET' : r.method} ${r.template}`;
    return { method: r.method, path: path + (query[id] ?? ''), init: bodies[head] ?? {} };
  };

  /** What the scoped keys must not change, as an unscoped admin sees it. */
  const state = async () => {
    const get = async (path: string) => {
      const r = await s.call('GET', path);
      assert.equal(r.status, 200, path);
      return r.body;
    };
    return {
      deployments: (await get('/api/v1/deployments')).items.map((d: any) => ({
        name: d.name,
        alias: d.targetAlias,
        version: d.targetVersion,
        batching: d.batching,
        logSampleRate: d.logSampleRate,
      })),
      aliases: (await get(`/api/v1/models/${OTHER}`)).aliases,
      aliasMoves: (await get(`/api/v1/models/${OTHER}/aliases/history`)).items.length,
      datasetVersions: (await get(`/api/v1/datasets/${OTHER}`)).versions.length,
      datasets: (await get('/api/v1/datasets')).items.length,
      jobs: (await get('/api/v1/jobs')).items.map((j: any) => [j.id, j.status]),
      batchJobs: (await get('/api/v1/batch-jobs')).items.map((j: any) => [j.id, j.status]),
      keys: (await get('/api/v1/keys')).items.map((k: any) => [k.id, k.role, k.revokedAt]),
    };
  };

  const finished = (id: string) =>
    until(
      () => s.call('GET', `/api/v1/batch-jobs/${id}`),
      (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body.status),
    );

  before(async () => {
    s = await startTestServer();
    assert.equal((await s.call('POST', `/api/v1/datasets?name=${OTHER}`, { body: ai4iCsv(600, 5), type: 'text/csv' })).status, 201);
    const job = await s.call('POST', '/api/v1/jobs', { json: { dataset: OTHER, target: 'Machine failure', model: OTHER, epochs: 1, exclude: LEAKY } });
    const done = await until(
      () => s.call('GET', `/api/v1/jobs/${job.body.id}`),
      (r) => ['succeeded', 'failed'].includes(r.body.status),
    );
    assert.equal(done.body.status, 'succeeded', JSON.stringify(done.body.error ?? ''));
    ids.job = job.body.id;
    assert.equal((await s.call('PUT', `/api/v1/models/${OTHER}/aliases/production`, { json: { version: 1 } })).status, 200);
    for (const name of [OWN, OTHER]) {
      assert.equal((await s.call('POST', '/api/v1/deployments', { json: { name, model: OTHER, alias: 'production' } })).status, 201);
      const batch = await s.call('POST', `/api/v1/batch-jobs?deployment=${name}`, { body: ai4iCsv(30, 7), type: 'text/csv' });
      assert.equal(batch.status, 202);
      ids[name] = batch.body.id;
      assert.equal((await finished(batch.body.id)).body.status, 'succeeded');
    }
    for (const role of ['operator', 'admin'])
      keys[role] = (await s.call('POST', '/api/v1/keys', { json: { name: `${role} of ${OWN}`, role, scopes: [OWN] } })).body.key;
    ids.spareKey = (await s.call('POST', '/api/v1/keys', { json: { name: 'spare', role: 'developer' } })).body.id;
    // An inference request by the model's own metadata: one tensor per raw column.
    const meta = await s.call('GET', `/v2/models/${OWN}`);
    assert.equal(meta.status, 200);
    infer = {
      inputs: meta.body.inputs.map((i: { name: string; datatype: string }) => ({
        name: i.name,
        datatype: i.datatype,
        shape: [1],
        data: [ROW[i.name as keyof typeof ROW]],
      })),
    };
    doc = (await s.call('GET', '/docs/json', { key: null })).body;
  });
  after(async () => {
    await s.close();
  });

  test('the document lists every route this test expects a scoped key to reach', () => {
    const documented = new Set(
      apiRoutes()
        .filter((r) => r.method !== 'HEAD')
        .map((r) => `${r.method} ${r.template}`),
    );
    for (const r of SCOPED_ROUTES) assert.ok(documented.has(r), `${r} is not in the OpenAPI document`);
    assert.ok(documented.size > SCOPED_ROUTES.size + 15, `only ${documented.size} routes found`);
  });

  for (const role of ['operator', 'admin']) {
    test(`an ${role} key scoped to ${OWN}, on every route naming another deployment or none: 403, and nothing changes`, async () => {
      const before = await state();
      for (const r of apiRoutes()) {
        const c = request(r, OTHER);
        const res = await s.call(c.method, c.path, { ...c.init, key: keys[role] });
        const open = OPEN.has(`${r.method === 'HEAD' ? 'GET' : r.method} ${r.template}`);
        assert.equal(
          res.status,
          open ? 200 : 403,
          `${c.method} ${c.path} answered ${res.status} to the ${role} key scoped to ${OWN}: ${res.text.slice(0, 200)}`,
        );
        if (!open && r.method !== 'HEAD' && c.path.startsWith('/api/')) assert.equal(res.body.error.code, 'forbidden', `${c.method} ${c.path}`);
        // No refusal shows anything of the other deployment, its model or its data.
        if (!open)
          for (const secret of ['Torque', 'Machine failure', ids[OTHER], 'production'])
            assert.ok(!res.text.includes(secret), `${c.method} ${c.path} showed ${secret}`);
      }
      assert.deepEqual(await state(), before);
      // The deployment list answers a scoped key with its own deployment only, whatever the filter.
      const listed = await s.call('GET', '/api/v1/deployments', { key: keys[role] });
      assert.deepEqual(
        listed.body.items.map((d: { name: string }) => d.name),
        [OWN],
      );
      assert.deepEqual((await s.call('GET', `/api/v1/deployments?model=nope`, { key: keys[role] })).body.items, []);
      const other = (await s.call('GET', `/api/v1/deployments/${OTHER}`)).body;
      assert.equal(other.targetAlias, 'production', 'the other deployment still serves its alias');
    });

    test(`an ${role} key scoped to ${OWN}, on every route naming ${OWN}: exactly the deployment's own routes work`, async () => {
      // The deployment is removed last, then created again by the same key (its name is in the scope).
      const walk = apiRoutes().sort(
        (a, b) =>
          Number(a.method === 'DELETE' && a.template === '/api/v1/deployments/{name}') -
          Number(b.method === 'DELETE' && b.template === '/api/v1/deployments/{name}'),
      );
      const answered: Record<string, number> = {};
      for (const r of walk) {
        const c = request(r, OWN);
        const res = await s.call(c.method, c.path, { ...c.init, key: keys[role] });
        answered[`${r.method} ${r.template}`] = res.status;
        const allowed = SCOPED_ROUTES.has(`${r.method === 'HEAD' ? 'GET' : r.method} ${r.template}`);
        if (allowed) assert.ok(res.status !== 403 && res.status < 500, `${c.method} ${c.path} answered ${res.status}: ${res.text.slice(0, 200)}`);
        else assert.equal(res.status, 403, `${c.method} ${c.path} answered ${res.status} to the ${role} key scoped to ${OWN}`);
      }
      // What a user of the deployment checks: it answers, predicts, shows its logs, changes, batches, and goes.
      for (const route of [
        'GET /api/v1/deployments/{name}',
        'GET /api/v1/deployments/{name}/logs',
        'POST /api/v1/deployments/{name}/predict',
        'PATCH /api/v1/deployments/{name}',
        'GET /v2/models/{model}',
        'POST /v2/models/{model}/infer',
        'GET /api/v1/batch-jobs/{id}',
        'GET /api/v1/batch-jobs/{id}/output',
        'GET /api/v1/me',
        'GET /v2',
      ]) {
        assert.equal(answered[route], 200, `${route} answered ${answered[route]}`);
      }
      assert.equal(answered['POST /api/v1/batch-jobs'], 202);
      assert.equal(answered['POST /api/v1/deployments'], 409, 'it exists: a conflict, not a refusal');
      assert.equal(answered['DELETE /api/v1/deployments/{name}'], 204);
      assert.equal((await s.call('GET', `/api/v1/deployments/${OWN}`)).status, 404);
      const again = await s.call('POST', '/api/v1/deployments', { key: keys[role], json: { name: OWN, model: OTHER, alias: 'production' } });
      assert.equal(again.status, 201, again.text);
      // The batch job this walk started is its own to follow; finished before the next walk.
      const mine = (await s.call('GET', '/api/v1/batch-jobs')).body.items.find((j: any) => j.options?.deployment === OWN && j.id !== ids[OWN]);
      assert.ok(mine, 'the walk started a batch job on its deployment');
      await finished(mine.id);
    });
  }

  test("a scoped key cannot create a deployment of another name, nor reach another's batch job", async () => {
    const created = await s.call('POST', '/api/v1/deployments', { key: keys.operator, json: { name: 'line-4', model: OTHER, alias: 'production' } });
    assert.equal(created.status, 403);
    assert.equal((await s.call('GET', '/api/v1/deployments/line-4')).status, 404);
    // A body that is not an object names no deployment: refused, not let through to validation.
    assert.equal((await s.call('POST', '/api/v1/deployments', { key: keys.operator, body: '[1]', type: 'application/json' })).status, 403);
    assert.equal(
      (await s.call('GET', '/api/v1/batch-jobs/bj_doesnotexist', { key: keys.operator })).status,
      403,
      'an unknown job names no deployment of the scope',
    );
    // An unscoped key is not affected by any of it.
    assert.equal((await s.call('GET', `/api/v1/batch-jobs/${ids[OTHER]}`)).status, 200);
  });
});
