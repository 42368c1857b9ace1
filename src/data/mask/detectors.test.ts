// Detectors: true positives of every kind in English and Chinese text, checksums both ways, and factory look-alikes left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detect, isIPv6, maskText, type PiiKind } from './index.js';

/** The Luhn check digit by its definition: the digit that makes the doubled-every-second sum a multiple of 10. */
function withLuhn(body: string): string {
  for (let c = 0; c <= 9; c++) {
    const n = body + c;
    let sum = 0;
    [...n].reverse().forEach((ch, i) => {
      const d = Number(ch) * (i % 2 ? 2 : 1);
      sum += d > 9 ? d - 9 : d;
    });
    if (sum % 10 === 0) return n;
  }
  throw new Error('unreachable');
}

/** The ISO 7064 MOD 11-2 check character by its definition: Σ aᵢ·2^(18−i) over all 18 positions ≡ 1 (mod 11), X = 10. */
function withIdCheck(first17: string): string {
  for (let c = 0; c <= 10; c++) {
    let sum = c;
    for (let i = 0; i < 17; i++) sum += Number(first17[i]) * 2 ** (17 - i);
    if (sum % 11 === 1) return first17 + (c === 10 ? 'X' : String(c));
  }
  throw new Error('unreachable');
}
/** A valid ID whose check character is X, found by trying sequence numbers. */
function idEndingInX(prefix14: string): string {
  for (let seq = 100; seq < 1000; seq++) {
    const id = withIdCheck(prefix14 + seq);
    if (id.endsWith('X')) return id;
  }
  throw new Error('no X');
}
/** Changes the last digit so a checksum fails. */
const corrupt = (s: string): string => s.slice(0, -1) + (s.endsWith('1') ? '2' : '1');

const visa = withLuhn('411111111111111'),
  master = withLuhn('555555555555444'),
  amex = withLuhn('37828224631000');
const unionPay19 = withLuhn('622202123456789012'),
  mir = withLuhn('220012345678901');
const id1 = withIdCheck('11010519491231002'),
  id2 = withIdCheck('44030620000229123'),
  idX = idEndingInX('31011519880808');

function kinds(text: string): PiiKind[] {
  return detect(text).map((s) => s.kind);
}

test('the Chinese sentence of the brief', () => {
  assert.equal(maskText('请联系张工 13800138000 或 zhang.gong@factory.cn'), '请联系张工 [PHONE] 或 [EMAIL]');
  assert.equal(maskText('张工13800138000或李工13912345678'), '张工[PHONE]或李工[PHONE]');
  assert.equal(maskText('客户李女士（电话：+86 139-1234-5678）投诉轴承异响'), '客户李女士（电话：[PHONE]）投诉轴承异响');
});

test('phones: Chinese mobile and international formats', () => {
  const cases: Array<[string, string]> = [
    ['Call 13800138000 now', 'Call [PHONE] now'],
    ['138-0013-8000', '[PHONE]'],
    ['mobile: 138 0013 8000.', 'mobile: [PHONE].'],
    ['8613800138000', '[PHONE]'],
    ['+86 138 0013 8000', '[PHONE]'],
    ['+8613800138000', '[PHONE]'],
    ['0086 13800138000', '[PHONE]'],
    ['(+86)15012345678', '(+86)[PHONE]'],
    ['Tel:19912345678', 'Tel:[PHONE]'],
    ['13800138000/13900139000', '[PHONE]/[PHONE]'],
    ['Berlin office +49 30 1234567, ask for Jens', 'Berlin office [PHONE], ask for Jens'],
    ['US support +1 (415) 555-2671.', 'US support [PHONE].'],
    ['London 0044 20 7946 0958', 'London [PHONE]'],
    ['from Australia dial 0011 800-55558000.', 'from Australia dial [PHONE].'],
    ['+1-703-464-0200', '[PHONE]'],
    ['+44 (0)20 7946 0958', '[PHONE]'],
    ['+33-1-23-45-67-89', '[PHONE]'],
    ['+4930123456', '[PHONE]'],
    ['call (415) 555-2671 today', 'call [PHONE] today'],
    ['Call 914-329-0185.', 'Call [PHONE].'],
    ['fax 914.329.0185', 'fax [PHONE]'],
    ['Not automated 1-800-335-2247!', 'Not automated [PHONE]!'],
    ['(717)886-2184 called', '[PHONE] called'],
    ['维修工程师电话 +1 415 555 2671，请回电', '维修工程师电话 [PHONE]，请回电'],
  ];
  for (const [input, want] of cases) assert.equal(maskText(input), want, input);
});

