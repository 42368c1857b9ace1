// Layers against PyTorch 1.13: torch's state_dict is loaded by name with loadStateDict, then the output, the
// gradients of Σ(out ⊙ r) with respect to the input and every parameter, and the state afterwards (BatchNorm's
// running statistics) are compared. Fixture: src/engine/fixtures/layers.json
// (regenerate with `/usr/bin/python3 scripts/make-torch-fixtures.py`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Linear,
  LayerNorm,
  BatchNorm1d,
  Embedding,
  EmbeddingBag,
  Conv1d,
  GRU,
  LSTM,
  MultiHeadSelfAttention,
  TransformerEncoderLayer,
  Module,
  mul,
  sum,
  tensor,
  type Tensor,
} from '../index.js';
import { assertClose, assertCloseTensor, forEachBackend, fromFx, gradOf, intsOf, loadFixture, type Fx, type Tol } from './compare.js';

interface LayerCase {
  name: string;
  layer: string;
  args: Record<string, any>;
  mode: 'train' | 'eval';
  state: Record<string, Fx>;
  inputs?: { x: Fx };
  ints?: Record<string, Fx>;
  out: Fx;
  r: Fx;
  grads: Record<string, Fx>;
  stateAfter: Record<string, Fx>;
}

/**
 * Tolerances. One matmul or lookup deep (Linear, Embedding, EmbeddingBag, Conv1d): a few float32 ulps, as the
 * ops (2e-6 relative, 1e-6 floor). Deeper layers chain more float32 roundings through normalisation (÷σ),
 * four recurrent steps, or attention + feed-forward + two LayerNorms, with the two libraries summing in
 * different orders; their gradients are sums of many products that partly cancel, so 2e-5 relative with a
 * 1e-5 floor (values are O(1)). A wrong gate order, biased vs unbiased variance, a missing √d scale or the
 * wrong norm placement each change values by ≥ 1e-2.
 */
const SHALLOW: Tol = { atol: 1e-6, rtol: 2e-6 };
const DEEP: Tol = { atol: 1e-5, rtol: 2e-5 };

type Built = { module: Module; tol: Tol; run: (x: Tensor | null, ints: Record<string, Fx>) => Tensor };

function build(c: LayerCase): Built {
  const a = c.args;
  const plain = (m: Module & { forward(x: Tensor): Tensor }, tol: Tol): Built => ({ module: m, tol, run: (x) => m.forward(x!) });
  switch (c.layer) {
    case 'Linear':
      return plain(new Linear(a.in, a.out), SHALLOW);
    case 'Conv1d':
      return plain(new Conv1d(a.in, a.out, a.kernel, { stride: a.stride, padding: a.padding, dilation: a.dilation }), SHALLOW);
    case 'LayerNorm':
      return plain(new LayerNorm(a.dim), DEEP);
    case 'BatchNorm1d':
      return plain(new BatchNorm1d(a.features), DEEP);
    case 'GRU':
      return plain(new GRU(a.input, a.hidden), DEEP);
    case 'LSTM':
      return plain(new LSTM(a.input, a.hidden), DEEP);
    case 'MultiHeadSelfAttention': {
      const m = new MultiHeadSelfAttention(a.embed, a.heads);
      return { module: m, tol: DEEP, run: (x, ints) => m.forward(x!, maskOf(ints)) };
    }
    case 'TransformerEncoderLayer': {
      const m = new TransformerEncoderLayer(a.dModel, a.heads, a.ff, { dropout: 0, activation: a.activation, normFirst: a.normFirst });
      return { module: m, tol: DEEP, run: (x, ints) => m.forward(x!, maskOf(ints)) };
    }
    case 'Embedding': {
      const m = new Embedding(a.count, a.dim, { paddingIdx: a.paddingIdx });
      // forward takes ids as a tensor of whole numbers
      return { module: m, tol: SHALLOW, run: (_x, ints) => m.forward(tensor(ints.ids.data, ints.ids.shape)) };
    }
    case 'EmbeddingBag': {
      const m = new EmbeddingBag(a.count, a.dim, { mode: 'mean', paddingIdx: a.paddingIdx });
      return {
        module: m,
        tol: SHALLOW,
        // torch's (input, offsets) form, or the padded [bags, length] form
        run: (_x, ints) => (a.padded ? m.forward(tensor(ints.ids.data, ints.ids.shape)) : m.bags(intsOf(ints.ids), intsOf(ints.offsets))),
      };
    }
    default:
      throw new Error(`no engine layer for ${c.layer}`);
  }
}

/** torch's key_padding_mask [N, T] (true = padding) as the engine's [N·T] mask, 1 = padding. */
function maskOf(ints: Record<string, Fx>): Uint8Array | undefined {
  return ints.keyPaddingMask ? Uint8Array.from(ints.keyPaddingMask.data) : undefined;
}

/**
 * torch's state_dict by name. Every tensor of ours must come from torch under the same name; torch may carry
 * BatchNorm's num_batches_tracked (an integer counter that does not change the numbers: momentum is fixed),
 * which the engine need not keep. Any other name torch has and we lack fails the test.
 */
const OPTIONAL_TORCH_STATE = /(^|\.)num_batches_tracked$/;

function torchState(m: Module, state: Record<string, Fx>): Map<string, { shape: number[]; data: Float32Array }> {
  const ours = new Set(m.stateDict().keys());
  const extra = Object.keys(state).filter((k) => !ours.has(k) && !OPTIONAL_TORCH_STATE.test(k));
  assert.deepEqual(extra, [], `torch state the engine's module lacks`);
  return new Map(
    Object.entries(state)
      .filter(([k]) => ours.has(k))
      .map(([k, fx]) => [k, { shape: fx.shape, data: Float32Array.from(fx.data) }]),
  );
}

const { cases } = loadFixture<{ cases: LayerCase[] }>('layers.json');

test('layers fixture covers every layer', () => {
  assert.deepEqual([...new Set(cases.map((c) => c.layer))].sort(), [
    'BatchNorm1d',
    'Conv1d',
    'Embedding',
    'EmbeddingBag',
    'GRU',
    'LSTM',
    'LayerNorm',
    'Linear',
    'MultiHeadSelfAttention',
    'TransformerEncoderLayer',
  ]);
});

forEachBackend(() => {
  for (const c of cases) {
    test(`${c.name} (${c.layer}, ${c.mode}) matches torch`, () => {
      const { module, tol, run } = build(c);
      module.loadStateDict(torchState(module, c.state));
      if (c.mode === 'eval') module.eval();
      else module.train();

      const x = c.inputs ? fromFx(c.inputs.x, true) : null;
      const out = run(x, c.ints ?? {});
      assertCloseTensor(`${c.name} forward`, out, c.out, tol);
      sum(mul(out, fromFx(c.r))).backward();

      const params = new Map(module.namedParameters());
      const torchParams = Object.keys(c.grads).filter((k) => k !== 'x');
      assert.deepEqual([...params.keys()].sort(), torchParams.sort(), `${c.name}: parameter names differ from torch's`);
      for (const [k, p] of params) assertClose(`${c.name} d/d${k}`, gradOf(p), p.shape, c.grads[k], tol);
      if (x) assertClose(`${c.name} d/dx`, gradOf(x), x.shape, c.grads.x, tol);

      // parameters are untouched by a forward pass; BatchNorm's running statistics move in train mode
      for (const [k, t] of module.stateDict()) assertCloseTensor(`${c.name} state ${k} after forward`, t, c.stateAfter[k], tol);
    });
  }
});
