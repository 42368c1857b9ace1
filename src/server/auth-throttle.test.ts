// Failed key use over real HTTP: a flood of wrong secrets for a real key is throttled (429) and audited as a few counted rows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from './test-support.js';

/** The attacker's connections leave from another loopback address, so the server tells it from the test's own calls (127.0.0.1). */
const ATTACKER = '127.0.0.2';

function callFrom(
  agent: Agent,
  url: string,
  method: string,
  path: string,
  key: string,
): Promise<{ status: number; body: any; retryAfter: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method, agent, localAddress: ATTACKER, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : null, retryAfter: res.headers['retry-after'] }));
      },
    );
    req.on('error', reject);
    req.end(method === 'POST' ? JSON.stringify({ rows: [{ a: 1 }] }) : undefined);
  });
}

test("200 wrong secrets with a real key's prefix: 429 after the burst, a handful of audit rows whose counts add up, and good keys still work", async () => {
  const home = await mkdtemp(join(tmpdir(), 'andon-throttle-'));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    let s = await startTestServer({ home });
    const created = await s.call('POST', '/api/v1/keys', { json: { name: 'line gateway', role: 'operator' } });
    assert.equal(created.status, 201);
    const real: string = created.body.key;
    const forged = real.slice(0, -4) + (real.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    // Count the key lookups the database is asked for.
    const keys = s.running.ctx.meta.apiKeys;
    const find = keys.findByPrefixAcrossTenants.bind(keys);
    let lookups = 0;
    keys.findByPrefixAcrossTenants = (prefix: string) => {
      lookups++;
      return find(prefix);
    };

    const statuses: number[] = [];
    let lastLimited: Awaited<ReturnType<typeof callFrom>> | undefined;
    for (let i = 0; i < 200; i++) {
      // Both request paths: Fastify's routes and the prediction lane.
      const r =
        i % 2 ? await callFrom(agent, s.url, 'POST', '/api/v1/deployments/pm/predict', forged) : await callFrom(agent, s.url, 'GET', '/api/v1/models', forged);
      statuses.push(r.status);
      if (r.status === 429) lastLimited = r;
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401), 'the first ten failures are refused as usual');
    assert.deepEqual([...new Set(statuses.slice(10))], [429], 'then the address is throttled');
    assert.equal(lastLimited!.body.error.code, 'rate_limited');
    assert.ok(Number(lastLimited!.retryAfter) >= 1 && Number(lastLimited!.retryAfter) <= 60, `Retry-After: ${lastLimited!.retryAfter}`);
    // A throttled address is refused without its key being looked up, even a key never seen before.
    const before = lookups;
    const unknown = await callFrom(agent, s.url, 'GET', '/api/v1/models', 'andon_0000000000ff_abcdefghijklmnopqrstuvwxyz012345');
    assert.equal(unknown.status, 429);
    assert.equal(lookups, before, 'no lookup for a throttled address');

    // From another address: the admin key works, and so does the attacked key with its real secret (its prefix is public).
    assert.equal((await s.call('GET', '/api/v1/models')).status, 200);
    assert.equal((await s.call('GET', '/api/v1/me', { key: real })).status, 200);
    // A wrong secret for that prefix is throttled from any address now.
    assert.equal((await s.call('GET', '/api/v1/models', { key: forged })).status, 429);

    const audited = async () =>
      (await s.call('GET', `/api/v1/audit?action=auth.failed&objectId=${created.body.id}&limit=1000`)).body.items as {
        address: string;
        details: { reason: string; count: number; addressCount?: number };
      }[];
    assert.equal((await audited()).length, 1, 'while the window is open, only its first failure is written');
    // Shutting down writes the counts still open; a restarted server shows them.
    await s.close();
    s = await startTestServer({ home });
    try {
      const rows = await audited();
      assert.ok(rows.length >= 2 && rows.length <= 4, `${rows.length} rows`);
      assert.equal(
        rows.reduce((n, r) => n + r.details.count, 0),
        201,
        'every attempt is counted: 200 from the attacker, 1 from 127.0.0.1',
      );
      assert.deepEqual([...new Set(rows.map((r) => r.address))], [ATTACKER], 'a row names the first address that failed');
      assert.equal(Math.max(...rows.map((r) => r.details.addressCount ?? 1)), 2, 'the wrong secrets came from two addresses');
      assert.deepEqual(rows.map((r) => r.details.reason).sort(), ['throttled', 'wrong_secret', 'wrong_secret']);
    } finally {
      await s.close();
    }
  } finally {
    agent.destroy();
    await rm(home, { recursive: true, force: true });
  }
});
