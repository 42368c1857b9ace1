// Sampled prediction logs for monitoring: a deployment's `logSampleRate` of its requests, inputs and outputs sealed under the tenant's key.
import { AndonError } from '../errors.js';
import type { Deployment, ModelVersion } from '../store/index.js';
import type { ServiceContext } from './context.js';
import type { Prediction } from './serving.js';

/** Binds sealed log values to their use, so a sealed log entry cannot be passed off as another kind of data. */
const CONTEXT = 'prediction-log';

interface ValueSealer {
  sealValue(tenantId: string, value: unknown, context: string): Promise<string>;
  openValue(tenantId: string, sealed: string, context: string): Promise<unknown>;
}

function sealerOf(ctx: ServiceContext): ValueSealer | null {
  const b = ctx.blobs as Partial<ValueSealer>;
  return typeof b.sealValue === 'function' && typeof b.openValue === 'function' ? (b as ValueSealer) : null;
}

export function checkSampleRate(rate: unknown): number {
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new AndonError('invalid_input', 'logSampleRate is the fraction of requests to log, from 0 to 1', { logSampleRate: rate });
  }
  return rate;
}

export function sampleRateOf(d: Deployment): number {
  const r = (d.config as { logSampleRate?: unknown }).logSampleRate;
  return typeof r === 'number' && r > 0 && r <= 1 ? r : 0;
}

/**
 * Logs one request with probability `logSampleRate`. Never fails the prediction: it runs after the answer
 * is computed, and a failure to log is dropped. A home without encryption at rest logs nothing, so no
 * prediction input is ever stored in clear.
 */
export async function maybeLogPrediction(
  ctx: ServiceContext,
  tenantId: string,
  d: Deployment,
  version: ModelVersion,
  rows: Record<string, unknown>[],
  predictions: Prediction[],
  latencyMs: number,
): Promise<void> {
  const rate = sampleRateOf(d);
  const sealer = sealerOf(ctx);
  if (rate === 0 || !sealer || Math.random() >= rate) return;
  const [inputs, outputs] = await Promise.all([sealer.sealValue(tenantId, rows, CONTEXT), sealer.sealValue(tenantId, predictions, CONTEXT)]);
  await ctx.meta.predictionLogs.append(tenantId, [
    { deploymentId: d.id, modelVersionId: version.id, inputs: { sealed: inputs }, outputs: { sealed: outputs }, latencyMs },
  ]);
}

export interface PredictionLogView {
  id: string;
  deployment: string;
  modelVersionId: string;
  at: string;
  latencyMs: number;
  inputs: unknown;
  outputs: unknown;
}

/** The newest logged requests of a deployment, opened (a tampered entry is an integrity_error). */
export async function listPredictionLogs(
  ctx: ServiceContext,
  tenantId: string,
  deployment: Deployment,
  options: { limit?: number; since?: string } = {},
): Promise<PredictionLogView[]> {
  const sealer = sealerOf(ctx);
  const logs = await ctx.meta.predictionLogs.list(tenantId, {
    deploymentId: deployment.id,
    ...(options.limit ? { limit: options.limit } : {}),
    ...(options.since ? { since: options.since } : {}),
  });
  const open = (v: unknown) => {
    const sealed = (v as { sealed?: unknown } | null)?.sealed;
    if (typeof sealed !== 'string' || !sealer) throw new AndonError('integrity_error', 'a prediction log entry is not sealed');
    return sealer.openValue(tenantId, sealed, CONTEXT);
  };
  return Promise.all(
    logs.map(async (l) => ({
      id: l.id,
      deployment: deployment.name,
      modelVersionId: l.modelVersionId,
      at: l.at,
      latencyMs: l.latencyMs,
      inputs: await open(l.inputs),
      outputs: await open(l.outputs),
    })),
  );
}
