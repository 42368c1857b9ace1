// Drives `andon train`, `eval` and `predict` as a user would, on data the test generates, for every task.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticMachineRows } from '../data/synthetic-machines.js';
import { Rng } from '../engine/rng.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-train-'));
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8' });
const json = (run: ReturnType<typeof cli>) => {
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
};

function csv(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]);
  const field = (v: unknown) => {
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [cols.join(','), ...rows.map((r) => cols.map((c) => field(r[c])).join(','))].join('\n') + '\n';
}

test('binary: train writes a verified bundle, eval scores it, predict labels rows, a tampered bundle is refused', () => {
  const file = join(dir, 'machines.csv');
  writeFileSync(file, csv(syntheticMachineRows(3000, 4).map((r, i) => ({ serial: `M${10000 + i}`, ...r }))));
  const out = join(dir, 'pm');
  const trained = json(cli('train', '--data', file, '--target', 'machine_failure', '--epochs', '30', '--out', out, '--json'));
  assert.equal(trained.task, 'binary');
  assert.equal(trained.template, 'predictive-maintenance');
  assert.equal(trained.positive_label, '1');
  assert.ok(trained.metrics.f1 > 0.6 && trained.metrics.roc_auc > 0.9, JSON.stringify(trained.metrics).slice(0, 300));
  for (const f of ['manifest.json', 'weights.safetensors', 'model.onnx']) assert.ok(existsSync(join(out, f)), f);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.ok(!manifest.input_schema.some((c: { name: string }) => c.name === 'serial'), 'identifiers are not features');
  // A categorical input lists the values training saw (forms offer them); a numeric one lists none.
  const byName = new Map(manifest.input_schema.map((c: { name: string }) => [c.name, c]));
  assert.deepEqual(byName.get('type'), { name: 'type', type: 'category', categories: ['H', 'L', 'M'] });
  assert.equal((byName.get('torque_nm') as { categories?: string[] }).categories, undefined);

  const evaluated = json(cli('eval', out, '--data', file, '--json'));
  for (const k of ['accuracy', 'macro_f1', 'f1', 'precision', 'recall', 'roc_auc', 'pr_auc', 'log_loss'])
    assert.equal(typeof evaluated.metrics[k], 'number', k);
  assert.ok(evaluated.metrics.roc_auc > 0.9);

  const predicted = cli('predict', out, '--input', file);
  assert.equal(predicted.status, 0, predicted.stderr);
  const lines = predicted.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 3000);
  assert.ok(['0', '1'].includes(lines[0].label));
  assert.ok(Math.abs(lines[0].probabilities['0'] + lines[0].probabilities['1'] - 1) < 1e-5);
  const csvOut = join(dir, 'pred.csv');
  assert.equal(cli('predict', out, '--input', file, '--output', csvOut).status, 0);
  assert.equal(readFileSync(csvOut, 'utf8').split('\n')[0], 'label,p_0,p_1');
  // The file's rows are checked like a request's (the one inference path): a bad cell is named by its row in the file.
  const lines3 = readFileSync(file, 'utf8').trimEnd().split('\n');
  const header = lines3[0].split(','),
    torque = header.indexOf('torque_nm');
  const broken = lines3[2].split(',');
  broken[torque] = '1e39';
  const badFile = join(dir, 'bad-rows.csv');
  writeFileSync(badFile, [lines3[0], lines3[1], broken.join(','), lines3[3]].join('\n') + '\n');
  const badPredict = cli('predict', out, '--input', badFile);
  assert.notEqual(badPredict.status, 0);
  assert.match(badPredict.stderr, /^andon: input row 2 \(counting data rows from 1\): column "torque_nm": expected a number within/m);

  const weights = join(out, 'weights.safetensors');
  const bytes = readFileSync(weights);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(weights, bytes);
  const refused = cli('eval', out, '--data', file);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stderr, /^andon: weights.safetensors does not match its checksum/m);
});

