// Drives `andon profile` as a user would: real datasets, a generated file with dates and Chinese text, and clear errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
const DATASETS = '../shared/datasets';
const noData = existsSync(DATASETS) ? false : `${DATASETS} is not present on this machine`;
const dir = mkdtempSync(join(tmpdir(), 'andon-profile-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Column {
  name: string;
  type: string;
  role: string;
  missing: number;
  distinct: number;
}
interface Result {
  rows: number;
  columns: Column[];
  warnings: { code: string; column: string; message: string }[];
  target?: { task: string; labels?: string[] };
}

function profileJson(...args: string[]): Result {
  const run = cli('profile', ...args, '--json');
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1, 'exactly one JSON object on stdout');
  return JSON.parse(lines[0]);
}
const typesOf = (r: Result) => Object.fromEntries(r.columns.map((c) => [c.name, c.type]));

test('AI4I 2020: keys, categories and failure flags; the target is imbalanced and the failure modes leak it', { skip: noData }, () => {
  const r = profileJson(join(DATASETS, 'ai4i2020/ai4i2020.csv'), '--target', 'Machine failure');
  assert.equal(r.rows, 10000);
  assert.equal(r.columns.length, 14);
  const types = typesOf(r);
  assert.equal(types.UDI, 'identifier');
  assert.equal(types['Product ID'], 'identifier');
  assert.equal(types.Type, 'category');
  for (const c of ['Machine failure', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF']) assert.equal(types[c], 'boolean', c);
  for (const c of ['Air temperature [K]', 'Torque [Nm]']) assert.equal(types[c], 'number', c);
  assert.equal(types['Rotational speed [rpm]'], 'integer');
  assert.deepEqual(r.target, { ...r.target, task: 'binary', labels: ['0', '1'] });
  const codes = (code: string) =>
    r.warnings
      .filter((w) => w.code === code)
      .map((w) => w.column)
      .sort();
  assert.deepEqual(codes('class_imbalance'), ['Machine failure']);
  // RNF is not flagged: in this file only 1 of its 19 random failures is labelled a machine failure.
  assert.deepEqual(codes('possible_leakage'), ['HDF', 'OSF', 'PWF', 'TWF']);
});

test('Tweets: the tweet text is free text, the sentiment a category, the id a key, the creation time a datetime', { skip: noData }, () => {
  const r = profileJson(join(DATASETS, 'twitter-airline-sentiment/Tweets.csv'));
  assert.equal(r.rows, 14640);
  const types = typesOf(r);
  assert.equal(types.text, 'text');
  assert.equal(types.airline_sentiment, 'category');
  assert.equal(types.airline, 'category');
  assert.equal(types.tweet_id, 'identifier');
  assert.equal(types.tweet_created, 'datetime');
  assert.ok(r.warnings.some((w) => w.code === 'mostly_missing' && w.column === 'airline_sentiment_gold'));
});

/** A small maintenance log as a plant would export it: times, a line, a temperature and a Chinese narrative. */
function maintenanceCsv(): string {
  const parts = ['主轴', '电机', '轴承', '异响', '过热', '更换', '润滑脂', '检查', '振动', '报警', '停机', '冷却液', '泄漏', '恢复正常'];
  const lines = ['id,报修时间,line,温度,备注'];
  for (let i = 0; i < 80; i++) {
    const words = Array.from({ length: 5 + (i % 4) }, (_, k) => parts[(i * 7 + k * 3 + (i >> 2)) % parts.length]);
    const at = new Date(Date.UTC(2024, 2, 1, 8) + i * 5_400_000).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(`${i + 1},${at},L${1 + (i % 3)},${(35 + (i % 13) * 0.7).toFixed(1)},"第${i + 1}次：${words.join('')}，已处理。"`);
  }
  return `${lines.join('\n')}\n`;
}

test('a generated CSV: datetime and Chinese text columns, as JSON and as a table for people', () => {
  const file = join(dir, 'maintenance.csv');
  writeFileSync(file, maintenanceCsv());
  const r = profileJson(file);
  assert.equal(r.rows, 80);
  assert.deepEqual(typesOf(r), { id: 'identifier', 报修时间: 'datetime', line: 'category', 温度: 'number', 备注: 'text' });
  const human = cli('profile', file);
  assert.equal(human.status, 0, human.stderr);
  assert.match(human.stdout, /^maintenance\.csv: 80 rows, 5 columns/);
  assert.match(human.stdout, /备注 +text +feature/);
  assert.match(human.stdout, /2024-03-01T08:00:00\.000Z … 2024-03-06T06:30:00\.000Z/);
});

test('errors are one line on stderr with a non-zero exit: empty file, missing file, unknown target', () => {
  const empty = join(dir, 'empty.csv');
  writeFileSync(empty, '');
  const ok = join(dir, 'ok.csv');
  writeFileSync(ok, 'a,b\n1,x\n2,y\n');
  for (const [args, message] of [
    [[empty], /^andon: .*empty/],
    [[join(dir, 'nope.csv')], /^andon: no such file: .*nope\.csv$/],
    [[ok, '--target', 'c'], /^andon: unknown column "c"$/],
  ] as const) {
    const run = cli('profile', ...args, '--json');
    assert.notEqual(run.status, 0, args.join(' '));
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr.trim(), message);
  }
});

test('files shaped past the column limits fail with one line naming the limit: width, name length, header length, JSON keys', () => {
  const wide = join(dir, 'wide.csv');
  writeFileSync(wide, `${Array.from({ length: 3000 }, (_, j) => `s${j}`).join(',')}\n${Array.from({ length: 3000 }, () => '1').join(',')}\n`);
  const longName = join(dir, 'long-name.tsv');
  writeFileSync(longName, `id\t${'n'.repeat(300)}\n1\t2\n`);
  const hugeHeader = join(dir, 'huge-header.csv');
  writeFileSync(hugeHeader, `${'h'.repeat(3 * 2 ** 20)}\n1\n`);
  const keys = join(dir, 'keys.jsonl');
  writeFileSync(keys, `${JSON.stringify(Object.fromEntries(Array.from({ length: 100_000 }, (_, j) => [`k${j}`, j])))}\n`);
  for (const [file, message] of [
    [wide, /^andon: line 1: 3000 columns, over the limit of 2000 columns$/],
    [longName, /^andon: line 1: the name of column 2 is 300 characters long, over the limit of 256 characters$/],
    [hugeHeader, /^andon: line 1: the header line has not ended after \d+ bytes, over the limit of 1048576 bytes \(1 MiB\)$/],
    [keys, /^andon: line 1: 100000 columns, over the limit of 2000 columns$/],
  ] as const) {
    const run = cli('profile', file, '--json');
    assert.notEqual(run.status, 0, file);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr.slice(0, 300));
    assert.match(run.stderr.trim(), message);
  }
});
