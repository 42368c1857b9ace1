// onnxFeeds and the exported graph's signature: names, shapes, padding of bags, and rejection of bad batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import type { ModelInput, ModelSpec } from '../spec.js';
import { onnxFeeds } from './feeds.js';
import { onnxInputs, onnxOutput } from './signature.js';
import { seededModel, sessionFor } from './testing.js';

const isInvalid = (pattern: RegExp) => (e: unknown) => {
  const err = e as { code?: string; message?: string };
  return err.code === 'invalid_input' && pattern.test(err.message ?? '');
};

test('the session declares exactly the inputs and output of the signature', async () => {
  const specs: ModelSpec[] = [
    { input: { kind: 'dense', features: 3 }, layers: [], outputs: 2 },
    { input: { kind: 'window', length: 5, features: 2 }, layers: [{ type: 'last_step' }], outputs: 1 },
    { input: { kind: 'bags', vocab: 9, dense: 2 }, layers: [{ type: 'embedding_bag', dim: 3 }, { type: 'concat_dense' }], outputs: 4 },
    { input: { kind: 'sequence', vocab: 9, length: 4 }, layers: [{ type: 'embedding', dim: 2 }, { type: 'mean_pool' }], outputs: 3 },
  ];
  for (const spec of specs) {
    const session = await sessionFor(seededModel(spec));
    assert.deepEqual(
      [...session.inputNames],
      onnxInputs(spec).map((i) => i.name),
    );
    assert.deepEqual([...session.outputNames], [onnxOutput(spec).name]);
  }
});

test('bags become 0-padded ids and 1/size weights, as long as the longest bag', () => {
  const spec: ModelSpec = { input: { kind: 'bags', vocab: 10 }, layers: [{ type: 'embedding_bag', dim: 2 }], outputs: 1 };
  const feeds = onnxFeeds(spec, { rows: 3, bags: { ids: Int32Array.from([4, 5, 6, 7]), offsets: Int32Array.from([0, 3, 3]) } });
  assert.deepEqual(feeds.bag_ids.dims, [3, 3]);
  assert.deepEqual([...feeds.bag_ids.data], [4n, 5n, 6n, 0n, 0n, 0n, 7n, 0n, 0n]);
  assert.deepEqual(
    [...feeds.bag_weights.data].map((w) => Number(Number(w).toFixed(6))),
    [0.333333, 0.333333, 0.333333, 0, 0, 0, 1, 0, 0],
  );
  const empty = onnxFeeds(spec, { rows: 2, bags: { ids: new Int32Array(0), offsets: new Int32Array(2) } });
  assert.deepEqual(empty.bag_ids.dims, [2, 1]); // never a zero-length axis
});

test('declared but unread dense features are fed as zeros when absent; read ones are required', () => {
  const input: ModelInput = { rows: 2, bags: { ids: Int32Array.from([1, 2]), offsets: Int32Array.from([0, 1]) } };
  const unread: ModelSpec = { input: { kind: 'bags', vocab: 5, dense: 3 }, layers: [{ type: 'embedding_bag', dim: 2 }], outputs: 1 };
  assert.deepEqual(onnxFeeds(unread, input).dense.dims, [2, 3]);
  const read: ModelSpec = { ...unread, layers: [{ type: 'embedding_bag', dim: 2 }, { type: 'concat_dense' }] };
  assert.throws(() => onnxFeeds(read, input), isInvalid(/needs dense input/));
});

test('bad batches are invalid_input errors', () => {
  const dense: ModelSpec = { input: { kind: 'dense', features: 3 }, layers: [], outputs: 1 };
  assert.throws(() => onnxFeeds(dense, { rows: 2, dense: E.zeros([2, 4]) }), isInvalid(/shape \[2,4\], expected \[2,3\]/));
  assert.throws(() => onnxFeeds(dense, { rows: 2 }), isInvalid(/needs dense input/));
  const seq: ModelSpec = { input: { kind: 'sequence', vocab: 5, length: 3 }, layers: [{ type: 'embedding', dim: 2 }, { type: 'last_step' }], outputs: 1 };
  const ids = Int32Array.from([1, 2, 0]);
  assert.throws(() => onnxFeeds(seq, { rows: 1, sequence: { ids, length: 3, padId: 4 } }), isInvalid(/pads with id 0/));
  assert.throws(() => onnxFeeds(seq, { rows: 1, sequence: { ids: Int32Array.from([1, 9, 0]), length: 3, padId: 0 } }), isInvalid(/outside the vocabulary/));
  assert.throws(() => onnxFeeds(seq, { rows: 2, sequence: { ids, length: 3, padId: 0 } }), isInvalid(/3 ids for 2 rows/));
  const bags: ModelSpec = { input: { kind: 'bags', vocab: 5 }, layers: [{ type: 'embedding_bag', dim: 2 }], outputs: 1 };
  assert.throws(() => onnxFeeds(bags, { rows: 2, bags: { ids: Int32Array.from([1, 2]), offsets: Int32Array.from([1, 0]) } }), isInvalid(/not ascending/));
});
