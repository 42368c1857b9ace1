// The key checks behind every request: the full check, and the cheap recheck of a cached row already checked with the same secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AndonError } from '../errors.js';
import type { ApiKey, MetaStore } from '../store/index.js';
import { authenticate, checkKey, generateKey, recheckKey } from './keys.js';

function row(over: Partial<ApiKey> = {}): { key: string; row: ApiKey } {
  const k = generateKey();
  return {
    key: k.key,
    row: {
      id: 'key_1',
      tenantId: 't_1',
      name: 'ci',
      role: 'operator',
      scopes: ['pm'],
      keyHash: k.hash,
      prefix: k.prefix,
      createdAt: '2026-01-01T00:00:00.000Z',
      expiresAt: null,
      revokedAt: null,
      lastUsedAt: null,
      ...over,
    },
  };
}

const reason = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return String((e as AndonError).internal?.reason);
  }
  return undefined;
};

const NOW = Date.parse('2026-11-29T12:00:00.000Z');
const recently = new Date(NOW - 1000).toISOString();

test('a row checked with a secret is rechecked without hashing, to the same principal', () => {
  const { key, row: r } = row({ lastUsedAt: recently });
  assert.equal(recheckKey(r, key, NOW), null, 'never checked: the full check decides');
  const p = checkKey(r, key, NOW);
  assert.deepEqual(p, { tenantId: 't_1', keyId: 'key_1', keyName: 'ci', role: 'operator', scopes: ['pm'] });
  assert.equal(recheckKey(r, key, NOW), p);
  assert.ok(Object.isFrozen(p) && Object.isFrozen(p.scopes), 'the shared principal cannot be changed by one request');
});

test('another secret with the same prefix is never rechecked, and the full check refuses it', () => {
  const { key, row: r } = row({ lastUsedAt: recently });
  checkKey(r, key, NOW);
  const forged = key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A');
  assert.equal(recheckKey(r, forged, NOW), null);
  assert.equal(recheckKey(r, key.slice(0, -1), NOW), null);
  assert.equal(
    reason(() => checkKey(r, forged, NOW)),
    'wrong_secret',
  );
  assert.equal(recheckKey(r, key, NOW) !== null, true, 'the real secret still passes');
});

test('a revoked or expired row is not rechecked', () => {
  const a = row({ lastUsedAt: recently });
  checkKey(a.row, a.key, NOW);
  a.row.revokedAt = new Date(NOW).toISOString();
  assert.equal(recheckKey(a.row, a.key, NOW), null);
  assert.equal(
    reason(() => checkKey(a.row, a.key, NOW)),
    'revoked',
  );

  const b = row({ lastUsedAt: recently, expiresAt: new Date(NOW + 5000).toISOString() });
  checkKey(b.row, b.key, NOW);
  assert.notEqual(recheckKey(b.row, b.key, NOW + 4999), null);
  assert.equal(recheckKey(b.row, b.key, NOW + 5000), null, 'expiry passes while the row is cached');
  assert.equal(
    reason(() => checkKey(b.row, b.key, NOW + 5000)),
    'expired',
  );
});

test('a row due for its last-used write goes the full way, which writes it once', async () => {
  const { key, row: r } = row({ lastUsedAt: new Date(NOW - 61_000).toISOString() });
  checkKey(r, key, NOW);
  assert.equal(recheckKey(r, key, NOW), null, 'last used over a minute ago');
  let touches = 0;
  const meta = {
    apiKeys: {
      findByPrefixAcrossTenants: async () => r,
      touch: async () => {
        touches++;
      },
    },
  } as unknown as MetaStore;
  await authenticate(meta, key, new Date(NOW));
  assert.equal(touches, 1);
  assert.notEqual(recheckKey(r, key, NOW + 1000), null, 'the written time is the one the recheck reads');
  assert.equal(recheckKey(r, key, NOW + 61_000), null);
});