test('regression and remaining useful life', () => {
  const rng = new Rng(2);
  const reg = Array.from({ length: 800 }, () => {
    const a = rng.range(0, 10),
      b = rng.range(-1, 1);
    return { a, b, line: rng.uniform() < 0.5 ? 'L1' : 'L2', y: 3 * a + 10 * b * b + rng.normal(0, 0.3) };
  });
  const regFile = join(dir, 'reg.csv');
  writeFileSync(regFile, csv(reg));
  const r = json(cli('train', '--data', regFile, '--target', 'y', '--epochs', '60', '--out', join(dir, 'reg'), '--json'));
  assert.equal(r.task, 'regression');
  assert.ok(r.metrics.r2 > 0.9, `r2 ${r.metrics.r2}`);

  // Units whose sensor drifts as they approach failure.
  const rows: Record<string, number>[] = [];
  for (let u = 1; u <= 24; u++) {
    const life = 40 + rng.int(40);
    for (let c = 1; c <= life; c++) rows.push({ unit: u, cycle: c, s1: (c / life) ** 2 + rng.normal(0, 0.02), s2: rng.normal(0, 1) });
  }
  const rulFile = join(dir, 'rul.csv');
  writeFileSync(rulFile, csv(rows));
  const rul = json(
    cli(
      'train',
      '--data',
      rulFile,
      '--target',
      'rul',
      '--task',
      'rul',
      '--group-column',
      'unit',
      '--time-column',
      'cycle',
      '--epochs',
      '8',
      '--members',
      '2',
      '--out',
      join(dir, 'rul'),
      '--json',
    ),
  );
  assert.equal(rul.task, 'rul');
  assert.equal(JSON.parse(readFileSync(join(dir, 'rul', 'manifest.json'), 'utf8')).spec.members, 2, 'an ensemble of two, in one bundle');
  assert.equal(typeof rul.metrics.rmse, 'number');
  const preds = cli('predict', join(dir, 'rul'), '--input', rulFile)
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(preds.length, 24, 'one prediction per unit');
  assert.ok(preds.every((p) => p.value >= 0 && 'group' in p));
});

test('text classification in English and Chinese', () => {
  const rng = new Rng(3);
  const pos = ['great service', 'works perfectly', 'very happy with the repair', '服务很好', '设备运行正常，很满意'];
  const neg = ['terrible delay', 'the pump broke again', 'very unhappy, bearing failed', '服务太差', '轴承坏了，非常失望'];
  const rows = Array.from({ length: 400 }, (_, i) => {
    const good = i % 2 === 0;
    const base = (good ? pos : neg)[rng.int(5)];
    const filler = ['on line 3', 'at station 7', 'after the night shift', '今天', '在二号线', `order ${1000 + rng.int(9000)}`];
    return { note: `${base} ${filler[rng.int(filler.length)]} ${filler[rng.int(filler.length)]}`, sentiment: good ? 'positive' : 'negative' };
  });
  const file = join(dir, 'notes.csv');
  writeFileSync(file, csv(rows));
  const t = json(cli('train', '--data', file, '--target', 'sentiment', '--epochs', '10', '--out', join(dir, 'text'), '--json'));
  assert.equal(t.task, 'text');
  assert.ok(t.metrics.accuracy > 0.95, `accuracy ${t.metrics.accuracy}`);
  const input = join(dir, 'new.csv');
  writeFileSync(input, csv([{ note: '服务很好' }, { note: 'the pump broke' }]));
  const preds = cli('predict', join(dir, 'text'), '--input', input)
    .stdout.trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    preds.map((p) => p.label),
    ['positive', 'negative'],
  );
});

test('bad input gives a one-line error and a non-zero exit', () => {
  const file = join(dir, 'tiny.csv');
  writeFileSync(file, 'a,b\n1,2\n3,4\n');
  const cases: [string[], RegExp][] = [
    [['train', '--data', join(dir, 'missing.csv'), '--target', 'a'], /^andon: no such file/],
    [['train', '--data', file, '--target', 'nope'], /^andon: unknown column "nope"/],
    [['train', '--data', file, '--target', 'a', '--task', 'rul'], /^andon: the rul task needs --group-column and --time-column/],
    [['train', '--data', file, '--target', 'a', '--template', 'magic'], /^andon: unknown template "magic"/],
    [['eval', join(dir, 'nowhere'), '--data', file], /^andon: .*not found/],
  ];
  for (const [args, message] of cases) {
    const run = cli(...args);
    assert.notEqual(run.status, 0, args.join(' '));
    assert.match(run.stderr.trim(), message);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  }
});
