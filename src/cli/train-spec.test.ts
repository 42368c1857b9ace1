// `andon train` and the training spec: a wrong option is one line and a non-zero exit before anything is read or opened; an ONNX export failure is a warning, not a failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticMachineRows } from '../data/synthetic-machines.js';
import { AndonError } from '../errors.js';
import { printTrainResult, trainCommand } from './train.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-train-spec-'));
const home = join(dir, 'home');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', env: { ...process.env, ANDON_HOME: home, ANDON_URL: '' } });

const rows = syntheticMachineRows(300, 2);
const file = join(dir, 'machines.csv');
writeFileSync(file, [Object.keys(rows[0]!).join(','), ...rows.map((r) => Object.values(r).join(','))].join('\n') + '\n');

test('a wrong training option is one line naming the flag and a non-zero exit, with --data and with --dataset', () => {
  const cases: [string[], RegExp][] = [
    [['--task', 'forecast'], /argument 'forecast' is invalid\. Allowed choices are auto, classification, binary, multiclass, regression, text, rul/],
    [['--epochs', '0'], /^andon: --epochs must be an integer from 1 to 10000, got 0$/],
    [['--epochs', '20000'], /^andon: --epochs must be an integer from 1 to 10000, got 20000$/],
    [['--epochs', 'many'], /^andon: --epochs must be an integer from 1 to 10000, got "many"$/],
    [['--members', '17'], /^andon: --members must be an integer from 1 to 16, got 17$/],
    [['--seed', '1.5'], /^andon: --seed must be an integer, got 1.5$/],
    [['--type', 'type=colour'], /argument 'type=colour' is invalid\. expected COLUMN=TYPE/],
    [['--text-model', 'lstm'], /argument 'lstm' is invalid\. Allowed choices are bag, transformer/],
    [['--group-column', 'type'], /^andon: --group-column and --time-column go together$/],
  ];
  for (const source of [
    ['--data', file],
    ['--dataset', 'machines'],
  ]) {
    for (const [args, message] of cases) {
      const run = cli('train', ...source, '--target', 'machine_failure', ...args);
      const what = [...source, ...args].join(' ');
      assert.notEqual(run.status, 0, what);
      assert.equal(run.stdout, '', what);
      assert.equal(run.stderr.trim().split('\n').length, 1, `${what}: ${run.stderr}`);
      assert.match(run.stderr.trim(), message, what);
    }
  }
  assert.ok(!existsSync(home), 'a refused --dataset run opens no home');
});

test('an ONNX export failure: the bundle is written without model.onnx, the warning is on stderr and in --json, and the bundle predicts', async () => {
  const out = join(dir, 'no-onnx');
  const uncovered = () => {
    throw new AndonError('invalid_input', 'ONNX export: layers[0]: layer type "capsule" has no ONNX export');
  };
  const result = await trainCommand({ data: file, target: 'machine_failure', epochs: 2, out, json: true }, { exportOnnx: uncovered });
  assert.ok(existsSync(join(out, 'manifest.json')) && existsSync(join(out, 'weights.safetensors')));
  assert.ok(!existsSync(join(out, 'model.onnx')));
  const warnings = result.warnings as { code: string; message: string }[];
  assert.deepEqual(
    warnings.map((w) => w.code),
    ['onnx_export_failed'],
  );
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')).warnings, warnings);

  for (const json of [true, false]) {
    const stdout: string[] = [],
      stderr: string[] = [];
    printTrainResult(
      result,
      json,
      (s) => stdout.push(s),
      (s) => stderr.push(s),
    );
    assert.deepEqual(stderr, [`andon: warning: ${warnings[0]!.message}`]);
    if (json) assert.deepEqual(JSON.parse(stdout.join('\n')).warnings, warnings);
    else assert.match(stdout.join('\n'), /^trained a binary model/);
  }
  const predicted = cli('predict', out, '--input', file);
  assert.equal(predicted.status, 0, predicted.stderr);
  assert.equal(predicted.stdout.trim().split('\n').length, rows.length);
});

test('a covered model: --json lists no warnings and the bundle has model.onnx', () => {
  const out = join(dir, 'with-onnx');
  const run = cli('train', '--data', file, '--target', 'machine_failure', '--epochs', '2', '--out', out, '--json');
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
  assert.deepEqual(JSON.parse(run.stdout).warnings, []);
  assert.ok(existsSync(join(out, 'model.onnx')));
});
