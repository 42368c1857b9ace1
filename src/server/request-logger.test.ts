// The lazy request logger writes exactly the lines a pino child would, and makes no child when nothing is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { LazyRequestLogger } from './request-logger.js';

function capture(level: string): { logger: FastifyBaseLogger; lines: Record<string, unknown>[]; children: () => number } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  // Fastify's own logger (pino), as the server has it.
  const logger = Fastify({ logger: { level, stream: sink } }).log;
  let made = 0;
  const child = logger.child;
  logger.child = function (this: FastifyBaseLogger, ...a) {
    made++;
    return child.apply(this, a);
  };
  return { logger, lines, children: () => made };
}

const flush = () => new Promise((r) => setImmediate(r));

test('below the level nothing is written and no child is made', async () => {
  const c = capture('warn');
  const log = new LazyRequestLogger(c.logger, { reqId: 'r-1' }, {});
  log.info({ a: 1 }, 'hello');
  log.debug('quiet');
  assert.equal(log.level, 'warn');
  await flush();
  assert.equal(c.lines.length, 0);
  assert.equal(c.children(), 0);
});

test('an enabled line carries the bindings, like a child made up front', async () => {
  const c = capture('info');
  const log = new LazyRequestLogger(c.logger, { reqId: 'r-2' }, {});
  log.warn({ code: 'x' }, 'careful');
  log.info('and this');
  log.error(new Error('boom'), 'failed');
  await flush();
  assert.deepEqual(
    c.lines.map((l) => [l.reqId, l.msg, l.level]),
    [
      ['r-2', 'careful', 40],
      ['r-2', 'and this', 30],
      ['r-2', 'failed', 50],
    ],
  );
  assert.equal(c.lines[0].code, 'x');
  assert.equal((c.lines[2].err as { message: string }).message, 'boom');
  assert.equal(c.children(), 1, 'one child, made on the first line');
});

test('a level set on the request logger applies to it alone; its own children keep the bindings', async () => {
  const c = capture('warn');
  const log = new LazyRequestLogger(c.logger, { reqId: 'r-3' }, {});
  log.level = 'debug';
  log.debug('now visible');
  log.child({ step: 'inner' }).warn('nested');
  new LazyRequestLogger(c.logger, { reqId: 'r-4' }, {}).debug('still quiet');
  await flush();
  assert.deepEqual(
    c.lines.map((l) => [l.reqId, l.step, l.msg]),
    [
      ['r-3', undefined, 'now visible'],
      ['r-3', 'inner', 'nested'],
    ],
  );
});
