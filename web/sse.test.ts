// The SSE parser the job page uses instead of EventSource: fields, multi-line data, comments, CRLF, chunks split anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseParser, type SseMessage } from './src/api/sse.ts';

test('parses messages split across arbitrary chunks', () => {
  const got: SseMessage[] = [];
  const p = new SseParser((m) => got.push(m));
  const text = 'id: 1\nevent: epoch\ndata: {"a":1}\n\n: keep-alive\n\nid: 2\r\nevent: step\r\ndata: line one\r\ndata: line two\r\n\r\nevent: end\ndata: {}\n\n';
  for (let i = 0; i < text.length; i += 3) p.push(text.slice(i, i + 3));
  assert.deepEqual(got, [
    { id: '1', event: 'epoch', data: '{"a":1}' },
    { id: '2', event: 'step', data: 'line one\nline two' },
    { id: '2', event: 'end', data: '{}' },
  ]);
});

test('a message without an event field is a "message"', () => {
  const got: SseMessage[] = [];
  new SseParser((m) => got.push(m)).push('data:x\n\n');
  assert.deepEqual(got, [{ id: null, event: 'message', data: 'x' }]);
});
