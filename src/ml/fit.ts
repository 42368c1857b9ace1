// Trains a model from a raw table: task, split, pipeline, architecture from a template, training, evaluation.
import { join } from 'node:path';
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';
import { Table } from '../data/table.js';
import {
  Pipeline,
  buildTabularPipeline,
  OneHotEncoder,
  OrdinalEncoder,
  TokenBagsEncoder,
  TokenSequenceEncoder,
  type Encoder,
  type Step,
  type Features,
} from '../data/pipeline/index.js';
import { stratifiedSplit, randomSplit, groupSplit } from '../data/split.js';
import { makeWindows, lastWindowPerGroup, type Windows } from '../data/windows.js';
import { checkMembers, SpecModel, type ModelSpec, type LayerSpec, type InputSpec } from './spec.js';
import { train, type Objective, type TrainOptions, type TrainResult, type ProgressEvent, type TrainingSet } from './trainer.js';
import type { CheckpointCipher } from './checkpoint.js';
import { averagePrecisionScore } from './selection.js';
import { unrelatedColumns } from './relevance.js';
import { positiveClass } from './metrics.js';
import { resolveTask, targetValues, type ResolvedTask, type TaskRequest } from './task.js';
import { defaultTemplate, getTemplate, type Template, type TrainingDefaults } from './templates.js';
import { featureSet, windowSet, predictAll } from './dataset.js';
import { scoreOutputs, type Metrics } from './evaluate.js';

export interface FitOptions extends TaskRequest {
  template?: string;
  seed?: number;
  /** Fraction of rows (or units, for RUL) held out for early stopping and the reported metrics. */
  validationFraction?: number;
  training?: Partial<TrainingDefaults>;
  /** Overrides the template's ensemble size (1: a single model). */
  members?: number;
  /** Replaces the template's hidden layers with a custom list. */
  hidden?: LayerSpec[];
  textModel?: 'bag' | 'transformer';
  positiveLabel?: string;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  checkpointDir?: string;
  /** Seals the checkpoints at rest (the service passes one under the tenant's key). */
  checkpointCipher?: CheckpointCipher;
}

/** Everything a bundle stores to replay the model on raw rows. */
export interface ModelManifest {
  format_version: 1;
  task: ResolvedTask['name'];
  template: string;
  target: string;
  labels: string[];
  positive_label?: string;
  threshold?: number;
  /** The raw columns a request carries; a categorical one lists the values training saw (most frequent 50). */
  input_schema: { name: string; type: string; categories?: string[] }[];
  rul?: { group_column: string; time_column: string; window: number; cap: number };
  target_scaling?: { mean: number; std: number };
  pipeline: ReturnType<Pipeline['toJSON']>;
  spec: ModelSpec;
  metrics: Metrics;
  /** The first member's run, for an ensemble (whose members' runs are listed in `members`). */
  training: {
    seed: number;
    epochs_run: number;
    best_epoch: number;
    stopped: string;
    rows_train: number;
    rows_validation: number;
    options: TrainingDefaults;
    members?: { seed: number; epochs_run: number; best_epoch: number; stopped: string }[];
  };
  /** What the bundle lacks and why (train-bundle.ts: an architecture the ONNX exporter does not cover). */
  warnings?: { code: string; message: string }[];
}

export interface FittedModel {
  manifest: ModelManifest;
  model: SpecModel;
  pipeline: Pipeline;
}

