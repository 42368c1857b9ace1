// ONNX export parity on dense inputs: every feature-wise layer, and the MLP template's composition.
import { test } from 'node:test';
import * as E from '../../engine/index.js';
import type { LayerSpec } from '../spec.js';
import { seededModel, randomTensor, parityOverBatches, sessionFor } from './testing.js';

const F = 6;

function denseCase(name: string, layers: LayerSpec[], outputs = 3): void {
  test(`dense: ${name}`, async (t) => {
    const model = seededModel({ input: { kind: 'dense', features: F }, layers, outputs });
    const rng = new E.Rng(11);
    const worst = await parityOverBatches(model, (rows) => ({ rows, dense: randomTensor(rng, [rows, F], 2) }));
    t.diagnostic(`max abs error ${worst.toExponential(2)}`);
  });
}

denseCase('head only (linear → Gemm)', []);
denseCase('linear', [{ type: 'linear', units: 5 }]);
denseCase('relu', [{ type: 'linear', units: 8 }, { type: 'relu' }]);
denseCase('gelu (Erf composition)', [{ type: 'linear', units: 8 }, { type: 'gelu' }]);
denseCase('tanh', [{ type: 'linear', units: 8 }, { type: 'tanh' }]);
denseCase('sigmoid', [{ type: 'linear', units: 8 }, { type: 'sigmoid' }]);
denseCase('leaky_relu', [{ type: 'linear', units: 8 }, { type: 'leaky_relu' }]);
denseCase('dropout (identity at inference)', [
  { type: 'dropout', rate: 0.5 },
  { type: 'linear', units: 4 },
]);
denseCase('batchnorm (running statistics)', [{ type: 'batchnorm' }]);
denseCase('layernorm', [{ type: 'linear', units: 7 }, { type: 'layernorm' }]);
denseCase(
  'MLP with batchnorm and dropout',
  [
    { type: 'linear', units: 16 },
    { type: 'batchnorm' },
    { type: 'relu' },
    { type: 'dropout', rate: 0.2 },
    { type: 'linear', units: 8 },
    { type: 'batchnorm' },
    { type: 'gelu' },
    { type: 'dropout', rate: 0.1 },
  ],
  4,
);
denseCase('regression output', [{ type: 'linear', units: 8 }, { type: 'tanh' }], 1);

test('dense: a model still in training mode exports its eval-mode function', async () => {
  const model = seededModel({ input: { kind: 'dense', features: F }, layers: [{ type: 'batchnorm' }, { type: 'dropout', rate: 0.5 }], outputs: 2 });
  model.train();
  await sessionFor(model); // exported while training
  const rng = new E.Rng(3);
  await parityOverBatches(model, (rows) => ({ rows, dense: randomTensor(rng, [rows, F]) }), [5]); // the engine side runs in eval mode
});
