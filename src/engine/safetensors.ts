// Weights in the safetensors layout: 8-byte little-endian header length, a JSON header, then raw little-endian tensors.
import { EngineError } from './assert.js';

export interface NamedArray {
  shape: number[];
  data: Float32Array;
}
export interface SafetensorsContent {
  tensors: Map<string, NamedArray>;
  metadata: Record<string, string>;
}

/** A header larger than this is refused before it is parsed (the format's reference reader uses 100 MB too). */
const MAX_HEADER_BYTES = 100_000_000;

export function encodeSafetensors(tensors: Map<string, { shape: readonly number[]; data: Float32Array }>, metadata: Record<string, string> = {}): Uint8Array {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8); // keeps the tensor data 8-byte aligned
  const headerBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const name of names) {
    const d = tensors.get(name)!.data;
    const le = new DataView(out.buffer, at, d.length * 4);
    for (let i = 0; i < d.length; i++) le.setFloat32(i * 4, d[i], true);
    at += d.length * 4;
  }
  return out;
}

function fail(reason: string): never {
  throw new EngineError(`invalid safetensors file: ${reason}`);
}

/**
 * Parses and validates the whole file before returning anything: a truncated, oversized or
 * inconsistent file is rejected with the reason, never partly read.
 */
export function decodeSafetensors(bytes: Uint8Array): SafetensorsContent {
  if (bytes.length < 8) fail(`${bytes.length} bytes is shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`header length ${headerLen} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const n = Number(headerLen);
  if (8 + n > bytes.length) fail(`header length ${n} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 8, n).toString('utf8'));
  } catch {
    fail('the header is not valid JSON');
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const dataStart = 8 + n,
    dataLen = bytes.length - dataStart;
  const tensors = new Map<string, NamedArray>();
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header as Record<string, any>)) {
    if (name === '__metadata__') {
      if (!entry || typeof entry !== 'object' || Object.values(entry).some((v) => typeof v !== 'string')) fail('__metadata__ must map strings to strings');
      metadata = entry;
      continue;
    }
    if (!entry || typeof entry !== 'object') fail(`entry "${name}" is not an object`);
    if (entry.dtype !== 'F32') fail(`tensor "${name}" has dtype ${JSON.stringify(entry.dtype)}; only F32 is supported`);
    const shape = entry.shape,
      offs = entry.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0)) fail(`tensor "${name}" has an invalid shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o: unknown) => Number.isSafeInteger(o) && (o as number) >= 0))
      fail(`tensor "${name}" has invalid data_offsets`);
    const [begin, end] = offs as [number, number];
    const count = (shape as number[]).reduce((p, d) => p * d, 1);
    if (end < begin || end > dataLen) fail(`tensor "${name}" spans bytes ${begin}..${end} outside the ${dataLen}-byte data section (truncated?)`);
    if (end - begin !== count * 4) fail(`tensor "${name}" has shape [${shape}] (${count * 4} bytes) but ${end - begin} bytes of data`);
    spans.push([begin, end, name]);
  }
  // The data section must be exactly covered, without overlaps or holes.
  spans.sort((a, b) => a[0] - b[0]);
  let expected = 0;
  for (const [begin, end, name] of spans) {
    if (begin !== expected) fail(`tensor "${name}" starts at byte ${begin}, expected ${expected} (overlap or hole)`);
    expected = end;
  }
  if (expected !== dataLen) fail(`the data section has ${dataLen} bytes but the tensors cover ${expected}`);
  for (const [begin, end, name] of spans) {
    const entry = (header as Record<string, any>)[name];
    const data = new Float32Array((end - begin) / 4);
    const src = new DataView(bytes.buffer, bytes.byteOffset + dataStart + begin, end - begin);
    for (let i = 0; i < data.length; i++) data[i] = src.getFloat32(i * 4, true);
    tensors.set(name, { shape: entry.shape, data });
  }
  return { tensors, metadata };
}