/** Trains on `table` following the template (or the task's default one) and the user's overrides. */
export async function fitModel(table: Table, opts: FitOptions): Promise<FittedModel> {
  const seed = opts.seed ?? 0;
  let task = resolveTask(table, opts);
  const template = opts.template ? getTemplate(opts.template) : defaultTemplate(task.name);
  if (!template.tasks.includes(task.name)) {
    throw new AndonError('invalid_input', `template "${template.name}" trains ${template.tasks.join('/')}, but the task is ${task.name}`);
  }
  const cap = task.name === 'rul' ? (opts.rulCap ?? template.rul!.cap) : undefined;
  const training: TrainingDefaults = { ...template.training, ...(opts.training ?? {}) };

  // Rows without a target cannot teach anything.
  const allTargets = targetValues(table, task, cap);
  const keep = Int32Array.from([...allTargets.keys()].filter((i) => (task.kind === 'classification' ? allTargets[i] >= 0 : Number.isFinite(allTargets[i]))));
  if (keep.length < 2) throw new AndonError('empty_input', `fewer than 2 rows have a value in target "${task.target}"`);
  const data = keep.length === table.rowCount ? table : table.take(keep);
  const targets = keep.length === table.rowCount ? allTargets : pick(allTargets, keep);

  const vf = opts.validationFraction ?? 0.2;
  const fractions = { train: 1 - vf, validation: vf, test: 0 };
  const splitWith = (splitSeed: number) => {
    const split =
      task.name === 'rul'
        ? groupSplit(data, task.groupColumn!, { fractions, seed: splitSeed })
        : task.kind === 'classification'
          ? stratifiedSplit(data.withColumn(labelColumn(targets as Int32Array)), '__label', { fractions, seed: splitSeed })
          : randomSplit(data, { fractions, seed: splitSeed });
    if (split.train.length === 0 || split.validation.length === 0) throw new AndonError('empty_input', 'too few rows to hold out validation rows');
    return split;
  };
  // An ensemble's members each hold out other rows (units, for RUL), so that together they learn from all of them.
  const members = checkMembers(opts.members ?? template.members ?? 1);
  const splits = Array.from({ length: members }, (_, j) => splitWith(seed + j));
  // The pipeline, the columns it reads and the target's scaling are learnt from the training rows: a single model's,
  // or all rows for an ensemble, whose members must share them and whose training rows differ.
  const fitRows = members > 1 ? Int32Array.from({ length: data.rowCount }, (_, i) => i) : splits[0].train;
  const fitTable = data.take(fitRows),
    fitTargets = pick(targets, fitRows);

  if (template.rul?.dropUnrelated && task.name === 'rul') {
    // A window model sees every reading of every step, so a column of pure noise lets it memorise the training
    // units instead of learning wear; columns with no relation to the remaining life are left out of the features.
    // They stay in the input schema: requests carry the columns of the file the model was trained on, and the
    // fitted pipeline (which lists the columns it reads) simply ignores these.
    const drop = new Set(unrelatedColumns(fitTable, task.numeric, fitTargets));
    if (drop.size) task = { ...task, numeric: task.numeric.filter((c) => !drop.has(c)) };
  }
  const pipeline = buildPipeline(task, template, opts);
  pipeline.fit(fitTable);
  const scaling = task.kind === 'regression' ? meanStd(fitTargets) : undefined;
  const outputs = task.kind === 'classification' ? task.labels.length : 1;

  /** The training and validation sets of one split, through the fitted pipeline (windows, for RUL). */
  const setsOf = (split: { train: Int32Array; validation: Int32Array }) => {
    const trainTable = data.take(split.train),
      validTable = data.take(split.validation);
    const trainTargets = pick(targets, split.train),
      validTargets = pick(targets, split.validation);
    if (task.name === 'rul') {
      const tw = windowsOf(trainTable, pipeline, task, template.rul!.window, false);
      const vw = windowsOf(validTable, pipeline, task, template.rul!.window, false);
      return {
        trainSet: windowSet(tw.data, tw.count, tw.window, tw.features, scaled(pick(trainTargets, tw.endRow), scaling!)),
        validSet: windowSet(vw.data, vw.count, vw.window, vw.features, scaled(pick(validTargets, vw.endRow), scaling!)),
        input: { kind: 'window', length: tw.window, features: tw.features } as InputSpec,
        validUnits: vw.group as (string | number | null)[] | undefined,
      };
    }
    const tf = pipeline.transform(trainTable),
      vfeat = pipeline.transform(validTable);
    const cast = (t: Float64Array | Int32Array) => (task.kind === 'classification' ? (t as Int32Array) : scaled(t, scaling!));
    return {
      trainSet: featureSet(tf, cast(trainTargets)),
      validSet: featureSet(vfeat, cast(validTargets)),
      input: inputSpecOf(tf, template, opts),
      validUnits: undefined,
    };
  };

  const runs: { model: SpecModel; result: TrainResult; sets: ReturnType<typeof setsOf>; raw: Float32Array }[] = [];
  for (let j = 0; j < members && !opts.signal?.aborted; j++) {
    const sets = setsOf(splits[j]);
    const model = new SpecModel({ input: sets.input, layers: layersFor(sets.input, template, opts), outputs }, new E.Rng(seed + j));
    const objective: Objective =
      task.kind === 'classification'
        ? {
            kind: 'classification',
            classes: outputs,
            ...(template.balanceClasses ? { classWeights: balancedWeights(sets.trainSet.targets as Int32Array, outputs) } : {}),
          }
        : { kind: 'regression', loss: 'mse' };
    // Each member checkpoints in its own folder, so a resumed job replays finished members and goes on with the rest.
    const checkpointDir = opts.checkpointDir && members > 1 ? join(opts.checkpointDir, `member-${j}`) : opts.checkpointDir;
    const result = await train(model, sets.trainSet, sets.validSet, objective, {
      ...trainOptions(training, seed + j, { ...opts, checkpointDir }),
      ...selection(template, task, sets.validSet, outputs, training.patience, opts.positiveLabel),
    });
    runs.push({ model, result, sets, raw: predictAll(model, sets.validSet, outputs) });
  }
  const model = runs.length > 1 ? SpecModel.ensemble(runs.map((r) => r.model)) : runs[0].model;
  const spec = model.spec;
  const {
    result,
    sets: { trainSet, validSet },
  } = runs[0];

  // Validation metrics from each member's predictions on the rows it held out (an ensemble of members is usually a
  // little better than this; its own predictions on those rows would be leaked by the other members).
  const scored = scoreOutputs(task, concat(runs.map((r) => r.raw)), concat(runs.map((r) => r.sets.validSet.targets)), {
    labels: task.labels,
    positiveLabel: opts.positiveLabel,
    tuneThreshold: template.tuneThreshold,
    scaling,
    targetsScaled: true,
    cap,
    ...(task.name === 'rul' ? { units: runs.flatMap((r, j) => r.sets.validUnits!.map((u) => `${j}/${String(u)}`)) } : {}),
  });
  const manifest: ModelManifest = {
    format_version: 1,
    task: task.name,
    template: template.name,
    target: task.target,
    labels: task.labels,
    ...(scored.positiveLabel !== undefined ? { positive_label: scored.positiveLabel } : {}),
    ...(scored.threshold !== undefined ? { threshold: scored.threshold } : {}),
    input_schema: withCategories(task.inputs, pipeline),
    ...(task.name === 'rul' ? { rul: { group_column: task.groupColumn!, time_column: task.timeColumn!, window: template.rul!.window, cap: cap! } } : {}),
    ...(scaling ? { target_scaling: scaling } : {}),
    pipeline: pipeline.toJSON(),
    spec,
    metrics: scored.metrics,
    training: {
      // A cancelled member (or one never started) cancels the whole run: callers register nothing.
      seed,
      epochs_run: result.epochsRun,
      best_epoch: result.bestEpoch,
      stopped: runs.length < members || runs.some((r) => r.result.reason === 'cancelled') ? 'cancelled' : result.reason,
      rows_train: trainSet.rows,
      rows_validation: validSet.rows,
      options: training,
      ...(runs.length > 1
        ? { members: runs.map((r, j) => ({ seed: seed + j, epochs_run: r.result.epochsRun, best_epoch: r.result.bestEpoch, stopped: r.result.reason })) }
        : {}),
    },
  };
  return { manifest, model, pipeline };
}

