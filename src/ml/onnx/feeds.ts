// onnxFeeds: one ModelInput batch as the named tensors an exported spec model reads (plain data, no runtime import).
import type * as E from '../../engine/index.js';
import { AndonError } from '../../errors.js';
import type { ModelInput, ModelSpec } from '../spec.js';
import { onnxInputs } from './signature.js';

/**
 * A graph input's data. `src/ml` does not load onnxruntime; the runtime wraps each feed as
 * `new ort.Tensor(feed.type, feed.data, feed.dims)`.
 */
export interface OnnxFeed {
  type: 'float32' | 'int64';
  data: Float32Array | BigInt64Array;
  dims: number[];
}

function bad(message: string, details: Record<string, unknown> = {}): never {
  throw new AndonError('invalid_input', message, details);
}

/** A copy of a float tensor checked against the expected shape (engine storage may be shared or reused). */
function floats(t: E.Tensor | undefined, dims: number[], what: string): OnnxFeed {
  if (!t) bad(`the model needs ${what} input`);
  if (t.shape.length !== dims.length || t.shape.some((d, i) => d !== dims[i])) bad(`${what} input has shape [${t.shape}], expected [${dims}]`);
  return { type: 'float32', data: Float32Array.from(t.data.subarray(0, t.size)), dims };
}

function checkId(id: number, vocab: number, what: string): void {
  if (!Number.isInteger(id) || id < 0 || id >= vocab) bad(`${what}: id ${id} is outside the vocabulary [0, ${vocab})`);
}

/**
 * Bags in (ids, offsets) form → bag_ids [N, L] padded with 0 and bag_weights [N, L] with 1/size in each of a
 * bag's slots (an id 0 inside a bag counts, as in the engine's EmbeddingBag.bags) and 0 in padding. L is the
 * longest bag, at least 1, so a batch of empty bags is still a valid tensor (and gives zero vectors).
 */
function bagFeeds(bags: NonNullable<ModelInput['bags']>, rows: number, vocab: number): Record<string, OnnxFeed> {
  const { ids, offsets } = bags;
  if (offsets.length !== rows) bad(`bags: ${offsets.length} offsets for ${rows} rows`);
  let longest = 1;
  for (let b = 0; b < rows; b++) {
    const start = offsets[b],
      end = b + 1 < rows ? offsets[b + 1] : ids.length;
    if (!(start >= 0 && start <= end && end <= ids.length)) bad(`bags: offsets are not ascending within ${ids.length} ids`, { row: b });
    longest = Math.max(longest, end - start);
  }
  const padded = new BigInt64Array(rows * longest),
    weights = new Float32Array(rows * longest);
  for (let b = 0; b < rows; b++) {
    const start = offsets[b],
      end = b + 1 < rows ? offsets[b + 1] : ids.length;
    for (let i = start; i < end; i++) {
      checkId(ids[i], vocab, 'bags');
      padded[b * longest + i - start] = BigInt(ids[i]);
      weights[b * longest + i - start] = 1 / (end - start);
    }
  }
  return {
    bag_ids: { type: 'int64', data: padded, dims: [rows, longest] },
    bag_weights: { type: 'float32', data: weights, dims: [rows, longest] },
  };
}

function sequenceFeed(seq: NonNullable<ModelInput['sequence']>, rows: number, length: number, vocab: number): OnnxFeed {
  if (seq.length !== length) bad(`sequences must have length ${length}, got ${seq.length}`);
  if (seq.ids.length !== rows * length) bad(`sequence: ${seq.ids.length} ids for ${rows} rows of ${length}`);
  // The graph tells padding by id 0, as the spec's embedding (padding row 0) assumes.
  if (seq.padId !== 0) bad(`sequence: the exported model pads with id 0, got padId ${seq.padId}`);
  const data = new BigInt64Array(seq.ids.length);
  for (let i = 0; i < data.length; i++) {
    checkId(seq.ids[i], vocab, 'sequence');
    data[i] = BigInt(seq.ids[i]);
  }
  return { type: 'int64', data, dims: [rows, length] };
}

/** The feeds for `onnxInputs(spec)`, by input name. */
export function onnxFeeds(spec: ModelSpec, input: ModelInput): Record<string, OnnxFeed> {
  const rows = input.rows,
    x = spec.input;
  if (!Number.isInteger(rows) || rows < 0) bad(`rows must be a whole number, got ${rows}`);
  const feeds: Record<string, OnnxFeed> = {};
  switch (x.kind) {
    case 'dense':
      feeds.dense = floats(input.dense, [rows, x.features], 'dense');
      break;
    case 'window':
      feeds.window = floats(input.window, [rows, x.length, x.features], 'window');
      break;
    case 'bags':
      Object.assign(feeds, bagFeeds(input.bags ?? bad('the model needs bags input'), rows, x.vocab));
      break;
    case 'sequence':
      feeds.ids = sequenceFeed(input.sequence ?? bad('the model needs sequence input'), rows, x.length, x.vocab);
      break;
  }
  const extra = onnxInputs(spec).find((i) => i.name === 'dense' && x.kind !== 'dense');
  if (extra) {
    const width = extra.dims[1] as number;
    // A model whose layers never read the dense features still declares them; zeros stand in when absent.
    const used = spec.layers.some((l) => l.type === 'concat_dense');
    feeds.dense =
      input.dense || used ? floats(input.dense, [rows, width], 'dense') : { type: 'float32', data: new Float32Array(rows * width), dims: [rows, width] };
  }
  return feeds;
}
