// ONNX export parity on sensor windows: conv, pools, pooling over steps, recurrent and attention layers, 3-D linear/norms.
import { test } from 'node:test';
import * as E from '../../engine/index.js';
import type { LayerSpec } from '../spec.js';
import { seededModel, randomTensor, parityOverBatches } from './testing.js';

const T = 12,
  F = 4;

function windowCase(name: string, layers: LayerSpec[], outputs = 2, length = T, members?: number): void {
  test(`window: ${name}`, async (t) => {
    const model = seededModel({ input: { kind: 'window', length, features: F }, layers, outputs, ...(members ? { members } : {}) });
    const rng = new E.Rng(5);
    const worst = await parityOverBatches(model, (rows) => ({ rows, window: randomTensor(rng, [rows, length, F]) }));
    t.diagnostic(`max abs error ${worst.toExponential(2)}`);
  });
}

windowCase('mean_pool', [{ type: 'mean_pool' }]);
windowCase('last_step', [{ type: 'last_step' }]);
windowCase('conv1d + flatten + linear (every step weighed on its own)', [
  { type: 'conv1d', filters: 3, kernel: 3, padding: 1 },
  { type: 'tanh' },
  { type: 'flatten' },
  { type: 'dropout', rate: 0.5 },
  { type: 'linear', units: 5 },
  { type: 'tanh' },
]);
windowCase('linear on steps (MatMul + Add) + relu', [{ type: 'linear', units: 6 }, { type: 'relu' }, { type: 'mean_pool' }]);
windowCase('layernorm on steps', [{ type: 'layernorm' }, { type: 'last_step' }]);
windowCase('gelu, tanh, sigmoid, leaky_relu on steps', [
  { type: 'gelu' },
  { type: 'linear', units: 5 },
  { type: 'tanh' },
  { type: 'sigmoid' },
  { type: 'leaky_relu' },
  { type: 'mean_pool' },
]);
windowCase('conv1d', [{ type: 'conv1d', filters: 5, kernel: 3 }, { type: 'mean_pool' }]);
windowCase('conv1d with stride, padding, dilation', [{ type: 'conv1d', filters: 6, kernel: 3, stride: 2, padding: 2, dilation: 2 }, { type: 'last_step' }]);
windowCase('conv1d with padding wider than the kernel reach', [{ type: 'conv1d', filters: 3, kernel: 2, padding: 3 }, { type: 'mean_pool' }]);
windowCase('max_pool (ragged tail dropped)', [{ type: 'max_pool', size: 5 }, { type: 'mean_pool' }]);
windowCase('avg_pool', [{ type: 'avg_pool', size: 3 }, { type: 'last_step' }]);
windowCase('gru + last_step', [{ type: 'gru', units: 5 }, { type: 'last_step' }]);
windowCase('gru + mean_pool (every step)', [{ type: 'gru', units: 4 }, { type: 'mean_pool' }]);
windowCase('lstm + last_step', [{ type: 'lstm', units: 6 }, { type: 'last_step' }]);
windowCase('stacked lstm', [{ type: 'lstm', units: 5 }, { type: 'lstm', units: 3 }, { type: 'last_step' }], 1);
windowCase('single-step window through gru', [{ type: 'gru', units: 3 }, { type: 'last_step' }], 2, 1);
windowCase(
  'conv1d + max_pool + avg_pool + gru + last_step (the sensor template)',
  [
    { type: 'conv1d', filters: 8, kernel: 3, padding: 1 },
    { type: 'relu' },
    { type: 'max_pool', size: 2 },
    { type: 'conv1d', filters: 6, kernel: 2 },
    { type: 'avg_pool', size: 2 },
    { type: 'gru', units: 7 },
    { type: 'last_step' },
    { type: 'dropout', rate: 0.3 },
    { type: 'linear', units: 4 },
    { type: 'relu' },
  ],
  1,
);
windowCase(
  'lstm + dropout + linear (RUL)',
  [{ type: 'lstm', units: 8 }, { type: 'dropout', rate: 0.2 }, { type: 'last_step' }, { type: 'linear', units: 4 }, { type: 'tanh' }],
  1,
);
windowCase('transformer_encoder without a padding mask (defaults: pre-norm, gelu)', [
  { type: 'linear', units: 8 },
  { type: 'transformer_encoder', heads: 2, ff: 16 },
  { type: 'mean_pool' },
]);
windowCase(
  'an ensemble of three conv1d + flatten models (the mean of the members)',
  [
    { type: 'conv1d', filters: 3, kernel: 4, padding: 2 },
    { type: 'tanh' },
    { type: 'conv1d', filters: 1, kernel: 3, padding: 1 },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.5 },
    { type: 'linear', units: 5 },
    { type: 'tanh' },
  ],
  1,
  T,
  3,
);
