// Masking tables and strings: redact, hash and drop on dictionary-encoded tables, the report's counts, option errors, and no original value left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AndonError } from '../../errors.js';
import { cellOf, Table } from '../table.js';
import { maskTable, maskText, textMasker } from './index.js';

const PHONES = ['13800138000', '139-1234-5678', '+49 30 1234567'];
const EMAILS = ['zhang.gong@factory.cn', 'li.wei@plant-3.example.com'];
const NAMES = ['张伟', 'Anna Schmidt', '王芳'];

/** 60 rows of complaints and maintenance notes; few distinct notes, so the dictionary is small and shared. */
function fixture(): Table {
  const notes = [
    `请联系张工 ${PHONES[0]} 或 ${EMAILS[0]}`,
    `Customer called from ${PHONES[2]}, reply to ${EMAILS[1]}`,
    `轴承 6205-2RS 更换，批次 LOT-2024-0305-A`,
    `PLC 192.168.1.20 restarted, PN-4711-0815 replaced`,
    `回电 ${PHONES[1]}；备用 ${PHONES[0]}`,
  ];
  const rows = [];
  for (let i = 0; i < 60; i++) {
    rows.push({
      ticket: `T-${1000 + i}`,
      customer: NAMES[i % 3],
      contact: Number(PHONES[0]) + (i % 2), // a phone column a reader parsed as numbers: 13800138000, 13800138001
      note: i % 7 === 6 ? null : notes[i % 5],
      temperature: 20 + (i % 10) / 10,
    });
  }
  return Table.fromRows(rows);
}

const SECRETS = [...PHONES, '13800138001', ...EMAILS, ...NAMES, '192.168.1.20'];

/** Every cell and every dictionary entry, as text. */
function allText(t: Table): string[] {
  const out: string[] = [];
  for (const c of t.columns) {
    if (c.type === 'string') out.push(...c.dictionary);
    for (let r = 0; r < t.rowCount; r++) {
      const v = cellOf(c, r);
      if (v !== null) out.push(String(v));
    }
  }
  return out;
}
function assertClean(t: Table): void {
  for (const cell of allText(t)) for (const secret of SECRETS) assert.ok(!cell.includes(secret), `"${secret}" survived in "${cell}"`);
}

test('redact: named and detected columns, dictionary-encoded, nothing original left', () => {
  const source = fixture();
  assert.equal(source.column('note').type, 'string');
  assert.equal(source.column('contact').type, 'number');
  const { table, report } = maskTable(source, { columns: { customer: 'redact' } });
  assertClean(table);
  assert.deepEqual(table.columnNames, source.columnNames);
  assert.equal(table.rowCount, 60);
  assert.equal(table.get(0, 'note'), '请联系张工 [PHONE] 或 [EMAIL]');
  assert.equal(table.get(1, 'note'), 'Customer called from [PHONE], reply to [EMAIL]');
  assert.equal(table.get(2, 'note'), '轴承 6205-2RS 更换，批次 LOT-2024-0305-A');
  assert.equal(table.get(3, 'note'), 'PLC [IP] restarted, PN-4711-0815 replaced');
  assert.equal(table.get(6, 'note'), null);
  assert.equal(table.get(5, 'customer'), '[PII]');
  assert.equal(table.get(4, 'contact'), '[PHONE]');
  assert.deepEqual(table.column('ticket'), source.column('ticket'), 'untouched columns are the same object');
  assert.deepEqual(table.column('temperature'), source.column('temperature'));
  const note = table.column('note');
  assert.ok(note.type === 'string' && new Set(note.dictionary).size === note.dictionary.length, 'masked dictionary stays unique');
});

test('report: counts per kind over rows, masked cells, no personal values', () => {
  const source = fixture();
  const { report } = maskTable(source, { columns: { customer: 'redact' } });
  // notes[i % 5] for i in 0..59 except i % 7 == 6: count the rows that use each note
  const uses = [0, 0, 0, 0, 0];
  for (let i = 0; i < 60; i++) if (i % 7 !== 6) uses[i % 5]++;
  const note = report.columns.find((c) => c.column === 'note')!;
  assert.deepEqual(note.found, { phone: uses[0] + uses[1] + 2 * uses[4], email: uses[0] + uses[1], ip: uses[3] });
  assert.equal(note.maskedCells, uses[0] + uses[1] + uses[3] + uses[4]);
  assert.equal(note.source, 'detected');
  const contact = report.columns.find((c) => c.column === 'contact')!;
  assert.deepEqual(contact, { column: 'contact', source: 'detected', found: { phone: 60 }, maskedCells: 60, dropped: false, convertedToText: true });
  const customer = report.columns.find((c) => c.column === 'customer')!;
  assert.deepEqual(customer.found, { pii: 60 });
  assert.deepEqual(
    report.columns.map((c) => c.column),
    ['customer', 'contact', 'note'],
  );
  assert.equal(report.rows, 60);
  assert.deepEqual(report.dropped, []);
  assert.equal(report.maskedCells, 60 + 60 + note.maskedCells);
  assert.deepEqual(report.found, { pii: 60, phone: 60 + note.found.phone!, email: note.found.email, ip: note.found.ip });
  const json = JSON.stringify(report);
  for (const secret of SECRETS) assert.ok(!json.includes(secret), secret);
});

