// The prediction lane answers exactly as Fastify's predict route does: the same statuses and bodies for good and bad
// requests, keys and bodies alike. Real HTTP reaches the lane; app.inject always goes through Fastify's route.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { AndonError } from '../errors.js';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { createApiKey } from '../security/keys.js';
import type { ServiceContext } from '../service/index.js';
import { createMetrics } from './metrics.js';
import { createPredictLane } from './predict-lane.js';
import { requestId } from './request-bookkeeping.js';
import { startTestServer, TEST_ADMIN_KEY, until, type TestServer } from './test-support.js';

const ROW = {
  Type: 'L',
  'Air temperature [K]': 302.1,
  'Process temperature [K]': 310.5,
  'Rotational speed [rpm]': 1352,
  'Torque [Nm]': 61.3,
  'Tool wear [min]': 208,
};
const LEAKY = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
const BODY_LIMIT = 64 * 1024;

interface Case {
  name: string;
  path?: string;
  body: string;
  key?: string | null;
  type?: string;
}

describe('the prediction lane', () => {
  let s: TestServer;
  const keys: Record<string, string> = {};

  before(async () => {
    s = await startTestServer({ server: { bodyLimit: BODY_LIMIT } });
    assert.equal((await s.call('POST', '/api/v1/datasets?name=machines', { body: ai4iCsv(600, 5), type: 'text/csv' })).status, 201);
    const job = await s.call('POST', '/api/v1/jobs', { json: { dataset: 'machines', target: 'Machine failure', model: 'pm', epochs: 1, exclude: LEAKY } });
    const done = await until(
      () => s.call('GET', `/api/v1/jobs/${job.body.id}`),
      (r) => ['succeeded', 'failed'].includes(r.body.status),
    );
    assert.equal(done.body.status, 'succeeded', JSON.stringify(done.body.error ?? ''));
    await s.call('PUT', '/api/v1/models/pm/aliases/production', { json: { version: 1 } });
    for (const name of ['pm', 'pm-other'])
      assert.equal((await s.call('POST', '/api/v1/deployments', { json: { name, model: 'pm', alias: 'production' } })).status, 201);
    keys.viewer = (await s.call('POST', '/api/v1/keys', { json: { name: 'screen', role: 'viewer' } })).body.key;
    keys.scoped = (await s.call('POST', '/api/v1/keys', { json: { name: 'gateway', role: 'operator', scopes: ['pm-other'] } })).body.key;
    const revoked = await s.call('POST', '/api/v1/keys', { json: { name: 'old', role: 'operator' } });
    await s.call('DELETE', `/api/v1/keys/${revoked.body.id}`);
    keys.revoked = revoked.body.key;
    const rival = await s.running.ctx.meta.tenants.create({ name: 'rival' });
    keys.rival = (await createApiKey(s.running.ctx.meta, rival.id, { name: 'rival admin', role: 'admin' })).key;
  });
  after(async () => {
    await s.close();
  });

  const cases: Case[] = [
    { name: 'a good row', body: JSON.stringify({ rows: [ROW, { ...ROW, 'Torque [Nm]': 20 }] }) },
    { name: 'a charset in the content type', body: JSON.stringify({ rows: [ROW] }), type: 'application/json; charset=utf-8' },
    { name: 'a missing column', body: JSON.stringify({ rows: [{ Type: 'L' }] }) },
    { name: 'a wrong type', body: JSON.stringify({ rows: [{ ...ROW, 'Torque [Nm]': 'lots' }] }) },
    { name: 'NaN', body: JSON.stringify({ rows: [{ ...ROW, 'Torque [Nm]': 'NaN' }] }) },
    { name: 'an unknown column', body: JSON.stringify({ rows: [{ ...ROW, Colour: 'red' }] }) },
    { name: 'no rows', body: JSON.stringify({ rows: [] }) },
    { name: 'rows that are not a list', body: JSON.stringify({ rows: { a: 1 } }) },
    { name: 'a row that is not an object', body: JSON.stringify({ rows: [ROW, 7] }) },
    { name: 'a body without rows', body: JSON.stringify({ row: [ROW] }) },
    { name: 'a field beside rows', body: JSON.stringify({ rows: [ROW], threshold: 0.2 }) },
    { name: 'a list for a body', body: JSON.stringify([ROW]) },
    { name: 'null for a body', body: 'null' },
    { name: 'broken JSON', body: '{"rows": [' },
    { name: 'an empty body', body: '' },
    { name: 'prototype poisoning', body: `{"rows": [${JSON.stringify(ROW)}], "__proto__": {"admin": true}}` },
    { name: 'constructor poisoning', body: `{"rows": [${JSON.stringify(ROW)}], "constructor": {"prototype": {"admin": true}}}` },
    { name: 'a body over the limit', body: JSON.stringify({ rows: Array.from({ length: 600 }, () => ROW) }) },
    { name: 'an unknown deployment', path: '/api/v1/deployments/nope/predict', body: JSON.stringify({ rows: [ROW] }) },
    { name: 'no key', key: null, body: JSON.stringify({ rows: [ROW] }) },
    { name: 'a malformed key', key: 'andon_nope', body: JSON.stringify({ rows: [ROW] }) },
    { name: 'a forged secret with a real prefix', key: TEST_ADMIN_KEY.slice(0, -3) + 'xyz', body: JSON.stringify({ rows: [ROW] }) },
    { name: 'a revoked key', key: 'revoked', body: JSON.stringify({ rows: [ROW] }) },
    { name: 'a viewer key', key: 'viewer', body: JSON.stringify({ rows: [ROW] }) },
    { name: 'a key scoped to another deployment', key: 'scoped', body: JSON.stringify({ rows: [ROW] }) },
    { name: "another tenant's key", key: 'rival', body: JSON.stringify({ rows: [ROW] }) },
  ];

  test("every case: real HTTP (the lane) and app.inject (Fastify's route) give the same status and body", async () => {
    const lane = s.running.server.lane;
    for (const c of cases) {
      const path = c.path ?? '/api/v1/deployments/pm/predict';
      const key = c.key === undefined ? TEST_ADMIN_KEY : c.key === null ? null : (keys[c.key] ?? c.key);
      const headers: Record<string, string> = { 'content-type': c.type ?? 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
      assert.ok(lane.takes({ method: 'POST', url: path, headers } as unknown as IncomingMessage), `${c.name}: the lane takes it`);
      // Twice over HTTP: the second time the key's row is cached and checked the short way.
      for (const round of [1, 2]) {
        const viaLane = await fetch(`${s.url}${path}`, { method: 'POST', headers, body: c.body });
        const viaFastify = await s.running.server.app.inject({ method: 'POST', url: path, headers, payload: c.body });
        const laneText = await viaLane.text();
        assert.equal(viaLane.status, viaFastify.statusCode, `${c.name} (${round}): ${laneText} vs ${viaFastify.body}`);
        assert.deepEqual(JSON.parse(laneText), JSON.parse(viaFastify.body), `${c.name} (${round})`);
        assert.match(viaLane.headers.get('content-type') ?? '', /^application\/json; charset=utf-8$/);
        assert.equal(
          viaLane.headers.get('connection') === 'close',
          viaFastify.headers.connection === 'close',
          `${c.name}: the connection closes on both or on neither`,
        );
        assert.ok(viaLane.headers.get('x-request-id'), `${c.name}: the answer names its request`);
      }
    }
  });

  test('a caller that hangs up in the middle of its body: no answer, no error logged, the server goes on', async () => {
    const before = s.logs.length;
    const { port } = new URL(s.url);
    await new Promise<void>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write(
          `POST /api/v1/deployments/pm/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Length: 1000\r\n\r\n{"rows": [`,
        );
        setTimeout(() => {
          sock.destroy();
          resolve();
        }, 50);
      });
      sock.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 50));
    const ok = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [ROW] } });
    assert.equal(ok.status, 200);
    assert.ok(!s.logs.slice(before).some((l) => JSON.parse(l).level >= 50), 'nothing logged as a server error');
  });

  test('a body sent on past the limit: 413, then the connection closes instead of reading on', async () => {
    const { port } = new URL(s.url);
    const answer = await new Promise<{ head: string; sentAfter: number }>((resolve, reject) => {
      let head = '',
        sentAfter = 0,
        closed = false;
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write(
          `POST /api/v1/deployments/pm/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`,
        );
        const chunk = `4000\r\n${' '.repeat(0x4000)}\r\n`;
        // Keep sending until the server closes; 64 MiB would mean it never does.
        const pump = () => {
          while (!closed && sentAfter < 4096 && sock.write(chunk)) if (head) sentAfter++;
          if (!closed && sentAfter < 4096) sock.once('drain', pump);
          else if (!closed) {
            sock.destroy();
            resolve({ head, sentAfter });
          }
        };
        pump();
      });
      sock.on('data', (d) => {
        head += d.toString();
      });
      sock.on('error', () => {}); // a reset while writing is how a closed connection shows
      sock.on('close', () => {
        closed = true;
        resolve({ head, sentAfter });
      });
      sock.on('timeout', reject);
    });
    assert.match(answer.head, /^HTTP\/1\.1 413/);
    assert.match(answer.head, /connection: close/i);
    assert.ok(answer.sentAfter < 4096, 'the server closed the connection');
  });

  test('made-up deployment names never become metric labels, whatever the body', async () => {
    for (const [i, body] of ['{}', '{"rows": []}', JSON.stringify({ rows: [ROW] }), '[1]'].entries()) {
      const r = await s.call('POST', `/api/v1/deployments/made-up-${i}/predict`, { body, type: 'application/json' });
      assert.ok([400, 404].includes(r.status), `${body}: ${r.status}`);
      const f = await s.running.server.app.inject({
        method: 'POST',
        url: `/api/v1/deployments/made-up-f${i}/predict`,
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        payload: body,
      });
      assert.ok([400, 404].includes(f.statusCode));
    }
    assert.doesNotMatch((await s.call('GET', '/metrics', { key: null })).text, /made-up/);
  });

  test("a body that is not JSON goes to Fastify's route and is refused in the same words", async () => {
    const r = await s.call('POST', '/api/v1/deployments/pm/predict', { body: 'Type,Torque\nL,40\n', type: 'text/csv' });
    assert.equal(r.status, 400);
    assert.deepEqual(r.body.error, { code: 'invalid_input', message: 'the body must be a JSON object with "rows"', details: {} });
  });

  test('what the lane leaves to Fastify', () => {
    const lane = s.running.server.lane;
    const takes = (method: string, url: string, type?: string) =>
      lane.takes({ method, url, headers: type ? { 'content-type': type } : {} } as unknown as IncomingMessage);
    assert.equal(takes('POST', '/api/v1/deployments/pm/predict', 'application/json'), true);
    assert.equal(takes('POST', '/api/v1/deployments/pm/predict?explain=1', 'application/json'), true);
    assert.equal(takes('POST', '/api/v1/deployments/pm/predict', 'text/csv'), false);
    assert.equal(takes('POST', '/api/v1/deployments/pm/predict'), false);
    assert.equal(takes('GET', '/api/v1/deployments/pm/predict', 'application/json'), false);
    assert.equal(takes('POST', '/api/v1/deployments/%70m/predict', 'application/json'), false, 'an encoded name is decoded by Fastify');
    assert.equal(takes('POST', '/api/v1/deployments/../predict', 'application/json'), false);
    assert.equal(takes('POST', '/api/v1/deployments/pm/predict/', 'application/json'), false);
    assert.equal(takes('POST', '/v2/models/pm/infer', 'application/json'), false);
  });

  test("a caller's request id comes back; metrics and logs count lane answers like any other", async () => {
    const r = await fetch(`${s.url}/api/v1/deployments/pm/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}`, 'x-request-id': 'line-7.batch-42' },
      body: JSON.stringify({ rows: [ROW] }),
    });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-request-id'), 'line-7.batch-42');
    const line = s.logs.map((l) => JSON.parse(l)).find((l) => l.reqId === 'line-7.batch-42');
    assert.deepEqual([line?.msg, line?.status, line?.url], ['request completed', 200, '/api/v1/deployments/pm/predict']);
    const metrics = await s.call('GET', '/metrics', { key: null });
    assert.match(metrics.text, /andon_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/deployments\/:name\/predict",status="200"\} \d+/);
    assert.match(metrics.text, /andon_predict_duration_seconds_count\{deployment="pm",door="rest",outcome="error"\} \d+/);
    assert.doesNotMatch(metrics.text, /deployment="nope"/);
  });
});

