// Kill -9 the server during an upload, during training and during promotions; restart on the same home: the stores are
// consistent, the job resumes from its checkpoint (or fails with the reason), and no half-written dataset, model or alias exists.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { TEST_ADMIN_KEY, until } from './test-support.js';

const MAIN = fileURLToPath(new URL('../cli/main.ts', import.meta.url));
const LEAKY = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];

interface Proc {
  child: ChildProcess;
  url: string;
}

/** Starts `andon serve` in its own process on a random port and waits for its "listening" line. */
async function serve(home: string, args: string[] = ['serve']): Promise<Proc> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...process.env, ANDON_HOME: home, PORT: '0', HOST: '127.0.0.1', ANDON_BOOTSTRAP_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err) ?? /(worker) running/.exec(err);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`andon serve exited with ${code}: ${err}`)));
  });
  return { child, url };
}

function kill9(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once('exit', () => resolve());
    p.child.kill('SIGKILL');
  });
}

async function call(p: Proc, method: string, path: string, json?: unknown): Promise<{ status: number; body: any; text: string }> {
  const res = await fetch(`${p.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : null };
}

async function upload(p: Proc, name: string, csv: string): Promise<void> {
  const res = await fetch(`${p.url}/api/v1/datasets?name=${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'text/csv' },
    body: csv,
  });
  assert.ok(res.status === 201 || res.status === 200, await res.text());
}

async function waitJob(p: Proc, id: string): Promise<any> {
  return (
    await until(
      () => call(p, 'GET', `/api/v1/jobs/${id}`),
      (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body.status),
      200,
    )
  ).body;
}

describe('kill -9 and restart', () => {
  let home: string;
  let p: Proc;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'andon-crash-'));
    p = await serve(home);
  });
  after(async () => {
    if (p.child.exitCode === null) await kill9(p);
    await rm(home, { recursive: true, force: true });
  });

  test('during an upload: no dataset version appears half-written, and the same upload works after the restart', async () => {
    const csv = ai4iCsv(40_000, 5);
    // Send half of the file, then kill the server while it waits for the rest.
    await new Promise<void>((resolve) => {
      const req = request(`${p.url}/api/v1/datasets?name=big`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'text/csv', 'content-length': String(Buffer.byteLength(csv)) },
      });
      req.on('error', () => resolve());
      req.write(csv.slice(0, csv.length / 2), () => {
        setTimeout(() => {
          void kill9(p).then(resolve);
        }, 200);
      });
    });
    p = await serve(home);
    assert.equal((await call(p, 'GET', '/api/v1/datasets/big')).status, 404);
    await upload(p, 'big', csv);
    const big = await call(p, 'GET', '/api/v1/datasets/big');
    assert.equal(big.body.versions.length, 1);
    assert.equal(big.body.versions[0].rows, 40_000);
    assert.equal((await call(p, 'GET', '/api/v1/datasets/big/preview?rows=1')).status, 200);
  });

  test('during training: the job resumes from its checkpoint (or fails with the reason) and registers at most one version', async () => {
    await upload(p, 'machines', ai4iCsv(1500, 6));
    const job = (await call(p, 'POST', '/api/v1/jobs', { dataset: 'machines', target: 'Machine failure', model: 'pm', epochs: 8, seed: 1, exclude: LEAKY }))
      .body;
    // Wait for two finished epochs (so a checkpoint exists), then kill.
    await until(
      () => call(p, 'GET', `/api/v1/jobs/${job.id}`),
      (r) => ((r.body.progress?.epoch as number) ?? 0) >= 2,
      50,
    );
    await kill9(p);
    p = await serve(home);
    const done = await waitJob(p, job.id);
    const events = (await call(p, 'GET', `/api/v1/jobs/${job.id}`)).body;
    assert.ok(done.status === 'succeeded' || (done.status === 'failed' && /restart/.test(done.error)), `${done.status}: ${done.error}`);
    const model = await call(p, 'GET', '/api/v1/models/pm');
    if (done.status === 'succeeded') {
      assert.equal(model.body.versions.length, 1, 'exactly one version for the job');
      assert.equal(model.body.versions[0].jobId, job.id);
      assert.ok(events.attempt >= 2, 'the job ran a second time after the restart');
    } else assert.equal(model.status, 404);
  });

  test('during promotions: the alias always names a whole version and its history agrees', async () => {
    // A second version to move between.
    const job = (await call(p, 'POST', '/api/v1/jobs', { dataset: 'machines', target: 'Machine failure', model: 'pm', epochs: 1, seed: 2, exclude: LEAKY }))
      .body;
    assert.equal((await waitJob(p, job.id)).status, 'succeeded');
    let acknowledged = 0;
    let stop = false;
    const mover = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          const r = await call(p, 'PUT', '/api/v1/models/pm/aliases/production', { version: (i % 2) + 1 });
          if (r.status === 200) acknowledged++;
        } catch {
          return;
        } // the server died mid-request
      }
    })();
    await until(
      async () => acknowledged,
      (n) => n >= 15,
      5,
    );
    await kill9(p);
    stop = true;
    await mover;
    p = await serve(home);
    const model = (await call(p, 'GET', '/api/v1/models/pm')).body;
    const alias = model.aliases.find((a: { alias: string }) => a.alias === 'production');
    assert.ok(alias, 'the alias exists');
    assert.ok(
      model.versions.some((v: { id: string }) => v.id === alias.versionId),
      'it names an existing version',
    );
    const history = (await call(p, 'GET', '/api/v1/models/pm/aliases/history?alias=production')).body.items;
    assert.ok(history.length >= acknowledged, `${history.length} history entries for ${acknowledged} acknowledged moves`);
    assert.equal(history.at(-1).toVersionId, alias.versionId, 'the last history entry is where the alias points');
    // Each move starts where the previous one ended: no move was half-applied.
    for (let i = 1; i < history.length; i++) assert.equal(history[i].fromVersionId, history[i - 1].toVersionId, `history entry ${i}`);
    assert.equal((await call(p, 'GET', '/health/ready')).status, 200);
  });
});

describe('andon serve --no-jobs with an andon worker', () => {
  test('the server queues, the worker trains, the server serves the result', async () => {
    const home = await mkdtemp(join(tmpdir(), 'andon-worker-'));
    const server = await serve(home, ['serve', '--no-jobs']);
    let worker: Proc | null = null;
    try {
      await upload(server, 'machines', ai4iCsv(1200, 7));
      const job = (await call(server, 'POST', '/api/v1/jobs', { dataset: 'machines', target: 'Machine failure', model: 'pm', epochs: 2, exclude: LEAKY })).body;
      // Nobody runs it yet.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await call(server, 'GET', `/api/v1/jobs/${job.id}`)).body.status, 'queued');
      worker = await serve(home, ['worker']);
      const done = await waitJob(server, job.id);
      assert.equal(done.status, 'succeeded', done.error ?? '');
      assert.equal((await call(server, 'GET', '/api/v1/models/pm')).body.versions.length, 1);
      assert.equal(worker.child.exitCode, null, 'the worker keeps running, waiting for the next job');
    } finally {
      if (worker) await kill9(worker);
      await kill9(server);
      await rm(home, { recursive: true, force: true });
    }
  });
});
