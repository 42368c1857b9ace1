// Byte sources for the readers: a file path, bytes in memory, or any stream of chunks, read under a size limit.
import { createReadStream, promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AndonError } from '../../errors.js';

/** A path (string or file: URL), bytes already in memory, or chunks as they arrive (a Readable, a fetch body…). */
export type ByteSource = string | URL | Uint8Array | AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>;

export interface ChunkOptions {
  /** Fail with `too_large` once more bytes than this have arrived. */
  maxBytes: number;
  /** Chunk size for files and in-memory bytes (tests use tiny chunks to exercise every boundary). */
  chunkBytes?: number;
}

const FILE_CHUNK = 1 << 20;

export function pathOf(source: ByteSource): string | null {
  if (typeof source === 'string') return source;
  if (source instanceof URL) return fileURLToPath(source);
  return null;
}

/**
 * The source's bytes as Buffers, counted against maxBytes as they arrive: a file over the limit is
 * refused from its size before reading, and a stream is abandoned (and destroyed) at the first chunk
 * that crosses it, so the rest is never read.
 */
export async function* byteChunks(source: ByteSource, options: ChunkOptions): AsyncGenerator<Buffer> {
  const { maxBytes } = options;
  if (!(maxBytes >= 0)) throw new AndonError('invalid_input', 'maxBytes must be a non-negative number', { maxBytes });
  let total = 0;
  const count = (n: number) => {
    total += n;
    if (total > maxBytes) throw new AndonError('too_large', `input is larger than the limit of ${maxBytes} bytes`, { maxBytes });
  };
  const path = pathOf(source);
  if (path !== null) {
    const size = await fileSize(path);
    if (size > maxBytes) throw new AndonError('too_large', `${path} is ${size} bytes, over the limit of ${maxBytes}`, { maxBytes, bytes: size });
    const stream = createReadStream(path, { highWaterMark: options.chunkBytes ?? FILE_CHUNK });
    try {
      for await (const chunk of stream) {
        count(chunk.length);
        yield chunk as Buffer;
      }
    } catch (e) {
      throw fileError(e, path);
    } finally {
      stream.destroy();
    }
    return;
  }
  if (source instanceof Uint8Array) {
    const step = Math.max(1, options.chunkBytes ?? (source.length || 1));
    count(source.length);
    for (let i = 0; i < source.length; i += step) yield asBuffer(source.subarray(i, i + step));
    return;
  }
  if (isIterable(source) || isAsyncIterable(source)) {
    for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : asBuffer(chunk);
      count(buf.length);
      yield buf;
    }
    return;
  }
  throw new AndonError('invalid_input', 'a source is a file path, a file URL, bytes or an (async) iterable of byte chunks');
}

/** Wraps bytes as a Buffer without copying, for its fast text slicing. */
export function asBuffer(bytes: Uint8Array): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (!(bytes instanceof Uint8Array)) throw new AndonError('invalid_input', 'a chunk of a source must be bytes or text');
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function fileSize(path: string): Promise<number> {
  try {
    const st = await fs.stat(path);
    if (st.isDirectory()) throw new AndonError('invalid_input', `${path} is a directory, not a file`, { path });
    return st.size;
  } catch (e) {
    throw fileError(e, path);
  }
}

function fileError(e: unknown, path: string): AndonError {
  if (e instanceof AndonError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new AndonError('not_found', `no such file: ${path}`, { path });
  return new AndonError('invalid_input', `cannot read ${path}: ${(e as Error)?.message ?? String(e)}`, { path, code });
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x != null && typeof (x as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}
function isIterable(x: unknown): x is Iterable<unknown> {
  return x != null && typeof x !== 'string' && typeof (x as Iterable<unknown>)[Symbol.iterator] === 'function';
}

type Slicer = (this: Buffer, start: number, end: number) => string;
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: Slicer }).utf8Slice;

/**
 * The UTF-8 text of buf[start, end); invalid sequences become U+FFFD. Buffer's own utf8Slice skips the
 * argument checks of toString, which shows when every text cell of a million rows goes through here.
 */
export const utf8Text: (buf: Buffer, start: number, end: number) => string =
  typeof utf8Slice === 'function' ? (buf, start, end) => utf8Slice.call(buf, start, end) : (buf, start, end) => buf.toString('utf8', start, end);

/** The chunks without a leading UTF-8 byte order mark, even when the mark is split across chunks. */
export async function* withoutBom(chunks: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head: Buffer | null = Buffer.alloc(0);
  for await (const chunk of chunks) {
    if (head === null) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < 3 && BOM.subarray(0, head.length).equals(head)) continue;
    const rest: Buffer = head.subarray(0, 3).equals(BOM) ? head.subarray(3) : head;
    head = null;
    if (rest.length) yield rest;
  }
  if (head !== null && head.length && !BOM.subarray(0, head.length).equals(head)) yield head;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