test('e-mail addresses', () => {
  const cases: Array<[string, string]> = [
    ['zhang.gong@factory.cn', '[EMAIL]'],
    ['Send to A.B+tag@Sub.Example.co.uk, thanks', 'Send to [EMAIL], thanks'],
    ['mail li_wei-2@plant-3.example.com.', 'mail [EMAIL].'],
    ['邮箱li@qq.com谢谢', '邮箱[EMAIL]谢谢'],
    ['<ops%night@xn--fiqs8s.xn--fiqz9s>', '<[EMAIL]>'],
    ['13800138000@163.com', '[EMAIL]'],
    ['two: a@b.io;c@d.de', 'two: [EMAIL];[EMAIL]'],
  ];
  for (const [input, want] of cases) assert.equal(maskText(input), want, input);
});

test('IPv4 and IPv6 addresses', () => {
  const cases: Array<[string, string]> = [
    ['PLC at 192.168.1.20 offline', 'PLC at [IP] offline'],
    ['host 10.0.0.1:8080', 'host [IP]:8080'],
    ['subnet 10.0.0.0/8', 'subnet [IP]/8'],
    ['range 10.0.0.1-10.0.0.9', 'range [IP]-[IP]'],
    ['255.255.255.255', '[IP]'],
    ['服务器192.168.10.25宕机', '服务器[IP]宕机'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '[IP]'],
    ['IPv6 地址 2001:db8::8a2e:370:7334。', 'IPv6 地址 [IP]。'],
    ['::1', '[IP]'],
    ['fe80::1ff:fe23:4567:890a', '[IP]'],
    ['::ffff:192.168.1.1', '[IP]'],
    ['[2001:db8::1]:443', '[[IP]]:443'],
    ['IPv6:fe80::1.', 'IPv6:[IP].'],
  ];
  for (const [input, want] of cases) assert.equal(maskText(input), want, input);
  assert.ok(isIPv6('1::') && isIPv6('1:2:3:4:5:6:7:8') && isIPv6('::ffff:10.0.0.1'));
  for (const bad of ['::', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::1', 'g::1', '::ffff:300.1.1.1', '1.2.3.4::']) assert.ok(!isIPv6(bad), bad);
});

test('payment cards: Luhn-valid numbers of real issuers, with and without separators', () => {
  const formatted = [
    visa.replace(/(\d{4})(?=\d)/g, '$1 '),
    master.replace(/(\d{4})(?=\d)/g, '$1-'),
    `${amex.slice(0, 4)} ${amex.slice(4, 10)} ${amex.slice(10)}`,
  ];
  for (const n of [visa, master, amex, unionPay19, mir, ...formatted]) {
    assert.equal(maskText(`card ${n} expires 12/27`), 'card [CARD] expires 12/27', n);
    assert.equal(maskText(`卡号${n}。`), '卡号[CARD]。', n);
  }
  for (const n of [visa, master, amex, unionPay19]) assert.equal(maskText(corrupt(n)), corrupt(n), `bad Luhn ${n}`);
  // Luhn-valid, but no issuer uses the prefix: a serial number
  const serial = withLuhn('900012345678901');
  assert.equal(maskText(serial), serial);
  assert.deepEqual(kinds(`${visa.slice(0, 4)} ${visa.slice(4, 8)}-${visa.slice(8, 12)} ${visa.slice(12)}`), [], 'mixed separators');
});

test('Chinese resident IDs: check character, birth date and region', () => {
  for (const id of [id1, id2, idX, idX.toLowerCase(), `${id1.slice(0, 6)} ${id1.slice(6, 14)} ${id1.slice(14)}`]) {
    assert.equal(maskText(`身份证号 ${id}，已登记`), '身份证号 [CN_ID]，已登记', id);
    assert.equal(maskText(`ID:${id}`), 'ID:[CN_ID]', id);
  }
  assert.ok(idX.endsWith('X'));
  const invalid = [
    corrupt(id1),
    withIdCheck('11010519491331002'), // month 13
    withIdCheck('44030620010229123'), // 29 February of a common year
    withIdCheck('99010519491231002'), // no such province
    withIdCheck('11000019491231002'), // a province, not a county
    withIdCheck('11010518491231002'), // born 1849
  ];
  for (const id of invalid) assert.deepEqual(kinds(id), [], id);
});

test('factory look-alikes stay unchanged', () => {
  const lookAlikes = [
    'PN-4711-0815',
    'M14860',
    '6205-2RS',
    'bearing 6205-2RS, qty 4',
    '2024-03-05 14:22:31',
    '2024-03-05T14:22:31+08:00',
    '20240305142231',
    '1709648551000',
    '1709648551',
    '1551.2',
    '-0.0007',
    '3.14159265358979',
    '+3.14159265358979',
    '+1551.2',
    '10.0.0.1.5',
    'v2.4.10',
    'v10.0.0.1',
    '2024/03/05',
    '2024.03.05',
    '256.1.1.1',
    '192.168.1.300',
    '999.999.999.999',
    '12345678901',
    '23800138000',
    '12800138000',
    '913800138000',
    '138001380001',
    'SN13800138000',
    'SN-13800138000',
    '13800138000.5',
    '0.13800138000',
    'BATCH-20240305-001',
    'LOT2024A0305',
    'LOT-2024-0305-A',
    'WO_13800138000',
    '14:22:31',
    '14:22:31.123',
    '00:1A:2B:3C:4D:5E',
    'ratio 3:4',
    '1,380,013,800',
    '+08:00',
    '+0800',
    'user@localhost',
    '@mention',
    'a@b',
    'x@y.z',
    'S/N 0012345678901',
    '0044123456789012',
    'bag tags 0016 964012, 0016 964077',
    '+1 555 1234',
    '123-456-7890',
    '911-555-1234',
    'PN-914-329-0185',
    '914-329-0185-01',
    '914-329.0185',
    'temp 21.5 22.0 21.8',
    'shift 1 2 3 4 5 6 7 8 9 10 11 12',
    '4111111111111112',
    corrupt(id1),
    '1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6',
    'torque 1380 0138 000',
  ];
  for (const s of lookAlikes) assert.equal(maskText(s), s, s);
});

test('spans: offsets, order, and the longest claim wins', () => {
  const s = 'a 13800138000@qq.com b +86 138 0013 8000 c 10.0.0.1';
  const spans = detect(s);
  assert.deepEqual(
    spans.map((x) => [x.kind, s.slice(x.start, x.end)]),
    [
      ['email', '13800138000@qq.com'],
      ['phone', '+86 138 0013 8000'],
      ['ip', '10.0.0.1'],
    ],
  );
  assert.deepEqual(detect('no personal data here'), []);
  assert.deepEqual(detect(''), []);
  assert.deepEqual(
    detect('13800138000 a@b.cn', ['email']).map((x) => x.kind),
    ['email'],
  );
});

test('long hostile inputs finish (linear scanners, no catastrophic backtracking)', () => {
  const mb = 1 << 20;
  assert.equal(maskText('1'.repeat(mb)), '1'.repeat(mb));
  assert.equal(maskText('@.'.repeat(mb / 2)).length, mb);
  const kb = 1 << 18; // the other shapes, at a quarter of the size to keep the suite fast
  for (const unit of ['.@', 'a', '1:', '1 ', '+1 ', '1.', '1-', '::']) {
    const s = unit.repeat(Math.ceil(kb / unit.length));
    assert.equal(maskText(s), s, unit);
  }
  assert.equal(maskText('x'.repeat(kb) + '@example.com'), 'x'.repeat(kb) + '@example.com'); // a 262144-character local part is no e-mail
  const many = 'x 13800138000 '.repeat(5000);
  assert.equal(maskText(many), 'x [PHONE] '.repeat(5000));
});
