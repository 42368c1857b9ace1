// The training loop: seeded minibatches, schedules, clipping, validation, early stopping, checkpoints, cancellation, progress.
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';
import type { ModelInput, SpecModel } from './spec.js';
import {
  resumeFrom,
  runFingerprint,
  saveCheckpoint,
  snapshotState,
  optimizerSlots,
  type CheckpointCipher,
  type LoopState,
  type StateSnapshot,
} from './checkpoint.js';

/** Rows to learn from. input() is called inside a scope per batch: return fresh tensors (or kept ones). */
export interface TrainingSet {
  rows: number;
  input(indices: Int32Array): ModelInput;
  /** Class ids (classification) or values, rows × outputs (regression). */
  targets: Int32Array | Float32Array;
}

export type Objective =
  { kind: 'classification'; classes: number; classWeights?: number[]; labelSmoothing?: number } | { kind: 'regression'; loss?: 'mse' | 'huber' | 'mae' };

export interface TrainOptions {
  epochs: number;
  /** batchSize >= rows means full-batch gradient descent (one step per epoch, no shuffle). */
  batchSize: number;
  /** momentum defaults to 0.9 for 'momentum' and 'nesterov'; weightDecay to 0.01 for 'adamw', else 0. */
  optimizer: { type: 'gd' | 'sgd' | 'momentum' | 'nesterov' | 'adam' | 'adamw'; lr: number; momentum?: number; weightDecay?: number };
  /** Per optimizer step, except `every`, which counts epochs (default a third of them); gamma defaults to 0.1. */
  schedule?: { type: 'constant' | 'cosine' | 'step'; warmupSteps?: number; every?: number; gamma?: number; minFactor?: number };
  clipNorm?: number;
  /**
   * Keeps the weights of the best epoch and stops after `patience` epochs without a better one. Best means the
   * lowest validation loss (train loss when there is no validation set), or, with `metric`, the highest value of
   * that key of validationMetric's result.
   */
  earlyStopping?: { patience: number; minDelta?: number; metric?: string };
  /**
   * Validates, keeps and returns an exponential moving average of the weights (Polyak averaging) rather than the
   * last step's: `decay` per optimizer step (e.g. 0.99 averages about the last 100 steps).
   */
  averageWeights?: { decay: number };
  seed: number;
  /** Resumable after the process dies; the last epoch is always written too. With `cipher`, the file is sealed at rest. */
  checkpoint?: { dir: string; everyEpochs?: number; cipher?: CheckpointCipher };
  /** Checked between steps; training then stops with reason 'cancelled' and the best weights so far. */
  signal?: AbortSignal;
  /** Called synchronously; an exception thrown here ends training (and propagates). */
  onProgress?: (e: ProgressEvent) => void;
  validationMetric?: (model: SpecModel, validation: TrainingSet) => Record<string, number>;
  /** Minimum milliseconds between 'step' events (default 200, i.e. at most ~5 per second; 0 sends every step). */
  stepEventEveryMs?: number;
}

export type ProgressEvent =
  | { type: 'start'; epochs: number; stepsPerEpoch: number; resumedFromEpoch?: number }
  | { type: 'step'; epoch: number; step: number; loss: number; etaSeconds: number }
  | { type: 'epoch'; epoch: number; trainLoss: number; validationLoss?: number; metrics?: Record<string, number>; etaSeconds: number; best: boolean }
  | { type: 'end'; reason: 'completed' | 'early_stopped' | 'cancelled'; bestEpoch: number; epochs: number }
  /** A checkpoint that is damaged or belongs to another run is ignored: training starts over and overwrites it. */
  | { type: 'warning'; code: 'checkpoint_ignored'; message: string };

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validationLoss?: number;
  metrics?: Record<string, number>;
}

export interface TrainResult {
  /** Every completed epoch, including those before a resume. */
  history: EpochRecord[];
  /** The best epoch by the early-stopping rule (by default the lowest validation loss, or train loss without validation); 0 if none completed. */
  bestEpoch: number;
  reason: 'completed' | 'early_stopped' | 'cancelled';
  epochsRun: number;
}

const YIELD_EVERY_MS = 50;
const SHUFFLE = 1,
  DROPOUT = 2; // stream tags for deriveSeed

