// The main-thread side of a training worker: start it (from TypeScript sources through tsx, or from compiled JS), relay progress and cancels, collect the bundle.
import { Worker } from 'node:worker_threads';
import { AndonError, type ErrorCode } from '../errors.js';
import type { ProgressEvent } from '../ml/trainer.js';
import type { TrainingWarning } from '../ml/train-bundle.js';
import type { TrainingWork, WorkerMessage } from './training-worker.js';

export interface TrainingResult {
  files: Map<string, Uint8Array>;
  stopped: string;
  /** What the bundle lacks and why (train-bundle.ts's ONNX policy); also in its manifest. */
  warnings: TrainingWarning[];
}

export interface TrainingThread {
  /** Asks the worker to stop after the current step; it still answers with the best weights so far. */
  cancel(): void;
  /** Stops the thread at once (shutdown). */
  terminate(): Promise<void>;
  done: Promise<TrainingResult>;
}

function workerUrl(): { url: URL; fromSource: boolean } {
  // Running from .ts sources (tests, tsx), the worker needs tsx too; compiled, it is plain JS.
  const fromSource = import.meta.url.endsWith('.ts');
  return { url: new URL(fromSource ? './training-worker.ts' : './training-worker.js', import.meta.url), fromSource };
}

export function startTrainingThread(work: TrainingWork, onProgress: (e: ProgressEvent) => void): TrainingThread {
  const { url, fromSource } = workerUrl();
  // From sources, a tiny eval'd entry loads the .ts file through tsx's tsImport: on Node 20, `execArgv: ['--import', 'tsx']`
  // does not reach a worker's module loader ("Unknown file extension .ts").
  const boot = `import('tsx/esm/api').then(({ tsImport }) => tsImport(${JSON.stringify(url.href)}, ${JSON.stringify(url.href)}))`;
  const worker = fromSource ? new Worker(boot, { eval: true, workerData: { andonTraining: work } }) : new Worker(url, { workerData: { andonTraining: work } });
  let settled = false;
  const done = new Promise<TrainingResult>((resolve, reject) => {
    const finish = (f: () => void) => {
      if (!settled) {
        settled = true;
        f();
      }
    };
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'progress') onProgress(m.event);
      else if (m.type === 'done') finish(() => resolve({ files: new Map(m.files), stopped: m.stopped, warnings: m.warnings }));
      else if (m.type === 'error') finish(() => reject(new AndonError(m.code as ErrorCode, m.message, m.details)));
    });
    worker.on('error', (e) => finish(() => reject(new AndonError('internal', `the training thread crashed: ${e.message}`))));
    worker.on('exit', (code) => finish(() => reject(new AndonError('internal', `the training thread exited (code ${code}) before it finished`))));
  });
  // The exit after a result is expected; keep a rejection nobody awaits from surfacing as unhandled.
  done.catch(() => {});
  return {
    cancel: () => {
      if (!settled) worker.postMessage('cancel');
    },
    terminate: async () => {
      await worker.terminate();
    },
    done,
  };
}
