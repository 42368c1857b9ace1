// The HTTP edge against a careless or hostile caller: request ids that carry a key, requests that never finish, the bind address, duplicate JSON keys.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { readConfig } from '../cli/config.js';
import { startServer, type RunningServer } from '../cli/serve.js';
import { duplicateKey, parseJsonBody } from './json-body.js';
import { requestId } from './request-bookkeeping.js';
import { startTestServer, TEST_ADMIN_KEY, type TestServer } from './test-support.js';

/** Opens a raw connection, writes `text`, and resolves with what the server sent once it closes the connection. */
function sendAndWaitForClose(url: string, text: string): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    let got = '';
    const sock = connect(Number(port), '127.0.0.1', () => {
      sock.write(text);
    });
    sock.on('data', (d) => {
      got += d.toString();
    });
    sock.on('error', () => {}); // a reset is one way a closed connection shows
    sock.on('close', () => resolve(got));
    sock.on('timeout', reject);
  });
}

describe('request ids', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  test("an API key sent as X-Request-Id is neither echoed nor logged, on Fastify's path and the prediction lane", async () => {
    const other = (await s.call('POST', '/api/v1/keys', { json: { name: 'line 3', role: 'operator' } })).body.key as string;
    for (const secret of [TEST_ADMIN_KEY, other]) {
      const viaFastify = await s.call('GET', '/api/v1/me', { headers: { 'x-request-id': secret } });
      assert.equal(viaFastify.status, 200);
      const viaLane = await s.call('POST', '/api/v1/deployments/nope/predict', { json: { rows: [{ a: 1 }] }, headers: { 'x-request-id': secret } });
      assert.equal(viaLane.status, 404);
      for (const r of [viaFastify, viaLane]) {
        const id = r.headers.get('x-request-id') ?? '';
        assert.match(id, /\S/, 'the answer still names its request');
        assert.notEqual(id, secret);
        assert.ok(!id.includes(secret.slice(19)), 'no part of the secret comes back');
      }
    }
    const all = s.logs.join('\n');
    assert.ok(
      s.logs.some((l) => JSON.parse(l).msg === 'request completed'),
      'the requests were logged',
    );
    for (const secret of [TEST_ADMIN_KEY, other]) assert.ok(!all.includes(secret.slice(19)), 'a log line holds the secret');
  });

  test("a caller's plain id is kept; a key, a key's prefix, or anything unsafe gets a fresh id", () => {
    for (const kept of ['mes-42.7', 'line-7.batch-42', 'scada:gw2:000123', 'a']) assert.equal(requestId({ 'x-request-id': kept }), kept);
    for (const refused of [TEST_ADMIN_KEY, 'andon_0123456789ab', 'ANDON_0123456789AB', 'line lead', 'x'.repeat(65), 'a/b', 'id\r\nx-admin: 1', '']) {
      assert.match(requestId({ 'x-request-id': refused }), /^[0-9a-f]{12}-[0-9a-z]+$/, JSON.stringify(refused));
    }
    assert.match(requestId({ 'x-request-id': ['a', 'b'] as unknown as string }), /^[0-9a-f]{12}-/, 'a repeated header is no id');
  });
});

describe('timeouts and the bind address', () => {
  let running: RunningServer;
  let home: string;
  const said: string[] = [];
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'andon-edge-'));
    // The configuration as the environment gives it (no HOST), with short timeouts so the test need not wait long.
    running = await startServer(
      { ...readConfig({}, { port: 0, home }), bootstrapKey: TEST_ADMIN_KEY },
      {
        say: (l) => said.push(l),
        logger: false,
        runJobs: false,
        server: { headersTimeoutMs: 150, requestTimeoutMs: 300 },
      },
    );
    await running.demo;
  });
  after(async () => {
    await running.close();
    await rm(home, { recursive: true, force: true });
  });

  test('HOST defaults to loopback, and the server binds and prints what it bound', () => {
    assert.equal(readConfig({}).host, '127.0.0.1');
    assert.equal(readConfig({ HOST: '0.0.0.0' }).host, '0.0.0.0');
    const address = running.server.app.server.address();
    assert.ok(address && typeof address === 'object');
    assert.equal(address.address, '127.0.0.1');
    assert.equal(running.url, `http://127.0.0.1:${address.port}`);
    assert.ok(
      said.some((l) => l.startsWith(`Andon is listening on http://127.0.0.1:${address.port} `)),
      said.join('\n'),
    );
  });

  test('a connection that sends half its headers and waits is closed', async () => {
    const got = await sendAndWaitForClose(running.url, 'GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthori');
    assert.match(got, /^HTTP\/1\.1 408 /);
    assert.equal(JSON.parse(got.slice(got.indexOf('\r\n\r\n') + 4)).error.code, 'invalid_input');
  });

  test("a request whose body stops halfway is closed, on Fastify's path and the prediction lane", async () => {
    for (const [path, type] of [
      ['/api/v1/datasets?name=slow', 'text/csv'],
      ['/api/v1/deployments/pm/predict', 'application/json'],
    ]) {
      const got = await sendAndWaitForClose(
        running.url,
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_ADMIN_KEY}\r\nContent-Type: ${type}\r\nContent-Length: 1000\r\n\r\n{"rows": [`,
      );
      assert.doesNotMatch(got, /^HTTP\/1\.1 2/, `${path}: ${got}`);
    }
    // The server goes on answering.
    const me = await fetch(`${running.url}/api/v1/me`, { headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` } });
    assert.equal(me.status, 200);
  });

  test("a job's event stream stays open past the request timeout: its request had arrived", async () => {
    const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
    const up = await fetch(`${running.url}/api/v1/datasets?name=machines`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'text/csv' },
      body: ai4iCsv(200, 1),
    });
    assert.equal(up.status, 201);
    // Nothing runs jobs in this server: the job stays queued and its stream stays quiet until it is cancelled.
    const job = (await (
      await fetch(`${running.url}/api/v1/jobs`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ dataset: 'machines', target: 'Machine failure', model: 'pm', epochs: 1 }),
      })
    ).json()) as { id: string };
    const res = await fetch(`${running.url}/api/v1/jobs/${job.id}/events`, { headers: auth });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = new TextDecoder().decode((await reader.read()).value);
    assert.match(text, /event: /, 'the first events arrive');
    // Well past the 300 ms request timeout (and node's checks of it), then the end of the job must still arrive.
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal((await fetch(`${running.url}/api/v1/jobs/${job.id}/cancel`, { method: 'POST', headers: auth })).status, 200);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    assert.match(text, /event: end\ndata: \{"status":"cancelled"/);
  });
});

