// TensorFlow.js (WASM backend) side of the engine benchmark, run as its own process: `mlp` or `matmul`.
// The .wasm binaries ship inside @tensorflow/tfjs-backend-wasm; setWasmPaths points at them so nothing is fetched.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  bestOf,
  checkMatmul,
  configFromArgs,
  emitResult,
  fillNormal,
  log,
  matmulSizes,
  parseArgs,
  readDataSet,
  runEpochs,
  type MatmulResult,
  type MlpResult,
} from './common.js';

const [task = 'mlp', ...rest] = process.argv.slice(2);
const args = parseArgs(rest);

const require = createRequire(import.meta.url);
// tfjs-core's bundle registers no gradients (the @tensorflow/tfjs union package adds them). The ES-module sources
// that do are loaded through require, which tsx transpiles; tfjs keeps its registries global, so they reach `tf`.
require('@tensorflow/tfjs-core/dist/register_all_gradients.js');
const wasmPkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
setWasmPaths(join(dirname(wasmPkg), 'dist') + '/');
if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
await tf.ready();
const info = {
  backend: tf.getBackend(),
  version: (require('@tensorflow/tfjs-core/package.json') as { version: string }).version,
  threads: getThreadsCount(),
  simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
};

function mlp(): MlpResult {
  const c = configFromArgs(args);
  const data = readDataSet(args.get('data')!, c);
  // PyTorch's default init (uniform ±1/√fan_in) so the starting loss matches the other peers.
  const dense = (inF: number, outF: number, seed: number) => ({
    w: tf.variable(tf.randomUniform([inF, outF], -1 / Math.sqrt(inF), 1 / Math.sqrt(inF), 'float32', seed)),
    b: tf.variable(tf.randomUniform([outF], -1 / Math.sqrt(inF), 1 / Math.sqrt(inF), 'float32', seed + 1)),
  });
  const l1 = dense(c.features, c.hidden, 10),
    l2 = dense(c.hidden, c.hidden, 20),
    l3 = dense(c.hidden, c.classes, 30);
  const forward = (x: tf.Tensor2D) => {
    const h1 = tf.relu(tf.add(tf.matMul(x, l1.w), l1.b));
    const h2 = tf.relu(tf.add(tf.matMul(h1, l2.w), l2.b));
    return tf.add(tf.matMul(h2, l3.w), l3.b);
  };
  const opt = tf.train.momentum(c.lr, c.momentum);
  // Returns the loss tensor (the caller disposes it) so a read forces no sync on steps that don't look.
  const step = (b: number): tf.Scalar =>
    tf.tidy(() => {
      const at = b * c.batch;
      const x = tf.tensor2d(data.x.subarray(at * c.features, (at + c.batch) * c.features), [c.batch, c.features]);
      const y = tf.oneHot(tf.tensor1d(data.y.subarray(at, at + c.batch), 'int32'), c.classes);
      return opt.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x), undefined, 0, tf.Reduction.MEAN) as tf.Scalar, true)!;
    });

  // The wasm backend runs each op when it is called; dataSync() reads the loss without waiting on anything.
  return {
    ...runEpochs(
      c,
      step,
      (l) => l.dataSync()[0],
      (l) => l.dispose(),
    ),
    ...info,
    tensors_alive: tf.memory().numTensors,
  };
}

function matmul(): MatmulResult {
  const budget = Number(args.get('budget_ms') ?? '1500');
  const out: MatmulResult = { gflops: {}, best_ms: {}, reps: {}, max_rel_err: 0, ...info };
  for (const n of matmulSizes) {
    const av = new Float32Array(n * n),
      bv = new Float32Array(n * n);
    fillNormal(av, n * n, 1);
    fillNormal(bv, n * n, 2);
    const a = tf.tensor2d(av, [n, n]),
      b = tf.tensor2d(bv, [n, n]);
    let result: Float32Array = new Float32Array(0);
    const { bestMs, reps } = bestOf(
      () => {
        const c = tf.matMul(a, b);
        result = c.dataSync() as Float32Array;
        c.dispose();
      },
      budget,
      n >= 1024 ? 2 : 3,
    );
    out.gflops[n] = (2 * n ** 3) / (bestMs / 1000) / 1e9;
    out.best_ms[n] = bestMs;
    out.reps[n] = reps;
    out.max_rel_err = Math.max(out.max_rel_err, checkMatmul(av, bv, result, n));
    log(`  tfjs-wasm matmul ${n}: ${out.gflops[n].toFixed(2)} GFLOP/s (${reps} reps)`);
    a.dispose();
    b.dispose();
  }
  return out;
}

if (task === 'mlp') emitResult(mlp());
else if (task === 'matmul') emitResult(matmul());
else throw new Error(`unknown task ${task}`);
process.exit(0);