/**
 * Trains in place. The same seed (and the same initial weights) gives the same weights bit for bit, and
 * a run resumed from a checkpoint ends exactly where an uninterrupted one does, because every epoch's
 * shuffle and dropout masks derive from (seed, epoch) rather than from a stream that a crash would lose.
 * The model is left in eval mode, with its final weights, or the best ones if training stopped early or
 * was cancelled. A NaN or infinite loss throws an AndonError('invalid_input') after restoring the best weights.
 */
export async function train(
  model: SpecModel,
  data: TrainingSet,
  validation: TrainingSet | null,
  objective: Objective,
  opts: TrainOptions,
): Promise<TrainResult> {
  checkInputs(model, data, validation, objective, opts);
  const emit = (e: ProgressEvent): void => opts.onProgress?.(e);
  const rows = data.rows,
    outputs = model.spec.outputs;
  const batchSize = Math.min(opts.batchSize, rows);
  const stepsPerEpoch = Math.ceil(rows / batchSize);
  const params = model.parameters();
  const optimizer = makeOptimizer(params, opts.optimizer);
  const schedule = makeSchedule(opts.schedule, opts.epochs, stepsPerEpoch);
  const es = opts.earlyStopping;
  const every = opts.checkpoint?.everyEpochs ?? 1;
  const stepEveryMs = opts.stepEventEveryMs ?? 200;
  const fingerprint = runFingerprint({
    spec: model.spec,
    seed: opts.seed,
    batchSize,
    optimizer: opts.optimizer.type,
    rows,
    objective: objective.kind,
    average: opts.averageWeights?.decay,
  });
  const average = opts.averageWeights ? new WeightAverage(params, opts.averageWeights.decay) : null;

  let loop: LoopState = { epoch: 0, stepCount: 0, history: [], bestEpoch: 0, bestScore: null, sinceBest: 0 };
  let best: StateSnapshot = snapshotState(model);
  let resumed = false;
  if (opts.checkpoint) {
    const r = await resumeFrom(opts.checkpoint, fingerprint, model, optimizer);
    if (r.status === 'resumed') {
      loop = r.loop;
      best = r.best;
      resumed = true;
      if (average && r.average) average.restore(r.average);
    }
    if (r.status === 'ignored') {
      emit({
        type: 'warning',
        code: 'checkpoint_ignored',
        message: `ignoring the checkpoint in ${opts.checkpoint.dir}: ${r.reason}; training starts from the first epoch`,
      });
    }
  }
  emit({ type: 'start', epochs: opts.epochs, stepsPerEpoch, ...(resumed ? { resumedFromEpoch: loop.epoch } : {}) });

  const fail = (value: number, epoch: number, batch: Int32Array | null): never => {
    model.loadStateDict(best); // never leave the caller holding a NaN model
    const what = Number.isNaN(value) ? 'NaN' : 'infinite';
    // A bad value in the data is not the learning rate's fault: say which it is.
    if (batch && !batchFinite(data, batch))
      throw new AndonError('invalid_input', `loss is ${what} at epoch ${epoch}: the batch's inputs or targets contain NaN or infinite values`, { epoch });
    if (batch && optimizer.stepCount === 0)
      throw new AndonError('invalid_input', `loss is ${what} on the first batch, before any update: check the inputs for extreme values`);
    throw new AndonError(
      'invalid_input',
      `training diverged: loss became ${Number.isNaN(value) ? 'NaN' : 'Infinity'} at epoch ${epoch}; lower the learning rate`,
      { epoch, lr: opts.optimizer.lr },
    );
  };
  const patienceSpent = (): boolean => es !== undefined && loop.sinceBest >= es.patience;
  const rngs = modelRngs(model);
  const started = performance.now(),
    startEpoch = loop.epoch;
  let lastYield = started,
    lastStepEvent = -Infinity,
    stepsRun = 0;
  let reason: TrainResult['reason'] = patienceSpent() ? 'early_stopped' : 'completed';

  try {
    epochs: for (let epoch = loop.epoch + 1; reason === 'completed' && epoch <= opts.epochs; epoch++) {
      rngs.forEach((r, i) => Object.assign(r, new E.Rng(deriveSeed(opts.seed, epoch, DROPOUT, i))));
      const order = stepsPerEpoch === 1 ? identity(rows) : new E.Rng(deriveSeed(opts.seed, epoch, SHUFFLE)).permutation(rows);
      model.train();
      let lossSum = 0,
        weightSum = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        if (opts.signal?.aborted) {
          reason = 'cancelled';
          break epochs;
        }
        const idx = order.subarray(s * batchSize, Math.min(rows, (s + 1) * batchSize));
        optimizer.lr = opts.optimizer.lr * schedule(optimizer.stepCount);
        const loss = E.scope(() => {
          optimizer.zeroGrad();
          const l = batchLoss(model.forward(data.input(idx)), data.targets, idx, objective, outputs);
          const v = l.item();
          if (!Number.isFinite(v)) return v;
          l.backward();
          if (opts.clipNorm) E.clipGradNorm(params, opts.clipNorm);
          optimizer.step();
          average?.update();
          return v;
        });
        if (!Number.isFinite(loss)) fail(loss, epoch, idx);
        const w = batchWeight(data.targets, idx, objective);
        lossSum += loss * w;
        weightSum += w;
        stepsRun++;
        const now = performance.now();
        if (now - lastStepEvent >= stepEveryMs) {
          lastStepEvent = now;
          const left = (opts.epochs - epoch) * stepsPerEpoch + stepsPerEpoch - s - 1;
          emit({ type: 'step', epoch, step: s + 1, loss, etaSeconds: (((now - started) / stepsRun) * left) / 1000 });
        }
        if (now - lastYield >= YIELD_EVERY_MS) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      const trainLoss = lossSum / weightSum;
      if (!paramsFinite(params)) fail(NaN, epoch, null);
      const record: EpochRecord = { epoch, trainLoss };
      average?.swapIn();
      if (validation) {
        record.validationLoss = evaluationLoss(model, validation, objective, Math.max(batchSize, 256));
        if (!Number.isFinite(record.validationLoss)) fail(record.validationLoss, epoch, null);
        if (opts.validationMetric) record.metrics = E.scope(() => E.noGrad(() => opts.validationMetric!(model, validation)));
      }
      // Lower is better: a metric to maximise is negated, so the checkpointed bestScore keeps one meaning.
      const score = es?.metric !== undefined ? -selectionMetric(record, es.metric) : (record.validationLoss ?? trainLoss);
      const improved = loop.bestScore === null || score < loop.bestScore - (es?.minDelta ?? 0);
      if (improved) {
        loop.bestScore = score;
        loop.bestEpoch = epoch;
        loop.sinceBest = 0;
        best = snapshotState(model);
      } else loop.sinceBest++;
      average?.swapOut();
      loop.history.push(record);
      loop.epoch = epoch;
      loop.stepCount = optimizer.stepCount;
      // Written before the epoch event, so a listener that sees epoch N can rely on checkpoint N existing.
      if (opts.checkpoint && (epoch % every === 0 || epoch === opts.epochs || patienceSpent())) {
        await saveCheckpoint(opts.checkpoint, {
          fingerprint,
          loop,
          model: snapshotState(model, false),
          optimizer: optimizerSlots(optimizer),
          best,
          ...(average ? { average: average.state() } : {}),
        });
      }
      const now = performance.now();
      emit({ type: 'epoch', ...record, etaSeconds: (((now - started) / (epoch - startEpoch)) * (opts.epochs - epoch)) / 1000, best: improved });
      if (patienceSpent()) reason = 'early_stopped';
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  } finally {
    optimizer.zeroGrad();
    model.eval();
  }
  if (reason !== 'completed') model.loadStateDict(best);
  else average?.swapIn(); // the averaged weights are the ones validated
  emit({ type: 'end', reason, bestEpoch: loop.bestEpoch, epochs: loop.epoch });
  return { history: loop.history, bestEpoch: loop.bestEpoch, reason, epochsRun: loop.epoch };
}

/**
 * The same run as an async iterator of its events, with the result alongside. Leaving the loop early
 * (break / return) cancels the training.
 */
export function trainEvents(
  model: SpecModel,
  data: TrainingSet,
  validation: TrainingSet | null,
  objective: Objective,
  opts: TrainOptions,
): AsyncIterable<ProgressEvent> & { result: Promise<TrainResult> } {
  const queue: ProgressEvent[] = [];
  let wake: (() => void) | null = null,
    finished = false,
    failure: { error: unknown } | null = null;
  const stop = new AbortController();
  if (opts.signal?.aborted) stop.abort();
  const forward = (): void => stop.abort();
  opts.signal?.addEventListener('abort', forward, { once: true });
  const notify = (): void => {
    const w = wake;
    wake = null;
    w?.();
  };
  const result = train(model, data, validation, objective, {
    ...opts,
    signal: stop.signal,
    onProgress: (e) => {
      opts.onProgress?.(e);
      queue.push(e);
      notify();
    },
  });
  // Handling the rejection here keeps a consumer that only iterates from an unhandled-rejection crash.
  const settle = (f: typeof failure): void => {
    finished = true;
    failure = f;
    opts.signal?.removeEventListener('abort', forward);
    notify();
  };
  result.then(
    () => settle(null),
    (error) => settle({ error }),
  );
  const iterator: AsyncIterator<ProgressEvent> = {
    async next() {
      for (;;) {
        if (queue.length) return { value: queue.shift()!, done: false };
        if (finished) {
          if (failure) {
            const f = failure;
            failure = null;
            throw f.error;
          }
          return { value: undefined, done: true };
        }
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    },
    async return() {
      stop.abort();
      await result.catch(() => undefined);
      return { value: undefined, done: true };
    },
  };
  return { result, [Symbol.asyncIterator]: () => iterator };
}

/** An exponential moving average of the parameters, swapped into the model to validate it and out to train on. */
class WeightAverage {
  private readonly avg: Float32Array[];
  private readonly live: Float32Array[];
  private steps = 0;
  constructor(
    private readonly params: E.Tensor[],
    private readonly decay: number,
  ) {
    this.avg = params.map((p) => Float32Array.from(p.data));
    this.live = params.map((p) => new Float32Array(p.data.length));
  }

  update(): void {
    // The usual warm-up: early on the average leans on recent steps instead of the random initial weights.
    const d = Math.min(this.decay, (1 + ++this.steps) / (10 + this.steps));
    this.params.forEach((p, i) => {
      const a = this.avg[i],
        w = p.data;
      for (let j = 0; j < a.length; j++) a[j] = d * a[j] + (1 - d) * w[j];
    });
  }

  state(): { steps: number; arrays: { shape: number[]; data: Float32Array }[] } {
    return { steps: this.steps, arrays: this.avg.map((a) => ({ shape: [a.length], data: a })) };
  }

  restore(s: { steps: number; arrays: { data: Float32Array }[] }): void {
    if (s.arrays.length !== this.avg.length || s.arrays.some((a, i) => a.data.length !== this.avg[i].length)) return; // not this model's: start afresh
    this.steps = s.steps;
    s.arrays.forEach((a, i) => this.avg[i].set(a.data));
  }

  swapIn(): void {
    this.params.forEach((p, i) => {
      this.live[i].set(p.data);
      p.data.set(this.avg[i]);
    });
  }
  swapOut(): void {
    this.params.forEach((p, i) => p.data.set(this.live[i]));
  }
}

/** Mixes integers into one 32-bit seed, so (seed, epoch, stream) pairs give unrelated Rng streams. */
export function deriveSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p | 0), 0x01000193);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 12;
  }
  return h | 0;
}