describe('duplicate JSON keys', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  test("a row with a key twice is refused with 400 naming the key, on the prediction lane and Fastify's route alike", async () => {
    const bodies = [
      ['{"rows":[{"Type":"L","Type":"H"}]}', 'Type', 'rows[0]'],
      ['{"rows":[{"Type":"L","Torque [Nm]":40},{"Torque [Nm]":41,"Type":"L","\\u0054ype":"H"}]}', 'Type', 'rows[1]'],
      ['{"rows":[{"Type":"L"}],"rows":[{"Type":"H"}]}', 'rows', '(body)'],
    ];
    const headers = { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' };
    for (const [body, key, at] of bodies) {
      const viaLane = await s.call('POST', '/api/v1/deployments/pm/predict', { body, type: 'application/json' });
      const viaFastify = await s.running.server.app.inject({ method: 'POST', url: '/api/v1/deployments/pm/predict', headers, payload: body });
      for (const [status, answer] of [
        [viaLane.status, viaLane.body],
        [viaFastify.statusCode, viaFastify.json()],
      ]) {
        assert.equal(status, 400, body);
        assert.equal(answer.error.code, 'invalid_input');
        assert.match(answer.error.message, new RegExp(`"${key}" twice`));
        assert.deepEqual(answer.error.details, { key, at });
      }
    }
    // Every other JSON route too: a role given twice is not quietly the last one.
    const key = await s.call('POST', '/api/v1/keys', { body: '{"name":"screen","role":"viewer","role":"admin"}', type: 'application/json' });
    assert.equal(key.status, 400);
    assert.deepEqual(key.body.error.details, { key: 'role', at: '(body)' });
    // The same key in different rows is no duplicate: the body passes the parser (and meets the missing deployment).
    assert.equal(
      (await s.call('POST', '/api/v1/deployments/pm/predict', { body: '{"rows":[{"Type":"L"},{"Type":"H"}]}', type: 'application/json' })).status,
      404,
    );
    // Prototype poisoning is still refused as before.
    const poisoned = await s.call('POST', '/api/v1/keys', { body: '{"name":"x","role":"viewer","__proto__":{"admin":true}}', type: 'application/json' });
    assert.equal(poisoned.status, 400);
    assert.equal(poisoned.body.error.code, 'parse_error');
  });
});

test('duplicateKey: one pass that strings, escapes and nesting cannot fool', () => {
  const cases: [string, { key: string; at: string } | null][] = [
    ['{"a":1,"b":2}', null],
    ['{"a":1,"a":2}', { key: 'a', at: '(body)' }],
    ['[{"a":1},{"a":1}]', null],
    ['[{"a":1},{"b":[1,2,{"c":1,"c":2}]}]', { key: 'c', at: '[1].b[2]' }],
    ['{"a":"\\"a\\":1,","b":"a"}', null],
    ['{"a":"x\\\\","a":1}', { key: 'a', at: '(body)' }],
    ['{"x":{"a":1},"y":{"a":1},"x":0}', { key: 'x', at: '(body)' }],
    ['{"a\\u0062":1,"ab":2}', { key: 'ab', at: '(body)' }],
    ['{"k":"{\\"k\\":1,\\"k\\":2}"}', null],
    ['{"":1,"":2}', { key: '', at: '(body)' }],
    ['{"rows":[{"Type":"L"},{"Type":"M","T":{"u":[{}],"v":1,"v":2}}]}', { key: 'v', at: 'rows[1].T' }],
  ];
  for (const [text, want] of cases) {
    JSON.parse(text); // every case is valid JSON
    assert.deepEqual(duplicateKey(text), want, text);
  }
  assert.throws(
    () => parseJsonBody(''),
    (e: Error & { code?: string }) => e.code === 'empty_input',
  );
  assert.throws(
    () => parseJsonBody('{"a":'),
    (e: Error & { code?: string }) => e.code === 'parse_error',
  );
  assert.deepEqual(parseJsonBody('{"rows":[{"a":1,"b":"x,y"}]}'), { rows: [{ a: 1, b: 'x,y' }] });
  // Nesting deeper than the call stack: counted without recursion, and the path in the refusal stays short.
  const deep = (inner: string) => `${'['.repeat(100_000)}${inner}${']'.repeat(100_000)}`;
  assert.ok(Array.isArray(parseJsonBody(deep('{"a":1,"b":2}'))));
  assert.throws(
    () => parseJsonBody(deep('{"a":1,"a":2}')),
    (e: Error & { code?: string; details?: { at: string } }) => e.code === 'invalid_input' && e.details!.at.length <= 201,
  );
});