function pick<T extends Int32Array | Float64Array | Float32Array>(a: T, idx: ArrayLike<number>): T {
  const out = new (a.constructor as { new (n: number): T })(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

/** The arrays one after another, in an array of the first one's type. */
function concat<T extends Float32Array | Int32Array>(parts: T[]): T {
  if (parts.length === 1) return parts[0];
  const out = new (parts[0].constructor as { new (n: number): T })(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function labelColumn(ids: Int32Array) {
  return { type: 'number' as const, name: '__label', values: Float64Array.from(ids) };
}

function meanStd(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0,
    s2 = 0;
  for (let i = 0; i < v.length; i++) {
    s += v[i];
    s2 += v[i] * v[i];
  }
  const mean = s / v.length;
  const std = Math.sqrt(Math.max(0, s2 / v.length - mean * mean));
  return { mean, std: std > 1e-12 ? std : 1 };
}

function scaled(v: ArrayLike<number>, s: { mean: number; std: number }): Float32Array {
  return Float32Array.from({ length: v.length }, (_, i) => (v[i] - s.mean) / s.std);
}

/** Inverse-frequency class weights, normalised to mean 1 and capped so one rare class cannot dominate. */
function balancedWeights(y: Int32Array, classes: number): number[] {
  const counts = new Array(classes).fill(0);
  for (const c of y) counts[c]++;
  const raw = counts.map((n) => (n > 0 ? y.length / (classes * n) : 0));
  return raw.map((w) => Math.min(w, 25));
}

/** The inputs, each categorical one with the categories its fitted encoder names (for forms that offer them). */
function withCategories(inputs: ResolvedTask['inputs'], pipeline: Pipeline): ModelManifest['input_schema'] {
  const known = new Map<string, string[]>();
  for (const e of pipeline.encoders) {
    if ((e instanceof OneHotEncoder || e instanceof OrdinalEncoder) && e.categories) e.options.columns.forEach((c, i) => known.set(c, [...e.categories![i]]));
  }
  return inputs.map((c) => (known.has(c.name) ? { ...c, categories: known.get(c.name)! } : c));
}

export function buildPipeline(task: ResolvedTask, template: Template, opts: Pick<FitOptions, 'textModel'>): Pipeline {
  let steps: Step[] = [],
    encoders: Encoder[] = [];
  if (task.numeric.length + task.categorical.length + task.datetime.length > 0) {
    const tab = buildTabularPipeline({ numeric: task.numeric, categorical: task.categorical, datetime: task.datetime });
    steps = [...tab.steps];
    encoders = [...tab.encoders];
  }
  if (task.text.length) {
    const t = template.text!;
    const model = opts.textModel ?? t.model;
    const column = task.text[0];
    encoders.push(
      model === 'bag'
        ? new TokenBagsEncoder({
            column,
            index: { type: 'vocabulary', maxSize: t.vocabulary, minCount: 1 },
            ngramBuckets: t.ngramBuckets,
            text: { tokenize: { wordNgrams: t.wordNgrams } },
          })
        : new TokenSequenceEncoder({ column, index: { type: 'vocabulary', maxSize: t.vocabulary, minCount: 1 }, length: t.length }),
    );
  }
  return new Pipeline(steps, encoders);
}

function inputSpecOf(f: Features, template: Template, opts: Pick<FitOptions, 'textModel'>): InputSpec {
  if (f.bags.length) return { kind: 'bags', vocab: f.bags[0].vocabSize, ...(f.dense.width ? { dense: f.dense.width } : {}) };
  if (f.sequences.length)
    return { kind: 'sequence', vocab: f.sequences[0].vocabSize, length: f.sequences[0].length, ...(f.dense.width ? { dense: f.dense.width } : {}) };
  void template;
  void opts;
  return { kind: 'dense', features: f.dense.width };
}

function layersFor(input: InputSpec, template: Template, opts: Pick<FitOptions, 'hidden' | 'textModel'>): LayerSpec[] {
  const hidden = opts.hidden ?? template.hidden;
  if (input.kind === 'window') return [...template.rul!.layers, ...hidden];
  const t = template.text;
  const withDense = (input.kind === 'bags' || input.kind === 'sequence') && input.dense ? [{ type: 'concat_dense' } as LayerSpec] : [];
  if (input.kind === 'bags') return [{ type: 'embedding_bag', dim: t!.dim }, ...withDense, ...hidden];
  if (input.kind === 'sequence') {
    const encoders: LayerSpec[] = Array.from({ length: t!.layers }, () => ({ type: 'transformer_encoder', heads: t!.heads, ff: t!.dim * 2, dropout: 0.1 }));
    return [{ type: 'embedding', dim: t!.dim }, ...encoders, { type: 'mean_pool' }, ...withDense, ...hidden];
  }
  return hidden;
}

/** RUL windows over the pipeline's per-row features, grouped by unit and ordered by time. */
export function windowsOf(
  table: Table,
  pipeline: Pipeline,
  task: Pick<ResolvedTask, 'groupColumn' | 'timeColumn'>,
  window: number,
  lastOnly: boolean,
): Windows {
  const f = pipeline.transform(table);
  const cols = f.dense.names.map((name, j) => ({
    type: 'number' as const,
    name: `f${j}`,
    values: Float64Array.from({ length: f.rows }, (_, r) => f.dense.data[r * f.dense.width + j]),
  }));
  const t = new Table([...cols, table.column(task.groupColumn!), table.column(task.timeColumn!)]);
  const o = { groupColumn: task.groupColumn!, timeColumn: task.timeColumn!, featureColumns: cols.map((c) => c.name), window, pad: 'repeat-first' as const };
  return lastOnly ? lastWindowPerGroup(t, o) : makeWindows(t, o);
}

/**
 * Training options that pick the epoch to keep (and stop) by a validation score other than the loss, when the
 * template asks for one. A binary model with a tuned threshold is judged by how well it ranks positives above
 * negatives (average precision): log loss keeps rising on a few unforeseeable failures (random tool breaks) while
 * the ranking — all the tuned threshold needs — still improves, so stopping on the loss stops too early.
 */
function selection(
  template: Template,
  task: ResolvedTask,
  valid: TrainingSet,
  outputs: number,
  patience: number,
  positiveLabel?: string,
): Partial<TrainOptions> {
  if (template.selectBy !== 'average_precision' || task.kind !== 'classification' || outputs !== 2) return {};
  const y = valid.targets as Int32Array;
  const score = averagePrecisionScore(y, positiveClass(task.labels, y, positiveLabel));
  if (!score) return {}; // validation rows of one class rank nothing: fall back to the loss
  return { validationMetric: (m) => ({ average_precision: score(m, valid) }), earlyStopping: { patience, metric: 'average_precision' } };
}

function trainOptions(t: TrainingDefaults, seed: number, opts: FitOptions): TrainOptions {
  return {
    epochs: t.epochs,
    batchSize: t.batchSize,
    optimizer: { type: t.optimizer, lr: t.lr, weightDecay: t.weightDecay },
    schedule: { type: t.schedule },
    clipNorm: 5,
    earlyStopping: { patience: t.patience },
    ...(t.averageDecay ? { averageWeights: { decay: t.averageDecay } } : {}),
    seed,
    ...(opts.checkpointDir ? { checkpoint: { dir: opts.checkpointDir, ...(opts.checkpointCipher ? { cipher: opts.checkpointCipher } : {}) } } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
}