test('the lane answers a rate limit with Retry-After, and a failed gate before reading the body', async () => {
  const ctx = { models: {}, inference: { observer: null }, queue: { counts: async () => [] } } as unknown as ServiceContext;
  const lines: string[] = [];
  const log = {
    level: 'info',
    info: (o: object, m: string) => lines.push(`${m} ${JSON.stringify(o)}`),
    error: () => {},
    warn: () => {},
    debug: () => {},
    trace: () => {},
    fatal: () => {},
    silent: () => {},
    child() {
      return this;
    },
  };
  const lane = createPredictLane({
    ctx,
    metrics: createMetrics(ctx),
    log: log as never,
    bodyLimit: 1024,
    gate: () => {
      throw new AndonError('rate_limited', 'too many requests for this key', { retryAfterSeconds: 2 });
    },
  });
  const server = createServer((req, res) => lane.serve(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const r = await fetch(`http://127.0.0.1:${port}/api/v1/deployments/pm/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'not even JSON',
    });
    assert.equal(r.status, 429);
    assert.equal(r.headers.get('retry-after'), '2');
    assert.deepEqual(await r.json(), { error: { code: 'rate_limited', message: 'too many requests for this key', details: { retryAfterSeconds: 2 } } });
    assert.ok(
      lines.some((l) => l.startsWith('too many requests')),
      'the refusal is logged at info',
    );
  } finally {
    server.close();
  }
});

test("request ids: a caller's plain token is kept, anything else gets a fresh id of this process", () => {
  const a = requestId({}),
    b = requestId({});
  assert.match(a, /^[0-9a-f]{12}-[0-9a-z]+$/);
  assert.notEqual(a, b);
  assert.equal(a.split('-')[0], b.split('-')[0], 'one prefix per process');
  assert.equal(requestId({ 'x-request-id': 'mes-42.7' }), 'mes-42.7');
  assert.match(requestId({ 'x-request-id': 'has spaces' }), /^[0-9a-f]{12}-/);
  assert.match(requestId({ 'x-request-id': 'x'.repeat(65) }), /^[0-9a-f]{12}-/);
});
