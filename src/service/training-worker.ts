// The training worker thread: reads the dataset bytes, fits the model (resuming from its checkpoint), and posts progress and the bundle files back.
// Started by ./training-thread.ts; it touches no store, so the main thread alone decides what is registered.
import { parentPort, workerData } from 'node:worker_threads';
import { readTable, type FileFormat } from '../data/readers/index.js';
import { fitModel, type FitOptions } from '../ml/fit.js';
import { bundleFiles } from '../ml/bundle.js';
import { exportOnnx } from '../ml/onnx/index.js';
import type { ProgressEvent } from '../ml/trainer.js';

/** What the main thread sends at start: plain data (structured-cloned). */
export interface TrainingWork {
  bytes: Uint8Array;
  format: FileFormat;
  fit: Omit<FitOptions, 'signal' | 'onProgress' | 'checkpointDir'>;
  checkpointDir?: string;
}

export type WorkerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'done'; files: Array<[string, Uint8Array]>; stopped: string; onnxError?: string }
  | { type: 'error'; code: string; message: string; details: Record<string, unknown> };

async function run(work: TrainingWork, port: NonNullable<typeof parentPort>): Promise<void> {
  const controller = new AbortController();
  port.on('message', (m) => { if (m === 'cancel') controller.abort(); });
  const post = (m: WorkerMessage) => port.postMessage(m);
  try {
    const { table } = await readTable(work.bytes, { format: work.format });
    const fitted = await fitModel(table, {
      ...work.fit, signal: controller.signal, onProgress: (event) => post({ type: 'progress', event }),
      ...(work.checkpointDir ? { checkpointDir: work.checkpointDir } : {}),
    });
    let onnx: Uint8Array | undefined, onnxError: string | undefined;
    // The engine bundle serves without ONNX; an architecture the exporter does not cover only loses the fast path.
    try { onnx = exportOnnx(fitted.model); } catch (e) { onnxError = e instanceof Error ? e.message : String(e); }
    const files = [...bundleFiles(fitted, onnx)];
    post({ type: 'done', files, stopped: fitted.manifest.training.stopped, ...(onnxError ? { onnxError } : {}) });
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; details?: unknown };
    post({
      type: 'error',
      code: typeof err?.code === 'string' ? err.code : 'internal',
      message: typeof err?.message === 'string' ? err.message : String(e),
      details: err?.details && typeof err.details === 'object' ? err.details as Record<string, unknown> : {},
    });
  } finally {
    port.close();
  }
}

if (parentPort && workerData && (workerData as { andonTraining?: unknown }).andonTraining) {
  void run((workerData as { andonTraining: TrainingWork }).andonTraining, parentPort);
}
