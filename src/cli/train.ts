// `andon train`: fits a model on a data file, writes its bundle (manifest, weights, ONNX) and reports metrics.
import { resolve } from 'node:path';
import { AndonError } from '../errors.js';
import { fitModel, type FitOptions } from '../ml/fit.js';
import { bundleFiles, writeBundle } from '../ml/bundle.js';
import { exportOnnx } from '../ml/onnx/index.js';
import type { SemanticType } from '../data/schema.js';
import { readDataFile } from './files.js';
import { progressBar } from './progress.js';

export interface TrainCommandOptions {
  data: string;
  target: string;
  task?: FitOptions['task'];
  template?: string;
  epochs?: number;
  members?: number;
  seed?: number;
  groupColumn?: string;
  timeColumn?: string;
  exclude?: string[];
  type?: Record<string, SemanticType>;
  textModel?: 'bag' | 'transformer';
  out?: string;
  json?: boolean;
}

export async function trainCommand(o: TrainCommandOptions): Promise<Record<string, unknown>> {
  if ((o.groupColumn === undefined) !== (o.timeColumn === undefined)) {
    throw new AndonError('invalid_input', '--group-column and --time-column go together');
  }
  const { table } = await readDataFile(o.data);
  const out = resolve(o.out ?? `andon-model-${slug(o.target)}-${stamp()}`);
  const fitted = await fitModel(table, {
    target: o.target, task: o.task ?? 'auto', template: o.template, seed: o.seed ?? 0,
    groupColumn: o.groupColumn, timeColumn: o.timeColumn, exclude: o.exclude, types: o.type, textModel: o.textModel,
    ...(o.epochs !== undefined ? { training: { epochs: o.epochs } } : {}),
    ...(o.members !== undefined ? { members: o.members } : {}),
    onProgress: o.json ? undefined : progressBar(),
  });
  await writeBundle(out, bundleFiles(fitted, exportOnnx(fitted.model)));
  const m = fitted.manifest;
  return {
    bundle: out,
    task: m.task,
    template: m.template,
    target: m.target,
    ...(m.labels.length ? { labels: m.labels } : {}),
    ...(m.threshold !== undefined ? { threshold: m.threshold, positive_label: m.positive_label } : {}),
    metrics: m.metrics,
    training: m.training,
  };
}

/** The headline numbers for a person, one line each. */
export function formatTrainResult(r: Record<string, any>): string {
  const keys = ['accuracy', 'macro_f1', 'f1', 'precision', 'recall', 'roc_auc', 'rmse', 'mae', 'r2', 'rmse_last', 'nasa_score'];
  const shown = keys.filter((k) => typeof r.metrics[k] === 'number').map((k) => `  ${k.padEnd(11)} ${Number(r.metrics[k].toPrecision(4))}`);
  return [
    `trained a ${r.task} model with the ${r.template} template (${r.training.epochs_run} epochs, best ${r.training.best_epoch}, ${r.training.stopped})`,
    `validation rows: ${r.training.rows_validation}`,
    ...shown,
    `bundle: ${r.bundle}`,
  ].join('\n');
}

function slug(s: string): string { return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'target'; }
function stamp(): string { return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-'); }