/**
 * Every Rng the model holds (its dropout layers'), in a stable order. The engine keeps them private, so
 * they are found by walking the object graph; reseeding one copies a fresh generator's state into it.
 */
function modelRngs(model: object): E.Rng[] {
  const out: E.Rng[] = [],
    seen = new Set<object>();
  const visit = (v: unknown): void => {
    if (!v || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof E.Rng) {
      out.push(v);
      return;
    }
    if (v instanceof E.Tensor || ArrayBuffer.isView(v)) return;
    for (const x of v instanceof Map ? v.values() : Object.values(v)) visit(x);
  };
  visit(model);
  return out;
}

function makeOptimizer(params: E.Tensor[], o: TrainOptions['optimizer']): E.Optimizer {
  const { lr } = o,
    weightDecay = o.weightDecay ?? 0;
  switch (o.type) {
    case 'gd':
      return new E.GradientDescent(params, { lr, weightDecay });
    case 'sgd':
      return new E.SGD(params, { lr, momentum: o.momentum ?? 0, weightDecay });
    case 'momentum':
      return new E.SGD(params, { lr, momentum: o.momentum ?? 0.9, weightDecay });
    case 'nesterov':
      return new E.SGD(params, { lr, momentum: o.momentum ?? 0.9, nesterov: true, weightDecay });
    case 'adam':
      return new E.Adam(params, { lr, weightDecay });
    case 'adamw':
      return new E.AdamW(params, { lr, weightDecay: o.weightDecay ?? 0.01 });
    default:
      throw new AndonError('invalid_input', `unknown optimizer ${JSON.stringify((o as { type: unknown }).type)}`, {
        known: ['gd', 'sgd', 'momentum', 'nesterov', 'adam', 'adamw'],
      });
  }
}

