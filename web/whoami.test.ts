// Role detection against a server without GET /api/v1/me: the probes send empty bodies and read 403 versus 400.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { whoAmI } from './src/api/whoami.ts';

type Role = 'admin' | 'developer' | 'operator' | 'viewer';
const ALLOWED: Record<string, Role[]> = {
  'GET /api/v1/keys': ['admin'],
  'POST /api/v1/jobs': ['admin', 'developer'],
  'PUT /api/v1/models/probe/aliases/probe': ['admin', 'developer', 'operator'],
};

/** A stand-in for an older server: no /me; a route the role may use answers 400 to an empty body (or 200 for GET). */
function fakeServer(role: Role, calls: string[]): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const path = String(input).split('?')[0];
    const route = `${init?.method ?? 'GET'} ${path}`;
    calls.push(route);
    const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (path === '/api/v1/me') return json(404, { error: { code: 'not_found', message: 'no route' } });
    const ok = ALLOWED[route]?.includes(role);
    if (!ok) return json(403, { error: { code: 'forbidden', message: 'no' } });
    return route.startsWith('GET') ? json(200, { items: [] }) : json(400, { error: { code: 'invalid_input', message: 'body' } });
  }) as typeof fetch;
}

for (const role of ['admin', 'developer', 'operator', 'viewer'] as Role[]) {
  test(`finds the ${role} role by probing`, async () => {
    const calls: string[] = [];
    const saved = globalThis.fetch;
    globalThis.fetch = fakeServer(role, calls);
    try {
      const s = await whoAmI('andon_0123456789ab_' + 'A'.repeat(32));
      assert.equal(s.role, role);
      assert.ok(
        calls.every((c) => !c.startsWith('POST') || c.endsWith('/jobs')),
        'only empty-body probes',
      );
    } finally {
      globalThis.fetch = saved;
    }
  });
}

test('uses GET /api/v1/me when the server has it', async () => {
  const saved = globalThis.fetch;
  globalThis.fetch = (async () =>
    new Response(JSON.stringify({ tenantId: 't', keyId: 'k', keyName: 'line 3', role: 'operator', scopes: ['pm-prod'] }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    })) as typeof fetch;
  try {
    const s = await whoAmI('andon_0123456789ab_' + 'A'.repeat(32));
    assert.deepEqual({ role: s.role, keyName: s.keyName, scopes: s.scopes }, { role: 'operator', keyName: 'line 3', scopes: ['pm-prod'] });
  } finally {
    globalThis.fetch = saved;
  }
});
