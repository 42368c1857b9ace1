// trainBundle's one ONNX policy: an architecture the exporter cannot cover gives a bundle without model.onnx that still serves, plus a warning in its manifest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTable } from '../data/readers/index.js';
import { syntheticMachineRows } from '../data/synthetic-machines.js';
import { AndonError } from '../errors.js';
import { MANIFEST, ONNX, WEIGHTS, parseBundle } from './bundle.js';
import { predictTable } from './predictor.js';
import { trainBundle } from './train-bundle.js';

const rows = syntheticMachineRows(300, 1);
const csv = Buffer.from([Object.keys(rows[0]!).join(','), ...rows.map((r) => Object.values(r).join(','))].join('\n') + '\n');
const spec = { target: 'machine_failure', epochs: 2, seed: 1 };

/** What an exporter says about an architecture it does not cover (see src/ml/onnx/export.ts). */
const uncovered = () => {
  throw new AndonError('invalid_input', 'ONNX export: layers[0]: layer type "capsule" has no ONNX export');
};

test('an exporter failure leaves out model.onnx, warns in the result and the manifest, and the bundle serves through the engine', async () => {
  const { table } = await readTable(csv, { format: 'csv' });
  const r = await trainBundle(table, spec, { exportOnnx: uncovered });
  assert.deepEqual([...r.files.keys()].sort(), [MANIFEST, WEIGHTS]);
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0]!.code, 'onnx_export_failed');
  assert.match(r.warnings[0]!.message, /no model\.onnx .*layer type "capsule" has no ONNX export/);
  const stored = JSON.parse(Buffer.from(r.files.get(MANIFEST)!).toString('utf8'));
  assert.deepEqual(stored.warnings, r.warnings);
  assert.deepEqual(Object.keys(stored.files), [WEIGHTS]);
  // The bundle verifies and predicts with the engine (what serving falls back to without model.onnx).
  const bundle = parseBundle(r.files);
  assert.equal(bundle.onnx, null);
  const predictions = predictTable(bundle, table);
  assert.equal(predictions.length, table.rowCount);
  assert.ok(predictions.every((p) => 'label' in p && (p.label === '0' || p.label === '1')));
});

test('a covered architecture gets its model.onnx and no warnings', async () => {
  const { table } = await readTable(csv, { format: 'csv' });
  const r = await trainBundle(table, spec);
  assert.deepEqual([...r.files.keys()].sort(), [MANIFEST, ONNX, WEIGHTS]);
  assert.deepEqual(r.warnings, []);
  assert.equal(JSON.parse(Buffer.from(r.files.get(MANIFEST)!).toString('utf8')).warnings, undefined);
  assert.ok(parseBundle(r.files).onnx);
});
