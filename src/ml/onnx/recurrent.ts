// GRU and LSTM in ONNX: torch's batch-first layers mapped onto ONNX's sequence-first ops with reordered gates.
import { ExportContext, reorderBlocks, type Value } from './context.js';
import { int, ints, type Attr } from './graph.js';

/**
 * Torch stacks gates as GRU (r, z, n) and LSTM (i, f, g, o); ONNX as GRU (z, r, h) and LSTM (i, o, f, c).
 * Entry i is the torch gate that goes to ONNX position i.
 */
const GATE_ORDER = { gru: [1, 0, 2], lstm: [0, 3, 1, 2] } as const;

/**
 * x [N, T, I] → every step's hidden state [N, T, H] from a zero initial state.
 * onnxruntime's CPU kernels refuse layout = 1 (batch-first), so the sequence is transposed to [T, N, I] and
 * back. GRU uses linear_before_reset = 1: torch applies r to (W_hn h + b_hn), not to h before the product.
 */
export function recurrent(ctx: ExportContext, x: Value, prefix: string, kind: 'gru' | 'lstm', units: number): Value {
  const g = ctx.g,
    H = units,
    I = x.width,
    gates = kind === 'gru' ? 3 : 4;
  const order = [...GATE_ORDER[kind]];
  const key = (name: string) => `${prefix}.${name}_l0`;
  const W = ctx.derived(key('weight_ih'), 'onnx', reorderBlocks(ctx.tensor(key('weight_ih'), [gates * H, I]).data, order), [1, gates * H, I]);
  const R = ctx.derived(key('weight_hh'), 'onnx', reorderBlocks(ctx.tensor(key('weight_hh'), [gates * H, H]).data, order), [1, gates * H, H]);
  const bias = new Float32Array(2 * gates * H); // ONNX's B is [Wb; Rb] in one row
  bias.set(reorderBlocks(ctx.tensor(key('bias_ih'), [gates * H]).data, order), 0);
  bias.set(reorderBlocks(ctx.tensor(key('bias_hh'), [gates * H]).data, order), gates * H);
  const B = ctx.derived(`${prefix}.bias`, 'onnx', bias, [1, 2 * gates * H]);
  const timeFirst = g.op('Transpose', [x.name], { perm: ints([1, 0, 2]) }, `${prefix}.time_first`);
  const attrs: Record<string, Attr> = kind === 'gru' ? { hidden_size: int(H), linear_before_reset: int(1) } : { hidden_size: int(H) };
  // Only Y, every step's state [T, 1, N, H]; the optional final-state outputs are left off.
  const Y = g.op(kind === 'gru' ? 'GRU' : 'LSTM', [timeFirst, W, R, B], attrs, `${prefix}.${kind}`);
  const steps = g.op('Squeeze', [Y, g.constInts([1])], {}, `${prefix}.steps`);
  return { name: g.op('Transpose', [steps], { perm: ints([1, 0, 2]) }, `${prefix}.batch_first`), steps: x.steps, width: H };
}
