// The training worker thread: reads the dataset bytes, trains the job's spec into bundle files (resuming from its checkpoint), and posts progress and the files back.
// Started by ./training-thread.ts; it touches no store, so the main thread alone decides what is registered.
import { parentPort, workerData } from 'node:worker_threads';
import { readTable, type FileFormat } from '../data/readers/index.js';
import { trainBundle, type TrainHooks, type TrainingWarning } from '../ml/train-bundle.js';
import type { TrainingSpec } from '../ml/training-spec.js';
import type { ProgressEvent } from '../ml/trainer.js';
import type { CheckpointCipher } from '../ml/checkpoint.js';
import { openBlobWith, sealBlob } from '../security/envelope.js';
import type { CheckpointKey } from './checkpoint-key.js';

/** What the main thread sends at start: plain data (structured-cloned). */
export interface TrainingWork {
  bytes: Uint8Array;
  format: FileFormat;
  /** The job's checked spec. */
  spec: TrainingSpec;
  checkpointDir?: string;
  /** Seals the checkpoints at rest (see ./checkpoint-key.ts). */
  checkpointKey?: CheckpointKey;
}

export type WorkerMessage =
  | { type: 'progress'; event: ProgressEvent }
  | { type: 'done'; files: Array<[string, Uint8Array]>; stopped: string; warnings: TrainingWarning[] }
  | { type: 'error'; code: string; message: string; details: Record<string, unknown> };

/** The thread's work without the thread: the table from the bytes, then trainBundle (the one fit → export → bundle path and its ONNX policy). */
export async function trainWork(work: TrainingWork, hooks: TrainHooks = {}): Promise<Extract<WorkerMessage, { type: 'done' }>> {
  const { table } = await readTable(work.bytes, { format: work.format });
  const { files, manifest, warnings } = await trainBundle(table, work.spec, {
    ...hooks,
    ...(work.checkpointDir ? { checkpointDir: work.checkpointDir } : {}),
    ...(work.checkpointKey ? { checkpointCipher: checkpointCipher(work.checkpointKey) } : {}),
  });
  return { type: 'done', files: [...files], stopped: manifest.training.stopped, warnings };
}

/** Checkpoint files sealed like blobs (AES-256-GCM, src/security/envelope.ts) under the job's key, bound to tenant and job. */
function checkpointCipher(k: CheckpointKey): CheckpointCipher {
  const dataKey = { id: k.id, key: Buffer.from(k.key) };
  return { seal: (bytes) => sealBlob(dataKey, bytes, k.context, { random: true }), open: (bytes) => openBlobWith(dataKey, bytes, k.context) };
}

async function run(work: TrainingWork, port: NonNullable<typeof parentPort>): Promise<void> {
  const controller = new AbortController();
  port.on('message', (m) => {
    if (m === 'cancel') controller.abort();
  });
  const post = (m: WorkerMessage) => port.postMessage(m);
  try {
    post(await trainWork(work, { signal: controller.signal, onProgress: (event) => post({ type: 'progress', event }) }));
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown; details?: unknown };
    post({
      type: 'error',
      code: typeof err?.code === 'string' ? err.code : 'internal',
      message: typeof err?.message === 'string' ? err.message : String(e),
      details: err?.details && typeof err.details === 'object' ? (err.details as Record<string, unknown>) : {},
    });
  } finally {
    port.close();
  }
}

if (parentPort && workerData && (workerData as { andonTraining?: unknown }).andonTraining) {
  void run((workerData as { andonTraining: TrainingWork }).andonTraining, parentPort);
}