/** The multiplier of the base learning rate by optimizer step, a pure function so a resumed run continues it. */
function makeSchedule(s: TrainOptions['schedule'], epochs: number, stepsPerEpoch: number): E.Schedule {
  if (!s) return E.constant();
  const warm = s.warmupSteps ?? 0;
  let after: E.Schedule;
  switch (s.type) {
    case 'constant':
      after = E.constant();
      break;
    case 'cosine':
      after = E.cosine(Math.max(1, epochs * stepsPerEpoch - warm), s.minFactor ?? 0);
      break;
    case 'step':
      after = E.stepDecay((s.every ?? Math.max(1, Math.floor(epochs / 3))) * stepsPerEpoch, s.gamma ?? 0.1);
      break;
    default:
      throw new AndonError('invalid_input', `unknown schedule ${JSON.stringify((s as { type: unknown }).type)}`, { known: ['constant', 'cosine', 'step'] });
  }
  return warm > 0 ? E.linearWarmup(warm, after) : after;
}

function batchLoss(out: E.Tensor, targets: TrainingSet['targets'], idx: Int32Array, objective: Objective, outputs: number): E.Tensor {
  if (objective.kind === 'classification') {
    const t = new Int32Array(idx.length);
    for (let i = 0; i < idx.length; i++) t[i] = targets[idx[i]];
    return E.crossEntropyLoss(out, t, { classWeights: objective.classWeights, labelSmoothing: objective.labelSmoothing });
  }
  const y = E.empty([idx.length, outputs]),
    v = y.data;
  for (let i = 0; i < idx.length; i++) for (let j = 0; j < outputs; j++) v[i * outputs + j] = targets[idx[i] * outputs + j];
  switch (objective.loss ?? 'mse') {
    case 'huber':
      return E.huberLoss(out, y);
    case 'mae':
      return E.maeLoss(out, y);
    default:
      return E.mseLoss(out, y);
  }
}

