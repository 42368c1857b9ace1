// `andon train`: fits a model on a data file, writes its bundle (manifest, weights, ONNX) and reports metrics and warnings.
import { resolve } from 'node:path';
import { writeBundle } from '../ml/bundle.js';
import { trainBundle, type TrainHooks } from '../ml/train-bundle.js';
import { checkTrainingSpec, type TrainingSpec } from '../ml/training-spec.js';
import { readDataFile } from './files.js';
import { progressBar } from './progress.js';

/** A training spec from `andon train`'s options (still unchecked: checkTrainingSpec names the flag that is wrong). */
export interface TrainCommandOptions extends TrainingSpec {
  data: string;
  out?: string;
  json?: boolean;
}

/** The flag a user typed for a spec field, for messages: `--epochs`, `--group-column`, `--type`. */
export function flagOf(field: keyof TrainingSpec): string {
  return field === 'types' ? '--type' : `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** The spec in `o`, checked before any file is read; a wrong option is one line naming its flag. */
export function trainSpecOf(o: object): TrainingSpec {
  return checkTrainingSpec(o, { label: flagOf });
}

/** `hooks.exportOnnx` replaces the ONNX exporter (tests of the export policy, src/ml/train-bundle.ts). */
export async function trainCommand(o: TrainCommandOptions, hooks: Pick<TrainHooks, 'exportOnnx'> = {}): Promise<Record<string, unknown>> {
  const spec = trainSpecOf(o);
  const { table } = await readDataFile(o.data);
  const out = resolve(o.out ?? `andon-model-${slug(spec.target)}-${stamp()}`);
  const { files, manifest: m, warnings } = await trainBundle(table, spec, { ...hooks, onProgress: o.json ? undefined : progressBar() });
  await writeBundle(out, files);
  return {
    bundle: out,
    task: m.task,
    template: m.template,
    target: m.target,
    ...(m.labels.length ? { labels: m.labels } : {}),
    ...(m.threshold !== undefined ? { threshold: m.threshold, positive_label: m.positive_label } : {}),
    metrics: m.metrics,
    training: m.training,
    warnings,
  };
}

/** The result on stdout (one JSON object with --json, else the headline) and each warning on stderr, one line each. */
export function printTrainResult(
  r: Record<string, any>,
  json: boolean | undefined,
  out: (s: string) => void = (s) => console.log(s),
  err: (s: string) => void = (s) => process.stderr.write(`${s}\n`),
): void {
  for (const w of r.warnings ?? []) err(`andon: warning: ${w.message}`);
  out(json ? JSON.stringify(r) : formatTrainResult(r));
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

function slug(s: string): string {
  return (
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'target'
  );
}
function stamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}
