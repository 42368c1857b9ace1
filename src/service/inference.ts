// The one inference entry: a deployment (or a version of its model, or a batch job's pinned version) and rows → predictions.
//
// REST (Fastify's route and the prediction lane), the Open Inference Protocol and batch jobs all call `infer`, so
// how a target is resolved, how rows are checked, when micro-batching applies, which requests are logged and how
// predictions are counted are decided here once and cannot differ by the door a request came in through.
import { AndonError } from '../errors.js';
import type { Deployment, ModelVersion } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { getVersion } from './registry.js';
import { lookupKey } from './lookup-cache.js';
import { cacheKey, loader, loadVersion, resolveCached, resolveDeployment } from './deployments.js';
import { checkRows, type Prediction, type ServingModel } from './serving.js';
import { maybeLogPrediction, sampleRateOf } from './prediction-logs.js';

/** Where a request came in; predictions are counted by it. */
export type Door = 'rest' | 'oip' | 'batch';

/** What answers: a deployment's current version, another version of its model, or a version pinned when a batch job started. */
export type InferenceTarget = { deployment: string; version?: number } | { pinned: ModelVersion; model: string; deployment: Deployment | null };

/** Rows by column name, or a function that makes them from the model that will answer (OIP's tensors need its input schema). */
export type InferenceRows = unknown | ((model: ServingModel) => unknown);

export interface InferenceResult {
  model: string;
  version: number;
  versionId: string;
  predictions: Prediction[];
  /** The loaded model that answered (its manifest names the outputs). */
  served: ServingModel;
}

/** Told of every prediction, whichever door it came in through (the server's metrics listen). */
export interface InferenceObserver {
  /** `deployment` is null when the target named none that exists (a made-up name must not become a metric label). */
  onPrediction(tenantId: string, deployment: string | null, door: Door, seconds: number, ok: boolean): void;
}

/** The deployment a target names, for metrics: a pinned batch version counts under its deployment. */
function deploymentOf(target: InferenceTarget): string | null {
  return 'pinned' in target ? (target.deployment?.name ?? null) : target.deployment;
}

/**
 * Predicts `rows` with what `target` names. Resolves the alias once per call, so a promotion during the call takes
 * effect on the next one. Rows are checked (a non-empty list of at most 10,000 objects, then against the model's
 * input schema); with the deployment's micro-batching on, concurrent calls to the same version share one model run;
 * the deployment's sampled prediction log and the observer see every answer.
 */
export function infer(ctx: ServiceContext, tenantId: string, target: InferenceTarget, rows: InferenceRows, door: Door): Promise<InferenceResult> {
  const observer = ctx.inference.observer;
  if (!observer) return run(ctx, tenantId, target, rows);
  const started = performance.now();
  const seconds = () => (performance.now() - started) / 1000;
  return run(ctx, tenantId, target, rows).then(
    (r) => {
      observer.onPrediction(tenantId, deploymentOf(target), door, seconds(), true);
      return r;
    },
    (e: unknown) => {
      // A target that names nothing is counted without its name.
      const known = (e as { code?: string }).code !== 'not_found';
      observer.onPrediction(tenantId, known ? deploymentOf(target) : null, door, seconds(), false);
      throw e;
    },
  );
}

async function run(ctx: ServiceContext, tenantId: string, target: InferenceTarget, rows: InferenceRows): Promise<InferenceResult> {
  // The target first: an error after this names something real.
  // A deployment's current version, the usual request, is read from the lookup caches without waiting when they hold it.
  const { deployment, model, version } =
    !('pinned' in target) && target.version === undefined
      ? (resolveCached(ctx, tenantId, target.deployment) ?? (await resolveDeployment(ctx, tenantId, target.deployment)))
      : await resolve(ctx, tenantId, target);
  const key = cacheKey(tenantId, version);
  const load = loader(ctx, tenantId, version);
  const served = ctx.models.peek(key) ?? (await ctx.models.get(key, load));
  const input = checkRows(typeof rows === 'function' ? (rows as (m: ServingModel) => unknown)(served) : rows);
  // The clock is read only when this request may be logged: most deployments log nothing.
  const logging = deployment !== null && sampleRateOf(deployment) > 0;
  const started = logging ? performance.now() : 0;
  const predictions = deployment?.batching
    ? await (await ctx.models.batcher(key, load, `${tenantId}/${deployment.name}`, deployment.batching)).predict(input)
    : await served.predict(input);
  if (logging) void maybeLogPrediction(ctx, tenantId, deployment, version, input, predictions, performance.now() - started).catch(() => {});
  return { model, version: version.number, versionId: version.id, predictions, served };
}

/** The loaded model a target names, without predicting (OIP's model metadata and readiness): loads and verifies it. */
export async function targetModel(
  ctx: ServiceContext,
  tenantId: string,
  target: InferenceTarget,
): Promise<{ model: string; version: ModelVersion; served: ServingModel }> {
  const { model, version } = await resolve(ctx, tenantId, target);
  return { model, version, served: ctx.models.peek(cacheKey(tenantId, version)) ?? (await loadVersion(ctx, tenantId, version)) };
}

async function resolve(
  ctx: ServiceContext,
  tenantId: string,
  target: InferenceTarget,
): Promise<{ deployment: Deployment | null; model: string; version: ModelVersion }> {
  if ('pinned' in target) return { deployment: target.deployment, model: target.model, version: target.pinned };
  const current = resolveCached(ctx, tenantId, target.deployment) ?? (await resolveDeployment(ctx, tenantId, target.deployment));
  if (target.version === undefined || target.version === current.version.number) return current;
  if (!Number.isInteger(target.version) || target.version < 1)
    throw new AndonError('invalid_input', `version must be a whole number ≥ 1, got ${target.version}`, { version: target.version });
  // Another version of the deployment's model: a number names one version for good, so its row is cached like the others.
  const number = target.version;
  const key = lookupKey.versionNumber(tenantId, current.deployment.modelId, number);
  const version = (await ctx.lookups.versions.get(key, () => getVersion(ctx, tenantId, current.model, number))) as ModelVersion;
  return { deployment: current.deployment, model: current.model, version };
}