/** What a batch's mean loss is divided by, so epoch losses average exactly over rows (or class weights). */
function batchWeight(targets: TrainingSet['targets'], idx: Int32Array, objective: Objective): number {
  const w = objective.kind === 'classification' ? objective.classWeights : undefined;
  if (!w) return idx.length;
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += w[targets[idx[i]]];
  return s;
}

/** Mean loss over a whole set in eval mode without a graph. */
export function evaluationLoss(model: SpecModel, set: TrainingSet, objective: Objective, batch = 1024): number {
  model.eval();
  let sum = 0,
    weights = 0;
  E.noGrad(() => {
    for (let s = 0; s < set.rows; s += batch) {
      const idx = identity(Math.min(batch, set.rows - s), s);
      E.scope(() => {
        const w = batchWeight(set.targets, idx, objective);
        sum += batchLoss(model.forward(set.input(idx)), set.targets, idx, objective, model.spec.outputs).item() * w;
        weights += w;
      });
    }
  });
  return sum / weights;
}

/** Whether a batch's model input and targets are all finite numbers (checked only after a bad loss). */
function batchFinite(data: TrainingSet, idx: Int32Array): boolean {
  for (let i = 0; i < idx.length; i++) if (!Number.isFinite(data.targets[idx[i]])) return false;
  return E.scope(() => {
    const x = data.input(idx);
    return [x.dense, x.window].every((t) => !t || paramsFinite([t]));
  });
}

