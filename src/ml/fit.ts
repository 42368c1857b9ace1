// Trains a model from a raw table: task, split, pipeline, architecture from a template, training, evaluation.
import * as E from '../engine/index.js';
import { AndonError } from '../errors.js';
import { Table } from '../data/table.js';
import { Pipeline, buildTabularPipeline, OneHotEncoder, OrdinalEncoder, TokenBagsEncoder, TokenSequenceEncoder, type Encoder, type Step, type Features } from '../data/pipeline/index.js';
import { stratifiedSplit, randomSplit, groupSplit } from '../data/split.js';
import { makeWindows, lastWindowPerGroup, type Windows } from '../data/windows.js';
import { SpecModel, type ModelSpec, type LayerSpec, type InputSpec } from './spec.js';
import { train, type Objective, type TrainOptions, type ProgressEvent, type TrainingSet } from './trainer.js';
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
  /** Replaces the template's hidden layers with a custom list. */
  hidden?: LayerSpec[];
  textModel?: 'bag' | 'transformer';
  positiveLabel?: string;
  signal?: AbortSignal;
  onProgress?: (e: ProgressEvent) => void;
  checkpointDir?: string;
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
  training: { seed: number; epochs_run: number; best_epoch: number; stopped: string; rows_train: number; rows_validation: number; options: TrainingDefaults };
}

export interface FittedModel { manifest: ModelManifest; model: SpecModel; pipeline: Pipeline }

/** Trains on `table` following the template (or the task's default one) and the user's overrides. */
export async function fitModel(table: Table, opts: FitOptions): Promise<FittedModel> {
  const seed = opts.seed ?? 0;
  let task = resolveTask(table, opts);
  const template = opts.template ? getTemplate(opts.template) : defaultTemplate(task.name);
  if (!template.tasks.includes(task.name)) {
    throw new AndonError('invalid_input', `template "${template.name}" trains ${template.tasks.join('/')}, but the task is ${task.name}`);
  }
  const cap = task.name === 'rul' ? opts.rulCap ?? template.rul!.cap : undefined;
  const training: TrainingDefaults = { ...template.training, ...(opts.training ?? {}) };

  // Rows without a target cannot teach anything.
  const allTargets = targetValues(table, task, cap);
  const keep = Int32Array.from([...allTargets.keys()].filter((i) => (task.kind === 'classification' ? allTargets[i] >= 0 : Number.isFinite(allTargets[i]))));
  if (keep.length < 2) throw new AndonError('empty_input', `fewer than 2 rows have a value in target "${task.target}"`);
  const data = keep.length === table.rowCount ? table : table.take(keep);
  const targets = keep.length === table.rowCount ? allTargets : pick(allTargets, keep);

  const vf = opts.validationFraction ?? 0.2;
  const fractions = { train: 1 - vf, validation: vf, test: 0 };
  const split = task.name === 'rul' ? groupSplit(data, task.groupColumn!, { fractions, seed })
    : task.kind === 'classification' ? stratifiedSplit(data.withColumn(labelColumn(targets as Int32Array)), '__label', { fractions, seed })
      : randomSplit(data, { fractions, seed });
  if (split.train.length === 0 || split.validation.length === 0) throw new AndonError('empty_input', 'too few rows to hold out validation rows');
  const trainTable = data.take(split.train), validTable = data.take(split.validation);
  const trainTargets = pick(targets, split.train), validTargets = pick(targets, split.validation);

  if (template.rul?.dropUnrelated && task.name === 'rul') {
    // A window model sees every reading of every step, so a column of pure noise lets it memorise the training
    // units instead of learning wear; columns with no relation to the remaining life are left out of the features.
    // They stay in the input schema: requests carry the columns of the file the model was trained on, and the
    // fitted pipeline (which lists the columns it reads) simply ignores these.
    const drop = new Set(unrelatedColumns(trainTable, task.numeric, trainTargets));
    if (drop.size) task = { ...task, numeric: task.numeric.filter((c) => !drop.has(c)) };
  }
  const pipeline = buildPipeline(task, template, opts);
  pipeline.fit(trainTable);
  const rng = new E.Rng(seed);
  let trainSet: TrainingSet, validSet: TrainingSet, input: InputSpec;
  let scaling: { mean: number; std: number } | undefined;
  let validUnits: (string | number | null)[] | undefined;

  if (task.name === 'rul') {
    const tw = windowsOf(trainTable, pipeline, task, template.rul!.window, false);
    const vw = windowsOf(validTable, pipeline, task, template.rul!.window, false);
    scaling = meanStd(trainTargets);
    trainSet = windowSet(tw.data, tw.count, tw.window, tw.features, scaled(pick(trainTargets, tw.endRow), scaling));
    validSet = windowSet(vw.data, vw.count, vw.window, vw.features, scaled(pick(validTargets, vw.endRow), scaling));
    input = { kind: 'window', length: tw.window, features: tw.features };
    validUnits = vw.group;
  } else {
    const tf = pipeline.transform(trainTable), vfeat = pipeline.transform(validTable);
    if (task.kind === 'regression') scaling = meanStd(trainTargets);
    const cast = (t: Float64Array | Int32Array) => (task.kind === 'classification' ? (t as Int32Array) : scaled(t, scaling!));
    trainSet = featureSet(tf, cast(trainTargets));
    validSet = featureSet(vfeat, cast(validTargets));
    input = inputSpecOf(tf, template, opts);
  }

  const outputs = task.kind === 'classification' ? task.labels.length : 1;
  const spec: ModelSpec = { input, layers: layersFor(input, template, opts), outputs };
  const model = new SpecModel(spec, rng);
  const objective: Objective = task.kind === 'classification'
    ? { kind: 'classification', classes: outputs, ...(template.balanceClasses ? { classWeights: balancedWeights(trainSet.targets as Int32Array, outputs) } : {}) }
    : { kind: 'regression', loss: 'mse' };
  const result = await train(model, trainSet, validSet, objective, {
    ...trainOptions(training, seed, opts), ...selection(template, task, validSet, outputs, training.patience, opts.positiveLabel),
  });

  const raw = predictAll(model, validSet, outputs);
  const scored = scoreOutputs(task, raw, validSet.targets, {
    labels: task.labels, positiveLabel: opts.positiveLabel, tuneThreshold: template.tuneThreshold, scaling, targetsScaled: true, cap,
    ...(validUnits ? { units: validUnits.map(String) } : {}),
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
      seed, epochs_run: result.epochsRun, best_epoch: result.bestEpoch, stopped: result.reason,
      rows_train: trainSet.rows, rows_validation: validSet.rows, options: training,
    },
  };
  return { manifest, model, pipeline };
}

