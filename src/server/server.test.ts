// End to end over real HTTP: upload → train (watching SSE) → promote → deploy → predict (REST and OIP v2) → batch job → alias swap under load; errors, docs, metrics, health.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { join } from 'node:path';
import { ai4iCsv } from '../data/synthetic-machines.js';
import { startTestServer, until, type TestServer } from './test-support.js';

const LEAKY = ['UDI', 'Product ID', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];
const ROW = {
  Type: 'L',
  'Air temperature [K]': 302.1,
  'Process temperature [K]': 310.5,
  'Rotational speed [rpm]': 1352,
  'Torque [Nm]': 61.3,
  'Tool wear [min]': 208,
};

/** Reads a job's server-sent events until the stream ends. */
async function readEvents(s: TestServer, jobId: string): Promise<{ event: string; id?: string; data: any }[]> {
  const res = await fetch(`${s.url}/api/v1/jobs/${jobId}/events`, {
    headers: { authorization: `Bearer ${(await import('./test-support.js')).TEST_ADMIN_KEY}` },
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.trim() && !b.startsWith(':'))
    .map((block) => {
      const f = Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
      return { event: f.event, id: f.id, data: JSON.parse(f.data) };
    });
}

async function train(s: TestServer, seed: number): Promise<{ job: any; events: { event: string; id?: string; data: any }[] }> {
  const started = await s.call('POST', '/api/v1/jobs', {
    json: { dataset: 'machines', target: 'Machine failure', model: 'pm', template: 'predictive-maintenance', epochs: 4, seed, exclude: LEAKY },
  });
  assert.equal(started.status, 202, started.text);
  const events = await readEvents(s, started.body.id);
  const job = (await s.call('GET', `/api/v1/jobs/${started.body.id}`)).body;
  return { job, events };
}

describe('the HTTP API end to end', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s.close();
  });

  test('health, docs and auth basics', async () => {
    assert.equal((await s.call('GET', '/health/live', { key: null })).status, 200);
    const ready = await s.call('GET', '/health/ready', { key: null });
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
    assert.equal(ready.body.checks.blobs, 'ok');
    // The blob store out of reach: not ready, and the open route does not say where the blobs live.
    renameSync(join(s.home, 'blobs'), join(s.home, 'blobs-away'));
    try {
      const away = await s.call('GET', '/health/ready', { key: null });
      assert.deepEqual([away.status, away.body.checks.blobs], [503, 'unreachable']);
      assert.ok(!away.text.includes(s.home), away.text);
    } finally {
      renameSync(join(s.home, 'blobs-away'), join(s.home, 'blobs'));
    }
    assert.equal((await s.call('GET', '/health/ready', { key: null })).status, 200);
    const docs = await s.call('GET', '/docs/json', { key: null });
    assert.equal(docs.status, 200);
    assert.ok(docs.body.paths['/api/v1/deployments/{name}/predict'], 'the OpenAPI document lists predict');
    const none = await s.call('GET', '/api/v1/datasets', { key: null });
    assert.equal(none.status, 401);
    assert.equal(none.body.error.code, 'unauthenticated');
    assert.equal((await s.call('GET', '/api/v1/datasets', { key: 'andon_0123456789ab_wrongwrongwrongwrongwrongwrong12' })).status, 401);
    assert.equal((await s.call('GET', '/api/v1/datasets', { headers: { authorization: 'Basic abc' }, key: null })).status, 401);
    const me = await s.call('GET', '/api/v1/me');
    assert.equal(me.body.role, 'admin');
    const unknown = await s.call('GET', '/api/v1/nothing-here');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'not_found');
  });

  test('upload → train with live events → registry → deploy → predict → OIP → batch → alias swap under load', async () => {
    // Upload, then the same bytes again: one version.
    const csv = ai4iCsv(1500, 1);
    const up = await s.call('POST', '/api/v1/datasets?name=machines&filename=machines.csv', { body: csv, type: 'text/csv' });
    assert.equal(up.status, 201, up.text);
    assert.equal(up.body.version.rows, 1500);
    const again = await s.call('POST', '/api/v1/datasets?name=machines', { body: csv, type: 'text/csv' });
    assert.equal(again.status, 200);
    assert.equal(again.body.created, false);
    const preview = await s.call('GET', '/api/v1/datasets/machines/preview?rows=3');
    assert.equal(preview.body.rows.length, 3);
    assert.ok(preview.body.columns.includes('Torque [Nm]'));

    // Train, watching the events stream to the end.
    const first = await train(s, 1);
    assert.equal(first.job.status, 'succeeded', first.job.error ?? '');
    const kinds = first.events.map((e) => e.event);
    assert.ok(kinds.includes('queued') && kinds.includes('started') && kinds.includes('epoch'), kinds.join(','));
    assert.equal(kinds.at(-1), 'end');
    assert.equal(first.events.at(-1)!.data.status, 'succeeded');
    const epochs = first.events.filter((e) => e.event === 'epoch');
    assert.ok(epochs.length >= 1 && epochs.every((e) => Number.isFinite(e.data.data.trainLoss)));
    // Resuming the stream after the last id replays nothing but the end.
    const lastId = first.events.filter((e) => e.id).at(-1)!.id!;
    const resumed = await fetch(`${s.url}/api/v1/jobs/${first.job.id}/events`, {
      headers: { authorization: `Bearer ${(await import('./test-support.js')).TEST_ADMIN_KEY}`, 'last-event-id': lastId },
    });
    assert.deepEqual(
      (await resumed.text())
        .split('\n\n')
        .filter((b) => b.trim())
        .map((b) => /event: (\S+)/.exec(b)?.[1]),
      ['end'],
    );

    // Registry: version 1 with metrics, card, ONNX download; promote to production.
    const model = await s.call('GET', '/api/v1/models/pm');
    assert.equal(model.body.versions.length, 1);
    assert.equal(typeof model.body.versions[0].metrics.f1, 'number');
    const card = await s.call('GET', '/api/v1/models/pm/versions/1/card');
    assert.match(card.text, /# Model card: pm v1/);
    const onnx = await fetch(`${s.url}/api/v1/models/pm/versions/1/files/model.onnx`, {
      headers: { authorization: `Bearer ${(await import('./test-support.js')).TEST_ADMIN_KEY}` },
    });
    assert.equal(onnx.status, 200);
    assert.ok((await onnx.arrayBuffer()).byteLength > 1000);
    assert.equal((await s.call('GET', '/api/v1/models/pm/versions/1/files/../../etc')).status, 404);
    const promoted = await s.call('PUT', '/api/v1/models/pm/aliases/production', { json: { version: 1 } });
    assert.equal(promoted.status, 200, promoted.text);

    // Deploy by alias and predict.
    const dep = await s.call('POST', '/api/v1/deployments', { json: { name: 'pm', model: 'pm', alias: 'production' } });
    assert.equal(dep.status, 201, dep.text);
    const p = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [ROW, { ...ROW, 'Torque [Nm]': 20 }] } });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.body.model, 'pm');
    assert.equal(p.body.version, 1);
    assert.equal(p.body.predictions.length, 2);
    for (const pr of p.body.predictions) {
      assert.ok(['0', '1'].includes(pr.label));
      assert.ok(Math.abs(pr.probabilities['0'] + pr.probabilities['1'] - 1) < 1e-5);
    }

    // Bad predict requests: a 400 that names the problem.
    const missing = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ Type: 'L' }] } });
    assert.equal(missing.status, 400);
    assert.match(missing.body.error.message, /Torque \[Nm\]/);
    const wrongType = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ ...ROW, 'Torque [Nm]': 'lots' }] } });
    assert.equal(wrongType.status, 400);
    assert.match(wrongType.body.error.message, /Torque/);
    const nan = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ ...ROW, 'Torque [Nm]': 'NaN' }] } });
    assert.equal(nan.status, 400);
    const extra = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ ...ROW, Colour: 'red' }] } });
    assert.equal(extra.status, 400);
    assert.match(extra.body.error.message, /Colour/);
    const tooMany = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: Array.from({ length: 10_001 }, () => ROW) } });
    assert.equal(tooMany.status, 413);
    assert.equal((await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [] } })).status, 400);
    assert.equal((await s.call('POST', '/api/v1/deployments/pm/predict', { body: '{"rows": [', type: 'application/json' })).status, 400);
    assert.equal((await s.call('POST', '/api/v1/deployments/nope/predict', { json: { rows: [ROW] } })).status, 404);
    // Finite numbers beyond float32 (the network's arithmetic) are refused by row and column, never answered with null.
    for (const big of [1e39, 1e300, '1e308', -3.5e38]) {
      const r = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [ROW, { ...ROW, 'Torque [Nm]': big }] } });
      assert.equal(r.status, 400, `${big}: ${r.text}`);
      assert.match(r.body.error.message, /row 1, column "Torque \[Nm\]"/);
      assert.deepEqual([r.body.error.details.row, r.body.error.details.column], [1, 'Torque [Nm]']);
    }
    // Inside float32 but far beyond anything training saw: the network overflows, and the row is refused, not answered with null.
    const huge = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [{ ...ROW, 'Torque [Nm]': 3e38, 'Rotational speed [rpm]': -3e38 }] } });
    assert.ok(
      huge.status === 400 ||
        huge.body.predictions.every((x: { probabilities: Record<string, unknown> }) => Object.values(x.probabilities).every(Number.isFinite)),
      huge.text,
    );
    assert.doesNotMatch(huge.text, /null|NaN/);

    // Open Inference Protocol v2.
    assert.equal((await s.call('GET', '/v2')).body.name, 'andon');
    // KServe's data plane answers health and readiness with bodies that clients parse.
    const live = await s.call('GET', '/v2/health/live', { key: null });
    assert.deepEqual([live.status, live.body], [200, { live: true }]);
    const ready = await s.call('GET', '/v2/health/ready', { key: null });
    assert.deepEqual([ready.status, ready.body], [200, { ready: true }]);
    const modelReady = await s.call('GET', '/v2/models/pm/ready');
    assert.deepEqual([modelReady.status, modelReady.body], [200, { name: 'pm', ready: true }]);
    const versionReady = await s.call('GET', '/v2/models/pm/versions/1/ready');
    assert.deepEqual([versionReady.status, versionReady.body], [200, { name: 'pm', version: '1', ready: true }]);
    assert.equal((await s.call('GET', '/v2/models/pm/versions/9/ready')).status, 404);
    const meta = await s.call('GET', '/v2/models/pm');
    assert.deepEqual(meta.body.versions, ['1']);
    assert.deepEqual(
      meta.body.outputs.map((o: { name: string }) => o.name),
      ['label', 'probabilities'],
    );
    const inputs = meta.body.inputs.map((i: { name: string; datatype: string }) => ({
      name: i.name,
      datatype: i.datatype,
      shape: [2],
      data: [ROW[i.name as keyof typeof ROW], i.name === 'Torque [Nm]' ? 20 : ROW[i.name as keyof typeof ROW]],
    }));
    // FP64 beyond float32 is refused over OIP too (the same inference entry checks the rows).
    const big = await s.call('POST', '/v2/models/pm/infer', {
      json: { inputs: inputs.map((i: { name: string; data: unknown[] }) => (i.name === 'Torque [Nm]' ? { ...i, datatype: 'FP64', data: [20, 1e300] } : i)) },
    });
    assert.equal(big.status, 400, big.text);
    assert.match(big.body.error, /row 1, column "Torque \[Nm\]"/);
    const infer = await s.call('POST', '/v2/models/pm/infer', { json: { id: 'req-1', inputs } });
    assert.equal(infer.status, 200, infer.text);
    assert.equal(infer.body.model_name, 'pm');
    assert.equal(infer.body.model_version, '1');
    assert.equal(infer.body.id, 'req-1');
    const label = infer.body.outputs.find((o: { name: string }) => o.name === 'label');
    const probs = infer.body.outputs.find((o: { name: string }) => o.name === 'probabilities');
    assert.deepEqual(
      label.data,
      p.body.predictions.map((x: { label: string }) => x.label),
    );
    assert.deepEqual(probs.shape, [2, 2]);
    assert.ok(Math.abs(probs.data[1] - p.body.predictions[0].probabilities['1']) < 1e-6);
    const pinned = await s.call('POST', '/v2/models/pm/versions/1/infer', { json: { inputs, outputs: [{ name: 'label' }] } });
    assert.deepEqual(
      pinned.body.outputs.map((o: { name: string }) => o.name),
      ['label'],
    );
    const bad = await s.call('POST', '/v2/models/pm/infer', { json: { inputs: inputs.slice(1) } });
    assert.equal(bad.status, 400);
    assert.equal(typeof bad.body.error, 'string', 'OIP errors are {"error": "…"}');
    const badShape = await s.call('POST', '/v2/models/pm/infer', { json: { inputs: [{ ...inputs[0], shape: [3] }, ...inputs.slice(1)] } });
    assert.equal(badShape.status, 400);
    assert.equal((await s.call('GET', '/v2/models/nope')).status, 404);
    assert.equal(typeof (await s.call('GET', '/v2/models/nope')).body.error, 'string');

    // A batch job: CSV in, CSV of predictions out.
    const batchCsv = ai4iCsv(300, 9);
    const b = await s.call('POST', '/api/v1/batch-jobs?deployment=pm', { body: batchCsv, type: 'text/csv' });
    assert.equal(b.status, 202, b.text);
    const doneBatch = await until(
      () => s.call('GET', `/api/v1/batch-jobs/${b.body.id}`),
      (r) => ['succeeded', 'failed', 'cancelled'].includes(r.body.status),
    );
    assert.equal(doneBatch.body.status, 'succeeded', doneBatch.body.error ?? '');
    const out = await s.call('GET', `/api/v1/batch-jobs/${b.body.id}/output`);
    const lines = out.text.trim().split(/\r?\n/);
    assert.equal(lines.length, 301);
    assert.match(lines[0], /prediction/);

    // A second version, then move the alias while requests keep coming: none fails, and answers switch to v2.
    const second = await train(s, 2);
    assert.equal(second.job.status, 'succeeded');
    const versions: number[] = [];
    let failures = 0,
      stop = false;
    const load = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await s.call('POST', '/api/v1/deployments/pm/predict', { json: { rows: [ROW] } });
        if (r.status !== 200) failures++;
        else versions.push(r.body.version);
      }
    });
    await until(
      async () => versions.length,
      (n) => n >= 20,
      10,
    );
    const swap = await s.call('PUT', '/api/v1/models/pm/aliases/production', { json: { version: 2, expected: 1 } });
    assert.equal(swap.status, 200, swap.text);
    const seenAtSwap = versions.length;
    await until(
      async () => versions.length,
      (n) => n >= seenAtSwap + 20,
      10,
    );
    stop = true;
    await Promise.all(load);
    assert.equal(failures, 0);
    assert.equal(versions[0], 1);
    assert.equal(versions.at(-1), 2);
    // Once answers come from v2, they never go back to v1.
    assert.ok(versions.slice(versions.indexOf(2)).every((v) => v === 2));
    // A stale expectation is a conflict.
    assert.equal((await s.call('PUT', '/api/v1/models/pm/aliases/production', { json: { version: 1, expected: 1 } })).status, 409);
    const history = await s.call('GET', '/api/v1/models/pm/aliases/history?alias=production');
    assert.equal(history.body.items.length, 2);
    const compare = await s.call('GET', '/api/v1/models/pm/compare?a=1&b=2');
    assert.ok(compare.body.metrics.some((m: { name: string }) => m.name === 'f1'));

    // Metrics reflect the traffic.
    const metrics = await s.call('GET', '/metrics', { key: null });
    assert.match(metrics.text, /andon_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/deployments\/:name\/predict",status="200"\} \d+/);
    assert.match(metrics.text, /andon_predict_duration_seconds_count\{deployment="pm",door="rest",outcome="ok"\} \d+/);
    // The refused predictions above (missing, wrong type, NaN, unknown column, too many rows, no rows) count as errors,
    // and a made-up deployment name is not a label of its own.
    assert.ok(Number(/andon_predict_duration_seconds_count\{deployment="pm",door="rest",outcome="error"\} (\d+)/.exec(metrics.text)?.[1]) >= 6);
    assert.match(metrics.text, /andon_predict_duration_seconds_count\{deployment="\(unknown\)",door="rest",outcome="error"\} [1-9]/);
    assert.doesNotMatch(metrics.text, /deployment="nope"/);
    // One inference entry counts every door: OIP's infer and the batch job's chunks too.
    assert.match(metrics.text, /andon_predict_duration_seconds_count\{deployment="pm",door="oip",outcome="ok"\} [1-9]/);
    assert.match(metrics.text, /andon_predict_duration_seconds_count\{deployment="[^"]+",door="batch",outcome="ok"\} [1-9]/);
    assert.match(metrics.text, /andon_jobs\{kind="training",state="succeeded"\} 2/);

    // The audit trail has the promotions, and the logs carry request ids.
    const auditLog = await s.call('GET', '/api/v1/audit?action=model.promote');
    assert.equal(auditLog.body.items.length, 2);
    assert.ok(s.logs.some((l) => JSON.parse(l).reqId));
  });

  test('micro-batching on a deployment: concurrent requests share batches', async () => {
    const dep = await s.call('POST', '/api/v1/deployments', {
      json: { name: 'pm-batched', model: 'pm', alias: 'production', batching: { maxBatch: 32, maxDelayMs: 20 } },
    });
    assert.equal(dep.status, 201, dep.text);
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => s.call('POST', '/api/v1/deployments/pm-batched/predict', { json: { rows: [{ ...ROW, 'Torque [Nm]': 20 + i }] } })),
    );
    assert.ok(answers.every((a) => a.status === 200));
    const direct = await s.call('POST', '/api/v1/deployments/pm/predict', {
      json: { rows: Array.from({ length: 24 }, (_, i) => ({ ...ROW, 'Torque [Nm]': 20 + i })) },
    });
    answers.forEach((a, i) => assert.ok(Math.abs(a.body.predictions[0].probabilities['1'] - direct.body.predictions[i].probabilities['1']) < 1e-5));
    const metrics = (await s.call('GET', '/metrics', { key: null })).text;
    const count = Number(/andon_batch_size_rows_count\{deployment="pm-batched"\} (\d+)/.exec(metrics)?.[1]);
    const sum = Number(/andon_batch_size_rows_sum\{deployment="pm-batched"\} (\d+)/.exec(metrics)?.[1]);
    assert.equal(sum, 24);
    assert.ok(count < 24, `24 requests ran in ${count} batches`);
    const bad = await s.call('PATCH', '/api/v1/deployments/pm-batched', { json: { batching: { maxBatch: 0, maxDelayMs: 1 } } });
    assert.equal(bad.status, 400);
  });

  test('a regression ensemble deployment answers values, as the documented response says', async () => {
    const tooMany = await s.call('POST', '/api/v1/jobs', { json: { dataset: 'machines', target: 'Torque [Nm]', model: 'torque', members: 17 } });
    assert.equal(tooMany.status, 400, 'an ensemble of more than 16 is refused before any job starts');
    const started = await s.call('POST', '/api/v1/jobs', {
      json: { dataset: 'machines', target: 'Torque [Nm]', model: 'torque', template: 'regression', epochs: 2, members: 2, exclude: LEAKY },
    });
    assert.equal(started.status, 202, started.text);
    await readEvents(s, started.body.id);
    const dep = await s.call('POST', '/api/v1/deployments', { json: { name: 'torque', model: 'torque', version: 1 } });
    assert.equal(dep.status, 201, dep.text);
    const { 'Torque [Nm]': _, ...features } = ROW;
    const row = { ...features, 'Machine failure': 0 }; // an input here: only the failure modes were excluded
    const p = await s.call('POST', '/api/v1/deployments/torque/predict', { json: { rows: [row, { ...row, 'Rotational speed [rpm]': 2500 }] } });
    assert.equal(p.status, 200, p.text);
    assert.deepEqual(Object.keys(p.body).sort(), ['model', 'predictions', 'version', 'versionId']);
    assert.ok(
      p.body.predictions.every((x: { value: number; label?: string }) => Number.isFinite(x.value) && x.label === undefined),
      p.text,
    );
    // An ensemble of two, served from one ONNX graph, and said so on its model card.
    assert.match((await s.call('GET', '/api/v1/models/torque/versions/1/card')).text, /An ensemble of 2 models/);
    // The response shape is in the OpenAPI document.
    const doc = (await s.call('GET', '/docs/json', { key: null })).body;
    const schema = doc.paths['/api/v1/deployments/{name}/predict'].post.responses['200'].content['application/json'].schema;
    assert.deepEqual(Object.keys(schema.properties.predictions.items.properties).sort(), ['group', 'label', 'probabilities', 'value']);
  });

  test('concurrent writes: the same upload five times at once is one version; racing promotions with the same expectation, one wins', async () => {
    const csv = ai4iCsv(400, 21);
    const ups = await Promise.all(Array.from({ length: 5 }, () => s.call('POST', '/api/v1/datasets?name=racing', { body: csv, type: 'text/csv' })));
    assert.ok(
      ups.every((u) => u.status === 200 || u.status === 201),
      ups.map((u) => u.text).join('\n'),
    );
    assert.equal(ups.filter((u) => u.body.created).length, 1);
    assert.equal((await s.call('GET', '/api/v1/datasets/racing')).body.versions.length, 1);
    const current = (await s.call('GET', '/api/v1/models/pm')).body.aliases.find((a: { alias: string }) => a.alias === 'production');
    const from = current ? (await s.call('GET', `/api/v1/models/pm/versions/${current.versionId}`)).body.number : null;
    const moves = await Promise.all([1, 2, 1, 2].map((v) => s.call('PUT', '/api/v1/models/pm/aliases/production', { json: { version: v, expected: from } })));
    assert.equal(moves.filter((m) => m.status === 200).length, 1, moves.map((m) => m.status).join(','));
    assert.ok(moves.filter((m) => m.status !== 200).every((m) => m.status === 409));
  });

  test('bad uploads are refused and store nothing', async () => {
    const before = (await s.call('GET', '/api/v1/datasets')).body.items.length;
    assert.equal((await s.call('POST', '/api/v1/datasets?name=empty', { body: '', type: 'text/csv' })).body.error.code, 'empty_input');
    assert.equal((await s.call('POST', '/api/v1/datasets?name=../etc', { body: 'a,b\n1,2\n', type: 'text/csv' })).status, 400);
    assert.equal((await s.call('POST', '/api/v1/datasets?name=x', { body: 'a,b\n1,2\n', type: 'image/png' })).status, 415);
    assert.equal((await s.call('POST', '/api/v1/datasets?name=x', { json: { a: 1 } })).status, 400);
    assert.equal((await s.call('POST', '/api/v1/datasets?name=x&bogus=1', { body: 'a,b\n1,2\n', type: 'text/csv' })).status, 400);
    assert.equal((await s.call('POST', '/api/v1/jobs', { json: { dataset: 'machines', target: 'nope', model: 'm2' } })).body.error.code, 'unknown_column');
    assert.equal((await s.call('POST', '/api/v1/jobs', { json: { dataset: 'machines', target: 'Type', model: 'm2', epochs: 'many' } })).status, 400);
    assert.equal((await s.call('GET', '/api/v1/datasets')).body.items.length, before);
  });
});
