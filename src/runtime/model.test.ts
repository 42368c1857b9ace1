// loadModel: ONNX Runtime gives the engine's predictions on bundles trained here, per task; engine choice; closing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Table } from '../data/table.js';
import { parseBundle, ONNX } from '../ml/bundle.js';
import { predictTable, type Prediction } from '../ml/predictor.js';
import { loadModel } from './model.js';
import { trainedFixture, type FixtureTask } from './testing.js';

function assertClose(actual: Prediction[], expected: Prediction[], tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as Record<string, unknown>,
      e = expected[i] as Record<string, unknown>;
    if ('probabilities' in e) {
      const ap = a.probabilities as Record<string, number>,
        ep = e.probabilities as Record<string, number>;
      assert.deepEqual(Object.keys(ap), Object.keys(ep));
      for (const k of Object.keys(ep)) assert.ok(Math.abs(ap[k] - ep[k]) <= tol, `row ${i} P(${k}): ${ap[k]} vs ${ep[k]}`);
      assert.equal(a.label, e.label, `row ${i} label`);
    } else {
      const av = a.value as number,
        ev = e.value as number;
      assert.ok(Math.abs(av - ev) <= tol * Math.max(1, Math.abs(ev)), `row ${i} value: ${av} vs ${ev}`);
      assert.equal(a.group, e.group, `row ${i} group`);
    }
  }
}

for (const task of ['binary', 'regression', 'text', 'rul'] as FixtureTask[]) {
  test(`${task}: ONNX Runtime predictions match the engine's (predictTable) within 1e-4`, async () => {
    const { files, rows } = await trainedFixture(task);
    const expected = predictTable(parseBundle(files), Table.fromRows(rows));
    const onnx = await loadModel(files);
    assert.equal(onnx.engine, 'onnx');
    const got = await onnx.predict(rows);
    assertClose(got, expected, 1e-4);
    if (task === 'rul') {
      assert.ok(got.length > 1 && got.length < rows.length, 'one prediction per unit');
      // Requests batched together keep their units apart: the same as asking one by one.
      const a = rows.filter((r) => r.unit === 1),
        b = rows.filter((r) => r.unit !== 1);
      const both = await onnx.predictTables([onnx.validate(a), onnx.validate(b)]);
      assertClose(both[0], await onnx.predict(a), 1e-6);
      assertClose(both[1], await onnx.predict(b), 1e-6);
      assert.equal(both[0].length + both[1].length, got.length);
    } else assert.equal(got.length, rows.length);

    const native = await loadModel(files, { engine: 'native' });
    assert.equal(native.engine, 'native');
    assertClose(await native.predict(rows), expected, 1e-9);
    await Promise.all([onnx.close(), native.close()]);
  });
}

test('engine choice: auto without model.onnx uses the engine; onnx without it is refused; a tampered file is refused', async () => {
  const { files, rows } = await trainedFixture('regression', 120);
  const withoutOnnx = new Map(files);
  withoutOnnx.delete(ONNX);
  // The manifest lists model.onnx's checksum, so dropping it is an integrity error; rebuild without it.
  const manifest = JSON.parse(Buffer.from(files.get('manifest.json')!).toString('utf8'));
  delete manifest.files[ONNX];
  withoutOnnx.set('manifest.json', Buffer.from(JSON.stringify(manifest)));
  const m = await loadModel(withoutOnnx);
  assert.equal(m.engine, 'native');
  assert.equal((await m.predict(rows.slice(0, 3))).length, 3);
  await assert.rejects(loadModel(withoutOnnx, { engine: 'onnx' }), (e: Error & { code?: string }) => e.code === 'invalid_input');
  const tampered = new Map(files);
  const onnx = Uint8Array.from(files.get(ONNX)!);
  onnx[onnx.length - 1] ^= 1;
  tampered.set(ONNX, onnx);
  await assert.rejects(loadModel(tampered), (e: Error & { code?: string }) => e.code === 'integrity_error');
  await assert.rejects(loadModel(files, { engine: 'gpu' as never }), (e: Error & { code?: string }) => e.code === 'invalid_input');
});

test('close: waits for running predictions, then refuses new ones with unavailable; closing twice is harmless', async () => {
  const { files, rows } = await trainedFixture('binary', 120);
  const m = await loadModel(files);
  const running = m.predict(rows);
  const closing = m.close();
  assert.equal((await running).length, rows.length);
  await closing;
  assert.equal(m.closed, true);
  await assert.rejects(m.predict(rows), (e: Error & { code?: string }) => e.code === 'unavailable');
  await m.close();
});

test('predictTables: several requests in one run give each request its own rows', async () => {
  const { files, rows } = await trainedFixture('binary', 120);
  const m = await loadModel(files);
  const parts = [rows.slice(0, 3), rows.slice(3, 4), rows.slice(4, 10)];
  const together = await m.predictTables(parts.map((p) => m.validate(p)));
  for (let i = 0; i < parts.length; i++) assertClose(together[i], await m.predict(parts[i]), 1e-6);
  await m.close();
});
