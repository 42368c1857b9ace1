// Failed key use on a clock of the test's own: the limits per address and per prefix, and failures written as counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AndonError, isAndonError } from '../errors.js';
import type { NewAuditEvent } from '../store/index.js';
import { addressKey, AuthFailures, THROTTLED } from './auth-failures.js';

const KEY = { tenantId: 'ten_1', keyId: 'key_1' };
const POLICY = { windowMs: 60_000, perAddress: 10, perPrefix: 10 };
const refusal = () => new AndonError('unauthenticated', 'a valid API key is required');

function setup() {
  let now = 1_000_000;
  const rows: { tenantId: string; event: NewAuditEvent }[] = [];
  let failWrites = 0;
  const failures = new AuthFailures(
    async (tenantId, event) => {
      if (failWrites > 0) {
        failWrites--;
        throw new Error('database is locked');
      }
      rows.push({ tenantId, event });
    },
    POLICY,
    () => now,
  );
  return {
    failures,
    rows,
    advance(ms: number) {
      now += ms;
    },
    failNextWrites(n: number) {
      failWrites = n;
    },
    attempt: async (ip: string, prefix = 'aaaaaaaaaaaa', reason = 'wrong_secret'): Promise<string> => {
      try {
        failures.refuseThrottled(ip, prefix, '/api/v1/models');
      } catch (e) {
        return isAndonError(e) ? `${e.code} ${e.details.retryAfterSeconds}` : 'other';
      }
      const e = await failures.failed({ ip, prefix, key: KEY, reason, route: '/api/v1/models' }, refusal());
      return e.code === 'rate_limited' ? `${e.code} ${e.details.retryAfterSeconds}` : e.code;
    },
  };
}

const counts = (rows: { event: NewAuditEvent }[]) => rows.map((r) => [r.event.details?.reason, r.event.details?.count]);

test('an address: ten failures a minute answer 401, then 429 until the minute ends, and one row is written at once', async () => {
  const t = setup();
  const answers: string[] = [];
  for (let i = 0; i < 10; i++) answers.push(await t.attempt('10.0.0.7'));
  assert.deepEqual(answers, Array(10).fill('unauthenticated'));
  t.advance(15_000);
  assert.equal(await t.attempt('10.0.0.7'), 'rate_limited 45', 'Retry-After: the seconds left in the window');
  assert.deepEqual(counts(t.rows), [['wrong_secret', 1]], 'only the first failure is written while the window is open');
  // Another address is not held back by this one (the prefix is, past its own ten).
  assert.equal(await t.attempt('10.0.0.8', 'bbbbbbbbbbbb'), 'unauthenticated');
  t.advance(45_000);
  assert.equal(await t.attempt('10.0.0.7'), 'unauthenticated', 'a new window');
});

test('a prefix: failures spread over many addresses are limited too', async () => {
  const t = setup();
  const answers: string[] = [];
  for (let i = 0; i < 12; i++) answers.push(await t.attempt(`10.0.1.${i}`));
  assert.deepEqual(answers.slice(0, 10), Array(10).fill('unauthenticated'));
  assert.deepEqual(answers.slice(10), ['rate_limited 60', 'rate_limited 60']);
});

test('repeated failures are written as counts that add up: when the window closes, or at the next write', async () => {
  const t = setup();
  for (let i = 0; i < 200; i++) await t.attempt('10.0.0.7');
  await t.attempt('10.0.0.9', 'aaaaaaaaaaaa', 'revoked');
  assert.deepEqual(
    counts(t.rows),
    [
      ['wrong_secret', 1],
      ['revoked', 1],
    ],
    "each reason's first failure, at once",
  );
  await t.failures.flush();
  assert.equal(t.rows.length, 2, 'nothing more while the windows are open');
  t.advance(60_000);
  // The next failure of the key, in a new window: the closed windows' counts are written first, in one row each.
  await t.attempt('10.0.0.7');
  assert.deepEqual(counts(t.rows), [
    ['wrong_secret', 1],
    ['revoked', 1],
    ['wrong_secret', 9],
    [THROTTLED, 190],
    ['wrong_secret', 1],
  ]);
  const total = t.rows.filter((r) => r.event.address === '10.0.0.7').reduce((n, r) => n + Number(r.event.details?.count), 0);
  assert.equal(total, 201, 'every attempt of the address is in a count');
  const throttled = t.rows[3];
  assert.equal(throttled.tenantId, KEY.tenantId);
  assert.deepEqual(
    [throttled.event.action, throttled.event.objectId, throttled.event.address, throttled.event.details?.addressCount],
    ['auth.failed', KEY.keyId, '10.0.0.7', 1],
  );
  // Shutting down writes what is still counted (none here: the new window's only failure was written at once).
  await t.failures.close();
  assert.equal(t.rows.length, 5);
});

test('a count whose write fails is kept and written by the next flush', async () => {
  const t = setup();
  for (let i = 0; i < 5; i++) await t.attempt('10.0.0.7');
  t.advance(60_000);
  t.failNextWrites(1);
  await assert.rejects(t.failures.flush(), /database is locked/);
  await t.failures.close();
  assert.deepEqual(counts(t.rows), [
    ['wrong_secret', 1],
    ['wrong_secret', 4],
  ]);
});

test('addresses: IPv4 as is (also IPv4-mapped), IPv6 by its /64', () => {
  assert.equal(addressKey('192.0.2.1'), '192.0.2.1');
  assert.equal(addressKey('::ffff:192.0.2.1'), '192.0.2.1');
  assert.equal(addressKey('2001:db8:0:1:aaaa::1'), '2001:db8:0:1::/64');
  assert.equal(addressKey('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff'), '2001:db8:0:1::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
});
