// Raw request bodies (file uploads): the stream Fastify hands over for raw content types, its size checked before and while reading.
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { AndonError } from '../errors.js';

export function rawBody(req: FastifyRequest, maxBytes: number): Readable {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new AndonError('too_large', `the upload is over the limit of ${maxBytes} bytes`, { maxBytes, bytes: declared });
  }
  const body = req.body as Readable | undefined;
  if (!body || typeof body[Symbol.asyncIterator] !== 'function') {
    throw new AndonError(
      'invalid_input',
      'send the file as the raw request body with Content-Type text/csv, application/octet-stream or application/x-ndjson',
      {},
    );
  }
  return body;
}
