// ONNX export parity on token inputs: embedding bags, padded sequences through embeddings, encoders and pooling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import type { LayerSpec, ModelInput, ModelSpec } from '../spec.js';
import { exportOnnx } from './export.js';
import { seededModel, randomTensor, randomBags, randomSequences, parityOverBatches, type SequenceOptions } from './testing.js';

const VOCAB = 30,
  L = 8,
  DENSE = 3;

function bagsCase(name: string, layers: LayerSpec[], dense?: number, withZeroId = false): void {
  test(`bags: ${name}`, async (t) => {
    const model = seededModel({ input: { kind: 'bags', vocab: VOCAB, dense }, layers, outputs: 3 });
    const rng = new E.Rng(21);
    const make = (rows: number): ModelInput => ({
      rows,
      bags: randomBags(rng, rows, VOCAB, { maxLength: 6, emptyRow: true, withZeroId }),
      dense: dense ? randomTensor(rng, [rows, dense]) : undefined,
    });
    const worst = await parityOverBatches(model, make);
    t.diagnostic(`max abs error ${worst.toExponential(2)}`);
  });
}

bagsCase('embedding_bag (with an empty bag)', [{ type: 'embedding_bag', dim: 6 }]);
bagsCase('embedding_bag with a padding id inside a bag', [{ type: 'embedding_bag', dim: 6 }], undefined, true);
bagsCase(
  'embedding_bag + concat_dense + linear (the text+tabular template)',
  [{ type: 'embedding_bag', dim: 8 }, { type: 'concat_dense' }, { type: 'linear', units: 10 }, { type: 'relu' }, { type: 'dropout', rate: 0.3 }],
  DENSE,
);
bagsCase('declared dense features that no layer reads', [{ type: 'embedding_bag', dim: 4 }], DENSE);

test('bags: a batch whose bags are all empty gives the head bias', async () => {
  const model = seededModel({ input: { kind: 'bags', vocab: VOCAB }, layers: [{ type: 'embedding_bag', dim: 4 }], outputs: 2 });
  await parityOverBatches(model, (rows) => ({ rows, bags: { ids: new Int32Array(0), offsets: new Int32Array(rows) } }), [1, 3]);
});

function sequenceCase(name: string, layers: LayerSpec[], o: SequenceOptions & { dense?: number } = { allPaddingRow: true }): void {
  test(`sequence: ${name}`, async (t) => {
    const model = seededModel({ input: { kind: 'sequence', vocab: VOCAB, length: L, dense: o.dense }, layers, outputs: 3 });
    const rng = new E.Rng(31);
    const make = (rows: number): ModelInput => ({
      rows,
      sequence: randomSequences(rng, rows, L, VOCAB, o),
      dense: o.dense ? randomTensor(rng, [rows, o.dense]) : undefined,
    });
    const worst = await parityOverBatches(model, make);
    t.diagnostic(`max abs error ${worst.toExponential(2)}`);
  });
}

sequenceCase('embedding (positional) + mean_pool over real tokens, one row all padding', [{ type: 'embedding', dim: 6 }, { type: 'mean_pool' }]);
sequenceCase('embedding without positions + last_step', [{ type: 'embedding', dim: 6, positional: false }, { type: 'last_step' }]);
const encoder = (activation: 'relu' | 'gelu', normFirst: boolean): LayerSpec => ({
  type: 'transformer_encoder',
  heads: 2,
  ff: 16,
  activation,
  normFirst,
  dropout: 0.1,
});
sequenceCase('embedding + 2 transformer encoders (post-norm relu, pre-norm gelu) + mean_pool', [
  { type: 'embedding', dim: 8 },
  encoder('relu', false),
  encoder('gelu', true),
  { type: 'mean_pool' },
]);
sequenceCase('embedding + 2 transformer encoders (pre-norm relu, post-norm gelu) + mean_pool', [
  { type: 'embedding', dim: 8 },
  encoder('relu', true),
  encoder('gelu', false),
  { type: 'mean_pool' },
]);
sequenceCase(
  'transformer_encoder defaults, 4 heads, left padding, + last_step',
  [{ type: 'embedding', dim: 8 }, { type: 'transformer_encoder', heads: 4, ff: 12 }, { type: 'last_step' }],
  { allPaddingRow: true, padStart: true },
);
sequenceCase(
  'embedding + transformer + mean_pool + concat_dense + linear',
  [{ type: 'embedding', dim: 8 }, encoder('gelu', true), { type: 'mean_pool' }, { type: 'concat_dense' }, { type: 'linear', units: 6 }, { type: 'gelu' }],
  { allPaddingRow: true, dense: DENSE },
);
sequenceCase('embedding + gru + last_step (padding at the start)', [{ type: 'embedding', dim: 6 }, { type: 'gru', units: 5 }, { type: 'last_step' }], {
  allPaddingRow: true,
  padStart: true,
});
sequenceCase('embedding + lstm + mean_pool', [{ type: 'embedding', dim: 6 }, { type: 'lstm', units: 5 }, { type: 'mean_pool' }]);
sequenceCase('embedding + conv1d + max_pool + last_step', [
  { type: 'embedding', dim: 6 },
  { type: 'conv1d', filters: 4, kernel: 3, padding: 1 },
  { type: 'max_pool', size: 2 },
  { type: 'last_step' },
]);

function rejects(spec: ModelSpec, pattern: RegExp, mutate?: (s: ModelSpec) => ModelSpec): void {
  const model = seededModel(spec);
  const target = mutate ? Object.assign(Object.create(model), { spec: mutate(spec) }) : model;
  assert.throws(
    () => exportOnnx(target),
    (e: unknown) => {
      const err = e as { name?: string; code?: string; message?: string };
      return err.name === 'AndonError' && err.code === 'invalid_input' && pattern.test(err.message ?? '');
    },
  );
}

test('sequence: a masked layer after a conv or pool changed the length is refused, not exported wrongly', () => {
  const input = { kind: 'sequence', vocab: VOCAB, length: L } as const;
  rejects(
    { input, layers: [{ type: 'embedding', dim: 4 }, { type: 'conv1d', filters: 4, kernel: 3 }, { type: 'mean_pool' }], outputs: 2 },
    /mean_pool over a token sequence needs all 8 steps/,
  );
  rejects(
    {
      input,
      layers: [{ type: 'embedding', dim: 4 }, { type: 'max_pool', size: 2 }, { type: 'transformer_encoder', heads: 1, ff: 4 }, { type: 'last_step' }],
      outputs: 2,
    },
    /transformer_encoder over a token sequence/,
  );
});

test('a layer type without an ONNX mapping is an invalid_input error', () => {
  const spec: ModelSpec = { input: { kind: 'dense', features: 3 }, layers: [{ type: 'relu' }], outputs: 2 };
  rejects(spec, /layer type "attention_pool" has no ONNX export/, (s) => ({ ...s, layers: [{ type: 'attention_pool' } as unknown as LayerSpec] }));
});
