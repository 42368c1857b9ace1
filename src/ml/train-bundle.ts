// Fit → ONNX export → bundle files: the one way a training spec becomes a model bundle, for `andon train --data` and the training job worker alike.
//
// ONNX policy (one for every caller): the engine bundle serves without ONNX. When the exporter cannot cover the
// architecture, the bundle has no model.onnx, its manifest lists an `onnx_export_failed` warning, and the caller
// shows the warning (a job event; the CLI's stderr and its --json `warnings`). Only the fast ONNX path is lost.
import type { Table } from '../data/table.js';
import { fitModel, type FitOptions, type FittedModel, type ModelManifest } from './fit.js';
import { bundleFiles } from './bundle.js';
import { exportOnnx } from './onnx/index.js';
import type { SpecModel } from './spec.js';
import { fitOptionsOf, type SpecFitOptions, type TrainingSpec } from './training-spec.js';

export interface TrainingWarning {
  code: 'onnx_export_failed';
  message: string;
}

/** What the caller adds to the spec: cancel signal, progress, checkpoints (FitOptions the spec does not set), and the exporter. */
export type TrainHooks = Omit<FitOptions, keyof SpecFitOptions> & { exportOnnx?: (model: SpecModel) => Uint8Array };

export interface TrainedBundle {
  fitted: FittedModel;
  /** The manifest as stored in the bundle (with any warnings). */
  manifest: ModelManifest;
  /** manifest.json, weights.safetensors and, when the export worked, model.onnx. */
  files: Map<string, Uint8Array>;
  warnings: TrainingWarning[];
}

export async function trainBundle(table: Table, spec: TrainingSpec, hooks: TrainHooks = {}): Promise<TrainedBundle> {
  const { exportOnnx: exporter = exportOnnx, ...fitHooks } = hooks;
  const fitted = await fitModel(table, { ...fitHooks, ...fitOptionsOf(spec) });
  const warnings: TrainingWarning[] = [];
  let onnx: Uint8Array | undefined;
  try {
    onnx = exporter(fitted.model);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    warnings.push({
      code: 'onnx_export_failed',
      message: `the model could not be exported to ONNX, so its bundle has no model.onnx and serves through the engine only (${why})`,
    });
  }
  const manifest: ModelManifest = warnings.length ? { ...fitted.manifest, warnings } : fitted.manifest;
  const withWarnings = { ...fitted, manifest };
  return { fitted: withWarnings, manifest, files: bundleFiles(withWarnings, onnx), warnings };
}