function paramsFinite(params: E.Tensor[]): boolean {
  for (const p of params) {
    const d = p.data;
    for (let i = 0; i < d.length; i++) if (!Number.isFinite(d[i])) return false;
  }
  return true;
}

function identity(n: number, from = 0): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = from + i;
  return a;
}

const yieldToEventLoop = (): Promise<void> => new Promise((r) => setImmediate(r));

function bad(message: string): never {
  throw new AndonError('invalid_input', message);
}

/** The early-stopping metric of an epoch; a non-finite value (nothing to rank yet) counts as the worst. */
function selectionMetric(record: EpochRecord, metric: string): number {
  const v = record.metrics?.[metric];
  if (typeof v !== 'number') bad(`the early-stopping metric "${metric}" is missing from validationMetric's result`);
  return Number.isFinite(v) ? v : -Infinity;
}
const posInt = (v: unknown): boolean => Number.isInteger(v) && (v as number) > 0;

function checkSet(set: TrainingSet, name: string, objective: Objective, outputs: number): void {
  if (!posInt(set.rows)) bad(`${name} set has no rows`);
  const t = set.targets;
  if (objective.kind === 'classification') {
    if (!(t instanceof Int32Array)) bad(`${name} targets must be class ids in an Int32Array`);
    if (t.length !== set.rows) bad(`${name} set has ${set.rows} rows but ${t.length} targets`);
    for (let i = 0; i < t.length; i++)
      if (t[i] < 0 || t[i] >= objective.classes) bad(`${name} target ${t[i]} at row ${i} is not a class id in [0, ${objective.classes})`);
  } else if (t.length !== set.rows * outputs) bad(`${name} set has ${set.rows} rows × ${outputs} outputs but ${t.length} targets`);
}

function checkInputs(model: SpecModel, data: TrainingSet, validation: TrainingSet | null, objective: Objective, o: TrainOptions): void {
  const outputs = model.spec.outputs;
  if (!posInt(o.epochs)) bad(`epochs must be a positive integer, got ${o.epochs}`);
  if (!posInt(o.batchSize)) bad(`batchSize must be a positive integer, got ${o.batchSize}`);
  if (!Number.isInteger(o.seed)) bad(`seed must be an integer, got ${o.seed}`);
  if (!o.optimizer || !(Number.isFinite(o.optimizer.lr) && o.optimizer.lr > 0)) bad(`the learning rate must be a positive number, got ${o.optimizer?.lr}`);
  if (o.optimizer.momentum !== undefined && !(o.optimizer.momentum >= 0 && o.optimizer.momentum < 1)) bad('momentum must be in [0, 1)');
  if (o.optimizer.weightDecay !== undefined && !(o.optimizer.weightDecay >= 0)) bad('weightDecay must be >= 0');
  if (o.clipNorm !== undefined && !(o.clipNorm > 0)) bad('clipNorm must be positive');
  if (o.averageWeights && !(o.averageWeights.decay > 0 && o.averageWeights.decay < 1)) bad('averageWeights.decay must be between 0 and 1');
  if (o.earlyStopping && !posInt(o.earlyStopping.patience)) bad('earlyStopping.patience must be a positive integer');
  if (o.earlyStopping?.metric !== undefined && (!validation || !o.validationMetric)) bad('earlyStopping.metric needs a validation set and a validationMetric');
  if (o.checkpoint && (!o.checkpoint.dir || (o.checkpoint.everyEpochs !== undefined && !posInt(o.checkpoint.everyEpochs))))
    bad('checkpoint needs a dir and a positive everyEpochs');
  if (objective.kind === 'classification') {
    if (objective.classes !== outputs) bad(`the objective has ${objective.classes} classes but the model ${outputs} outputs`);
    if (objective.classWeights && objective.classWeights.length !== objective.classes)
      bad(`${objective.classWeights.length} class weights for ${objective.classes} classes`);
  } else if (objective.kind !== 'regression') bad(`unknown objective ${JSON.stringify((objective as { kind: unknown }).kind)}`);
  checkSet(data, 'training', objective, outputs);
  if (validation) checkSet(validation, 'validation', objective, outputs);
}
