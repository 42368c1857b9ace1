// Safetensors round trip, and rejection of truncated, oversized and inconsistent files before anything loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from './index.js';

function model(seed: number) {
  const rng = new E.Rng(seed);
  return new E.Sequential(new E.Linear(3, 4, { rng }), new E.ReLU(), new E.Linear(4, 2, { rng }));
}

function header(bytes: Uint8Array): any {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString());
}

/** Builds a file from a header object and a data section, to forge broken files. */
function forge(h: unknown, data: Uint8Array): Uint8Array {
  const json = Buffer.from(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

test('weights round-trip exactly through the safetensors layout', () => {
  const a = model(1);
  const bytes = E.encodeSafetensors(a.stateDict(), { format: 'andon' });
  const h = header(bytes);
  assert.deepEqual(h['0.weight'], { dtype: 'F32', shape: [4, 3], data_offsets: [16, 64] }); // names sorted: 0.bias comes first
  assert.deepEqual(h.__metadata__, { format: 'andon' });
  assert.equal((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8, 0, 'data section is 8-byte aligned');
  const decoded = E.decodeSafetensors(bytes);
  const b = model(2);
  b.loadStateDict(decoded.tensors);
  for (const [name, t] of a.stateDict()) assert.deepEqual(Array.from(b.stateDict().get(name)!.data), Array.from(t.data), name);
  assert.deepEqual(decoded.metadata, { format: 'andon' });
  const x = E.tensor([0.1, -0.2, 0.3], [1, 3]);
  assert.deepEqual(b.forward(x).toArray(), a.forward(x).toArray());
});

test('special float values survive the round trip bit for bit', () => {
  const values = new Float32Array([0, -0, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, NaN]);
  const back = E.decodeSafetensors(E.encodeSafetensors(new Map([['v', { shape: [7], data: values }]]))).tensors.get('v')!;
  assert.deepEqual(new Uint8Array(back.data.buffer), new Uint8Array(values.buffer));
});

test('truncated, oversized and inconsistent files are rejected with the reason', () => {
  const good = E.encodeSafetensors(model(1).stateDict());
  const cases: [Uint8Array, RegExp][] = [
    [new Uint8Array(3), /shorter than the 8-byte/],
    [good.subarray(0, good.length - 4), /truncated|outside|cover/],
    [good.subarray(0, 20), /past the end/],
    [
      (() => {
        const b = good.slice();
        new DataView(b.buffer).setBigUint64(0, 2n ** 40n, true);
        return b;
      })(),
      /exceeds/,
    ],
    [
      (() => {
        const b = good.slice();
        b[9] = 0x7d;
        return b;
      })(),
      /not valid JSON/,
    ],
    [forge({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, new Uint8Array(4)), /only F32/],
    [forge({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, new Uint8Array(8)), /12 bytes\) but 8/],
    [
      forge({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, v: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, new Uint8Array(12)),
      /overlap or hole/,
    ],
    [forge({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, new Uint8Array(16)), /cover 8/],
    [forge({ w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } }, new Uint8Array(8)), /invalid shape/],
    [forge([1, 2], new Uint8Array(0)), /not a JSON object/],
  ];
  for (const [bytes, reason] of cases) assert.throws(() => E.decodeSafetensors(bytes), reason);
});

test('a state with a wrong shape or name loads nothing at all', () => {
  const target = model(5);
  const before = target.parameters().map((p) => Array.from(p.data));
  const state = E.decodeSafetensors(E.encodeSafetensors(model(6).stateDict())).tensors;
  state.set('2.bias', { shape: [3], data: new Float32Array(3) }); // the last layer has 2 outputs
  assert.throws(() => target.loadStateDict(state), /saved shape \[3\] differs/);
  state.delete('2.bias');
  assert.throws(() => target.loadStateDict(state), /missing \[2.bias\]/);
  assert.deepEqual(
    target.parameters().map((p) => Array.from(p.data)),
    before,
  );
});
