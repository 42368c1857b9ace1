// `andon demo`: trains the predictive-maintenance template on generated machine data and reports held-out quality.
import * as E from '../engine/index.js';
import { Table } from '../data/table.js';
import { syntheticMachineRows } from '../data/synthetic-machines.js';
import { fitModel } from '../ml/fit.js';

export interface DemoOptions {
  rows: number;
  epochs: number;
  seed: number;
  log: (line: string) => void;
}
export interface DemoResult {
  backend: string;
  accuracy: number;
  recall: number;
  precision: number;
  f1: number;
  lossCurve: number[];
}

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const table = Table.fromRows(syntheticMachineRows(opts.rows, opts.seed) as unknown as Record<string, unknown>[]);
  opts.log(`Training the predictive-maintenance template on ${table.rowCount} generated machines (backend ${E.kernels().name})`);
  const lossCurve: number[] = [];
  const fitted = await fitModel(table, {
    target: 'machine_failure',
    template: 'predictive-maintenance',
    seed: opts.seed,
    training: { epochs: opts.epochs },
    onProgress: (e) => {
      if (e.type !== 'epoch') return;
      lossCurve.push(e.trainLoss);
      opts.log(`epoch ${String(e.epoch).padStart(3)}  loss ${e.trainLoss.toFixed(4)}  validation ${e.validationLoss?.toFixed(4) ?? '-'}`);
    },
  });
  const m = fitted.manifest.metrics;
  const result = { backend: E.kernels().name, accuracy: m.accuracy!, recall: m.recall!, precision: m.precision!, f1: m.f1!, lossCurve };
  opts.log(
    `held-out ${fitted.manifest.training.rows_validation} machines: accuracy ${(result.accuracy * 100).toFixed(1)}%, failure recall ${(result.recall * 100).toFixed(1)}%, precision ${(result.precision * 100).toFixed(1)}%`,
  );
  return result;
}
