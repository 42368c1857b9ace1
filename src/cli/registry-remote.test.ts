// Drives the registry commands against a server over HTTP (--url / ANDON_URL with ANDON_API_KEY): upload,
// train following the job's events, promote, predict with the registry's bundle, and refusals by role.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { readConfig } from './config.js';
import { startServer, type RunningServer } from './serve.js';
import { andon, cleanEnv, EXCLUDE, oneJson, oneLineError, TARGET } from './test-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'andon-cli-remote-'));
const adminKey = `andon_0123456789ab_${randomBytes(24).toString('base64url')}`;
const data = join(dir, 'machines.jsonl');
let server: RunningServer;
// The commands get an empty ANDON_HOME of their own: everything must go through the server.
const localHome = join(dir, 'not-used');
const as = (key: string, ...args: string[]) => andon(cleanEnv({ ANDON_URL: server.url, ANDON_API_KEY: key, ANDON_HOME: localHome }), ...args);
const admin = (...args: string[]) => as(adminKey, ...args);

before(async () => {
  // JSON Lines, to cover the other upload content type.
  const [header, ...rows] = ai4iCsv(1200, 1).trim().split('\r\n');
  const cols = header.split(',');
  writeFileSync(
    data,
    rows.map((r) => JSON.stringify(Object.fromEntries(r.split(',').map((v, i) => [cols[i], /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v])))).join('\n') + '\n',
  );
  server = await startServer(
    { ...readConfig({}, { port: 0, home: join(dir, 'server-home') }), host: '127.0.0.1', bootstrapKey: adminKey },
    { say: () => {}, logger: false },
  );
});
after(async () => {
  await server?.close();
});

test('remote: datasets add → train --dataset → promote → predict by alias; a viewer is refused with one line', async () => {
  const added = oneJson(await admin('datasets', 'add', data, '--name', 'machines', '--json'));
  assert.equal(added.created, true);
  assert.equal(added.version.rows, 1200);
  assert.equal(added.version.source.format, 'jsonl');

  const trained = oneJson(await admin('train', '--dataset', 'machines', '--target', TARGET, '--model', 'pm', '--epochs', '3', '--exclude', EXCLUDE, '--json'));
  assert.equal(trained.status, 'succeeded');
  assert.equal(trained.version, 1);
  assert.equal(typeof trained.metrics.accuracy, 'number');

  const promoted = oneJson(await admin('models', 'promote', 'pm', '--alias', 'production', '--version', '1', '--json'));
  assert.equal(promoted.version, 1);
  // --url wins over ANDON_URL.
  const listed = oneJson(
    await andon(cleanEnv({ ANDON_URL: 'http://127.0.0.1:1', ANDON_API_KEY: adminKey, ANDON_HOME: localHome }), 'models', 'list', '--url', server.url, '--json'),
  );
  assert.deepEqual(listed.items[0].aliases, { production: 1 });

  const csvIn = join(dir, 'rows.csv');
  writeFileSync(csvIn, ai4iCsv(50, 7));
  const predicted = await admin('predict', 'pm@production', '--input', csvIn);
  assert.equal(predicted.status, 0, predicted.stderr);
  const lines = predicted.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 50);
  assert.ok(Math.abs(lines[0].probabilities['0'] + lines[0].probabilities['1'] - 1) < 1e-5);

  const viewer = oneJson(await admin('keys', 'create', '--role', 'viewer', '--name', 'viewer', '--json')).key;
  oneLineError(await as(viewer, 'models', 'promote', 'pm', '--alias', 'staging', '--version', '1'), /^andon: forbidden: the viewer role may not PUT /);
  oneLineError(await as(viewer, 'datasets', 'add', data, '--name', 'other'), /^andon: forbidden: /);
  // Reading is a viewer's right.
  assert.equal(oneJson(await as(viewer, 'models', 'show', 'pm', '--json')).name, 'pm');
});

test('remote: bad input and local-only commands give one line and exit 1', async () => {
  const cases: [Promise<Awaited<ReturnType<typeof admin>>>, RegExp][] = [
    [admin('datasets', 'add', join(dir, 'missing.csv'), '--name', 'x'), /no such file/],
    [admin('predict', 'nope@production', '--input', data), /model "nope" not found/],
    [admin('models', 'promote', 'pm', '--alias', 'production', '--version', '9'), /model version "pm:9" not found/],
    [admin('audit', 'verify'), /works on the data home itself, not through a server/],
    [admin('keys', 'rotate-master'), /works on the data home itself/],
    [as('andon_000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'models', 'list'), /^andon: unauthenticated: a valid API key is required/],
    [andon(cleanEnv({ ANDON_URL: server.url, ANDON_HOME: localHome }), 'models', 'list'), /set ANDON_API_KEY/],
    [
      andon(cleanEnv({ ANDON_URL: 'http://127.0.0.1:1', ANDON_API_KEY: adminKey, ANDON_HOME: localHome }), 'jobs', 'list'),
      /cannot reach http:\/\/127\.0\.0\.1:1/,
    ],
  ];
  for (const [run, message] of cases) oneLineError(await run, message);
});
