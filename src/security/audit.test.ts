// The audit hash chain: it verifies as written, and an edit made directly in the SQLite file is named by seq.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteMetaStore } from '../store/meta/sqlite.js';
import { auditHash, canonicalJson, recordAudit, verifyAuditChain } from './audit.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

async function seeded(events = 6, options: { key?: Buffer } = {}) {
  const path = join(dir, `audit-${++n}.db`);
  const meta = await openSqliteMetaStore({ path });
  const a = (await meta.tenants.create({ name: 'Plant A' })).id;
  const b = (await meta.tenants.create({ name: 'Plant B' })).id;
  for (let i = 1; i <= events; i++) {
    await recordAudit(
      meta,
      a,
      {
        actor: `key_${i % 2}`,
        action: i % 3 ? 'dataset.create' : 'model.promote',
        objectType: 'dataset',
        objectId: `ds_${i}`,
        address: '10.0.0.7',
        details: { name: `pm-${i}`, rows: i * 10, nested: { z: 1, a: [1, 'двигатель', null] } },
      },
      options,
    );
  }
  await recordAudit(meta, b, { actor: 'key_b', action: 'key.create' }, options);
  /** Runs SQL on the database file behind the store's back, as someone with access to the file would. */
  const tamper = (sql: string, ...params: unknown[]) => {
    const db = new Database(path);
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };
  return { meta, a, b, tamper };
}

test('canonical JSON sorts keys at every depth and drops undefined members', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 'é' }], c: undefined } }), '{"a":{"d":[2,{"x":"é","y":1}]},"b":1}');
  assert.equal(canonicalJson(null), 'null');
});

test('audit chain: recorded events are sealed and verify, also under concurrent writers', async () => {
  const { meta, a, b } = await seeded();
  await Promise.all([1, 2, 3, 4].map((i) => recordAudit(meta, a, { actor: 'racer', action: `race.${i}` })));
  const events = await meta.audit.list(a);
  assert.equal(events.length, 10);
  assert.equal(events[0]!.prevHash, null);
  for (let i = 1; i < events.length; i++) assert.equal(events[i]!.prevHash, events[i - 1]!.hash);
  assert.equal(events[3]!.hash, auditHash(events[3]!, events[2]!.hash));
  assert.deepEqual(await verifyAuditChain(meta, a, { pageSize: 3 }), { ok: true, events: 10, lastHash: events[9]!.hash });
  assert.equal((await verifyAuditChain(meta, b)).ok, true);
  assert.deepEqual(await verifyAuditChain(meta, (await meta.tenants.create({ name: 'empty' })).id), { ok: true, events: 0, lastHash: null });
  await meta.close();
});

test('audit chain: an event edited in the SQLite file is named by its seq; other tenants are unaffected', async () => {
  for (const [column, value] of [
    ['actor', 'someone-else'],
    ['details', '{"name":"pm-3","rows":31,"nested":{"a":[1,"двигатель",null],"z":1}}'],
    ['at', '2020-01-01T00:00:00.000Z'],
    ['address', null],
    ['action', 'dataset.delete'],
  ] as const) {
    const { meta, a, b, tamper } = await seeded();
    assert.equal((await verifyAuditChain(meta, a)).ok, true);
    tamper(`UPDATE audit_events SET ${column} = ? WHERE tenant_id = ? AND seq = 3`, value, a);
    const result = await verifyAuditChain(meta, a);
    assert.equal(result.ok, false, column);
    assert.equal(result.firstBroken?.seq, 3, column);
    assert.match(result.firstBroken!.reason, /altered/);
    assert.equal(result.events, 2);
    assert.equal((await verifyAuditChain(meta, b)).ok, true);
    await meta.close();
  }
});

test('audit chain: removed, unsealed and re-hashed events break it where they are', async () => {
  {
    const { meta, a, tamper } = await seeded();
    tamper('DELETE FROM audit_events WHERE tenant_id = ? AND seq = 4', a);
    assert.deepEqual((await verifyAuditChain(meta, a)).firstBroken, { seq: 4, reason: 'event 4 is missing (the next one is 5)' });
    await meta.close();
  }
  {
    const { meta, a, tamper } = await seeded();
    tamper('UPDATE audit_events SET hash = NULL WHERE tenant_id = ? AND seq = 6', a);
    assert.deepEqual((await verifyAuditChain(meta, a)).firstBroken?.seq, 6);
    await meta.audit.append(a, { actor: 'x', action: 'unsealed' });
    const r = await verifyAuditChain(meta, a);
    assert.equal(r.firstBroken?.seq, 6);
    await meta.close();
  }
  {
    // An editor who recomputes the edited event's hash breaks the link to the next event instead.
    const { meta, a, tamper } = await seeded();
    const e2 = (await meta.audit.list(a))[1]!;
    const edited = { ...e2, actor: 'someone-else' };
    tamper('UPDATE audit_events SET actor = ?, hash = ? WHERE id = ?', edited.actor, auditHash(edited, e2.prevHash), e2.id);
    const r = await verifyAuditChain(meta, a);
    assert.deepEqual(r.firstBroken, { seq: 3, reason: 'its prevHash does not match the hash of event 2' });
    await meta.close();
  }
});

test('audit chain with a key: a rewrite without the key is detected at the first rewritten event', async () => {
  const key = Buffer.alloc(32, 7);
  const { meta, a, tamper } = await seeded(5, { key });
  assert.equal((await verifyAuditChain(meta, a, { key })).ok, true);
  assert.equal((await verifyAuditChain(meta, a)).firstBroken?.seq, 1, 'a keyed chain does not verify as a plain one');
  // Rewrite the whole chain from event 3 with plain sha256, as someone without the key would.
  const events = await meta.audit.list(a);
  let prevHash = events[1]!.hash;
  for (const e of events.slice(2)) {
    const edited = { ...e, actor: e.seq === 3 ? 'someone-else' : e.actor };
    const hash = auditHash(edited, prevHash);
    tamper('UPDATE audit_events SET actor = ?, prev_hash = ?, hash = ? WHERE id = ?', edited.actor, prevHash, hash, e.id);
    prevHash = hash;
  }
  assert.equal((await verifyAuditChain(meta, a)).firstBroken?.seq, 1);
  assert.deepEqual((await verifyAuditChain(meta, a, { key })).firstBroken?.seq, 3);
  await meta.close();
});
