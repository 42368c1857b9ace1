// The inputs and output of the ONNX graph exported for a spec: the contract between exportOnnx, onnxFeeds and serving.
import type { ModelSpec } from '../spec.js';

/** The dimension name of the batch (and of a bag's padded length), chosen at run time. */
export const BATCH_DIM = 'N';
export const BAG_LENGTH_DIM = 'L';
export const OUTPUT_NAME = 'output';

export interface OnnxTensorInfo {
  name: string;
  type: 'float32' | 'int64';
  dims: (number | string)[];
}

/**
 * dense [N, features] · window [N, T, F] · bags: bag_ids int64 [N, L] (0-padded) and bag_weights [N, L] ·
 * sequence: ids int64 [N, length] (padding id 0) — the last two plus dense [N, dense] when the input declares
 * dense features (even if no concat_dense layer reads them, so the feeds depend on the input spec alone).
 */
export function onnxInputs(spec: ModelSpec): OnnxTensorInfo[] {
  const input = spec.input;
  switch (input.kind) {
    case 'dense':
      return [{ name: 'dense', type: 'float32', dims: [BATCH_DIM, input.features] }];
    case 'window':
      return [{ name: 'window', type: 'float32', dims: [BATCH_DIM, input.length, input.features] }];
    case 'bags':
      return [
        { name: 'bag_ids', type: 'int64', dims: [BATCH_DIM, BAG_LENGTH_DIM] },
        { name: 'bag_weights', type: 'float32', dims: [BATCH_DIM, BAG_LENGTH_DIM] },
        ...denseExtra(input.dense),
      ];
    case 'sequence':
      return [{ name: 'ids', type: 'int64', dims: [BATCH_DIM, input.length] }, ...denseExtra(input.dense)];
  }
}

function denseExtra(features: number | undefined): OnnxTensorInfo[] {
  return features && features > 0 ? [{ name: 'dense', type: 'float32', dims: [BATCH_DIM, features] }] : [];
}

/** The one output: logits (classification; the caller applies softmax) or values, [N, outputs]. */
export function onnxOutput(spec: ModelSpec): OnnxTensorInfo {
  return { name: OUTPUT_NAME, type: 'float32', dims: [BATCH_DIM, spec.outputs] };
}