function pick<T extends Int32Array | Float64Array | Float32Array>(a: T, idx: ArrayLike<number>): T {
  const out = new (a.constructor as { new(n: number): T })(idx.length);
  for (let i = 0; i < idx.length; i++) out[i] = a[idx[i]];
  return out;
}

function labelColumn(ids: Int32Array) {
  return { type: 'number' as const, name: '__label', values: Float64Array.from(ids) };
}

function meanStd(v: ArrayLike<number>): { mean: number; std: number } {
  let s = 0, s2 = 0;
  for (let i = 0; i < v.length; i++) { s += v[i]; s2 += v[i] * v[i]; }
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
  let steps: Step[] = [], encoders: Encoder[] = [];
  if (task.numeric.length + task.categorical.length + task.datetime.length > 0) {
    const tab = buildTabularPipeline({ numeric: task.numeric, categorical: task.categorical, datetime: task.datetime });
    steps = [...tab.steps];
    encoders = [...tab.encoders];
  }
  if (task.text.length) {
    const t = template.text!;
    const model = opts.textModel ?? t.model;
    const column = task.text[0];
    encoders.push(model === 'bag'
      ? new TokenBagsEncoder({ column, index: { type: 'vocabulary', maxSize: t.vocabulary, minCount: 1 }, ngramBuckets: t.ngramBuckets, text: { tokenize: { wordNgrams: t.wordNgrams } } })
      : new TokenSequenceEncoder({ column, index: { type: 'vocabulary', maxSize: t.vocabulary, minCount: 1 }, length: t.length }));
  }
  return new Pipeline(steps, encoders);
}

function inputSpecOf(f: Features, template: Template, opts: Pick<FitOptions, 'textModel'>): InputSpec {
  if (f.bags.length) return { kind: 'bags', vocab: f.bags[0].vocabSize, ...(f.dense.width ? { dense: f.dense.width } : {}) };
  if (f.sequences.length) return { kind: 'sequence', vocab: f.sequences[0].vocabSize, length: f.sequences[0].length, ...(f.dense.width ? { dense: f.dense.width } : {}) };
  void template; void opts;
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
export function windowsOf(table: Table, pipeline: Pipeline, task: Pick<ResolvedTask, 'groupColumn' | 'timeColumn'>, window: number, lastOnly: boolean): Windows {
  const f = pipeline.transform(table);
  const cols = f.dense.names.map((name, j) => ({
    type: 'number' as const, name: `f${j}`, values: Float64Array.from({ length: f.rows }, (_, r) => f.dense.data[r * f.dense.width + j]),
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
function selection(template: Template, task: ResolvedTask, valid: TrainingSet, outputs: number, patience: number, positiveLabel?: string):
  Partial<TrainOptions> {
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
    ...(opts.checkpointDir ? { checkpoint: { dir: opts.checkpointDir } } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
}