test('hash: keyed tokens that join across rows and columns, and differ by key', () => {
  const key = randomBytes(32);
  const { table } = maskTable(fixture(), { columns: { customer: 'hash' }, mode: 'hash', key });
  assertClean(table);
  const note0 = table.get(0, 'note') as string;
  const m = /^请联系张工 (pii_[0-9a-f]{16}) 或 (pii_[0-9a-f]{16})$/.exec(note0);
  assert.ok(m, note0);
  // the same phone in another note, spelled the same, and in the numeric contact column: one token
  assert.equal((table.get(4, 'note') as string).split('；备用 ')[1], m[1]);
  assert.equal(table.get(0, 'contact'), m[1]);
  assert.notEqual(table.get(1, 'contact'), m[1]);
  // a named column: same value → same token, different values → different tokens
  assert.equal(table.get(0, 'customer'), table.get(3, 'customer'));
  assert.notEqual(table.get(0, 'customer'), table.get(1, 'customer'));
  assert.match(table.get(0, 'customer') as string, /^pii_[0-9a-f]{16}$/);
  // spellings of one number share a token; another key gives other tokens
  const opts = { mode: 'hash' as const, key };
  assert.equal(maskText('138-0013-8000', opts), maskText('+86 138 0013 8000', opts));
  assert.equal(maskText('ZHANG.GONG@Factory.CN', opts), maskText(EMAILS[0], opts));
  assert.notEqual(maskText(PHONES[0], opts), maskText(PHONES[0], { mode: 'hash', key: randomBytes(32) }));
  assert.equal(maskText(PHONES[0], opts), maskText(PHONES[0], { mode: 'hash', key: Buffer.from(key) }));
});

test('drop: named columns and columns holding a kind whose mode is drop', () => {
  const { table, report } = maskTable(fixture(), { columns: { customer: 'drop' }, kinds: { ip: 'drop' } });
  assert.deepEqual(table.columnNames, ['ticket', 'contact', 'temperature']);
  assert.deepEqual(report.dropped, ['customer', 'note']);
  const note = report.columns.find((c) => c.column === 'note')!;
  assert.ok(note.dropped && note.found.ip! > 0 && note.found.phone! > 0);
  assert.equal(table.get(0, 'contact'), '[PHONE]');
  assertClean(table);
});

test('per-kind modes and detect: false', () => {
  const key = randomBytes(16);
  const { table } = maskTable(fixture(), { kinds: { phone: 'hash' }, key });
  assert.match(table.get(0, 'note') as string, /^请联系张工 pii_[0-9a-f]{16} 或 \[EMAIL\]$/);
  const named = maskTable(fixture(), { columns: { customer: 'redact' }, detect: false });
  assert.equal(named.table.get(0, 'note'), fixture().get(0, 'note'));
  assert.equal(named.table.get(0, 'contact'), 13800138000);
  assert.deepEqual(
    named.report.columns.map((c) => c.column),
    ['customer'],
  );
});

test('free text: drop removes the span; a prepared masker reuses its options', () => {
  assert.equal(maskText('call 13800138000 now', { mode: 'drop' }), 'call  now');
  const mask = textMasker({ kinds: { email: 'drop' } });
  assert.equal(mask('a@b.cn 13800138000'), ' [PHONE]');
  assert.equal(mask('nothing here'), 'nothing here');
  assert.equal(maskText(''), '');
});

test('look-alike columns pass through untouched and unreported', () => {
  const rows = ['PN-4711-0815', 'M14860', '6205-2RS', '2024-03-05 14:22:31', 'v2.4.10', '10.0.0.1.5', '2024/03/05'].map((part) => ({
    part,
    epoch: 1709648551000,
    reading: 1551.2,
    stamp: 20240305142231,
    serial: 12345678901,
  }));
  const source = Table.fromRows(rows);
  const { table, report } = maskTable(source);
  assert.deepEqual(report.columns, []);
  assert.deepEqual(report.found, {});
  for (const name of source.columnNames) assert.equal(table.column(name), source.column(name));
});

test('option errors: hash without a key, unknown columns, modes and kinds', () => {
  const t = fixture();
  const code = (c: string) => (e: unknown) => e instanceof AndonError && e.code === c;
  assert.throws(() => maskTable(t, { mode: 'hash' }), code('invalid_input'));
  assert.throws(() => maskTable(t, { columns: { customer: 'hash' } }), code('invalid_input'));
  assert.throws(() => maskText('x', { kinds: { phone: 'hash' } }), code('invalid_input'));
  assert.throws(() => maskText('x', { mode: 'hash', key: Buffer.from('short') }), code('invalid_input'));
  assert.throws(() => maskTable(t, { columns: { phone_number: 'redact' } }), code('unknown_column'));
  assert.throws(() => maskTable(t, { mode: 'scramble' as never }), code('invalid_input'));
  assert.throws(() => maskTable(t, { kinds: { passport: 'redact' } as never }), code('invalid_input'));
  const key = randomBytes(32);
  try {
    maskTable(t, { mode: 'hash', key: key.subarray(0, 8) });
    assert.fail('expected an error');
  } catch (e) {
    assert.ok(e instanceof AndonError);
    assert.ok(!JSON.stringify({ m: e.message, d: e.details }).includes(key.subarray(0, 8).toString('hex')), 'the key is never echoed');
  }
});
