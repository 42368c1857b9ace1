// Deployment use cases: what an endpoint serves (a model by alias or pinned version), and resolving it at call time (predictions go through inference.ts).
import { AndonError } from '../errors.js';
import type { BatchingConfig, Deployment, ModelVersion } from '../store/index.js';
import type { ServiceContext } from './context.js';
import { lookupKey } from './lookup-cache.js';
import { audit, SYSTEM, type Actor } from './audit.js';
import { checkName, modelByName, modelVersion, notFound } from './common.js';
import { loadServingModel, type ServingModel } from './serving.js';
import { checkSampleRate, listPredictionLogs, type PredictionLogView } from './prediction-logs.js';
import { checkDeployable } from './deployable.js';

export interface CreateDeploymentInput {
  name: string;
  model: string;
  /** Exactly one of alias (follows promotions) and version (a pinned number or id). */
  alias?: string;
  version?: number | string;
  batching?: BatchingConfig | null;
  /** The fraction of requests whose inputs and outputs are kept (sealed) for monitoring; default 0. */
  logSampleRate?: number;
}

export interface DeploymentView extends Deployment {
  model: string;
  targetVersion: number | null;
}

async function view(ctx: ServiceContext, tenantId: string, d: Deployment): Promise<DeploymentView> {
  const model = await ctx.meta.models.get(tenantId, d.modelId);
  const pinned = d.targetVersionId ? await ctx.meta.models.getVersion(tenantId, d.targetVersionId) : null;
  return { ...d, model: model?.name ?? d.modelId, targetVersion: pinned?.number ?? null };
}

async function target(
  ctx: ServiceContext,
  tenantId: string,
  modelId: string,
  modelName: string,
  alias: string | undefined,
  version: number | string | undefined,
): Promise<{ targetAlias: string | null; targetVersionId: string | null }> {
  if ((alias === undefined) === (version === undefined)) throw new AndonError('invalid_input', 'a deployment serves exactly one of an alias or a version');
  if (alias !== undefined) return { targetAlias: alias, targetVersionId: null };
  const model = await ctx.meta.models.get(tenantId, modelId);
  if (!model) throw notFound('model', modelName);
  return { targetAlias: null, targetVersionId: (await modelVersion(ctx, tenantId, model, version!)).id };
}

export async function createDeployment(ctx: ServiceContext, tenantId: string, input: CreateDeploymentInput, actor: Actor = SYSTEM): Promise<DeploymentView> {
  const name = checkName('deployment', input.name);
  const model = await modelByName(ctx, tenantId, input.model);
  const t = await target(ctx, tenantId, model.id, model.name, input.alias, input.version);
  const config = input.logSampleRate === undefined ? {} : { logSampleRate: checkSampleRate(input.logSampleRate) };
  // What it would serve must load from the store, or no deployment is written (deployable.ts).
  await checkDeployable(ctx, tenantId, model.id, t, (v) => loader(ctx, tenantId, v)());
  const d = await ctx.meta.deployments.create(tenantId, { name, modelId: model.id, ...t, batching: input.batching ?? null, config });
  const v = await view(ctx, tenantId, d);
  await audit(ctx, tenantId, actor, 'deployment.create', 'deployment', v.name, { model: v.model, alias: v.targetAlias, version: v.targetVersion });
  return v;
}

async function byName(ctx: ServiceContext, tenantId: string, name: string): Promise<Deployment> {
  const d = await ctx.meta.deployments.getByName(tenantId, name);
  if (!d) throw notFound('deployment', name);
  return d;
}

export async function getDeployment(ctx: ServiceContext, tenantId: string, name: string): Promise<DeploymentView> {
  return view(ctx, tenantId, await byName(ctx, tenantId, name));
}

export async function listDeployments(
  ctx: ServiceContext,
  tenantId: string,
  options: { model?: string; limit?: number; offset?: number; only?: readonly string[] } = {},
): Promise<DeploymentView[]> {
  if (options.only) {
    // A key scoped to named deployments sees those that exist, and nothing else (not even whether a model exists).
    const found = await Promise.all(options.only.map((n) => ctx.meta.deployments.getByName(tenantId, n)));
    const views = await Promise.all(found.filter((d): d is Deployment => d !== null).map((d) => view(ctx, tenantId, d)));
    return views.filter((v) => !options.model || v.model === options.model);
  }
  const modelId = options.model ? (await modelByName(ctx, tenantId, options.model)).id : undefined;
  const list = await ctx.meta.deployments.list(tenantId, { limit: options.limit, offset: options.offset, ...(modelId ? { modelId } : {}) });
  return Promise.all(list.map((d) => view(ctx, tenantId, d)));
}

/** Re-targets (alias or version) and/or changes batching; the model stays the same. */
export async function updateDeployment(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
  patch: { alias?: string; version?: number | string; batching?: BatchingConfig | null; logSampleRate?: number },
  actor: Actor = SYSTEM,
): Promise<DeploymentView> {
  const d = await byName(ctx, tenantId, name);
  const retarget = patch.alias !== undefined || patch.version !== undefined;
  const t = retarget ? await target(ctx, tenantId, d.modelId, d.modelId, patch.alias, patch.version) : null;
  const config = patch.logSampleRate === undefined ? {} : { config: { ...d.config, logSampleRate: checkSampleRate(patch.logSampleRate) } };
  // A new target must load from the store, or the deployment is left as it was (deployable.ts).
  if (t) await checkDeployable(ctx, tenantId, d.modelId, t, (v) => loader(ctx, tenantId, v)());
  const updated = await ctx.meta.deployments.update(tenantId, d.id, {
    ...(t ?? {}),
    ...(patch.batching !== undefined ? { batching: patch.batching } : {}),
    ...config,
  });
  ctx.lookups.deployments.delete(lookupKey.deployment(tenantId, name));
  const v = await view(ctx, tenantId, updated);
  await audit(ctx, tenantId, actor, 'deployment.update', 'deployment', v.name, {
    alias: v.targetAlias,
    version: v.targetVersion,
    batching: v.batching as never,
  });
  return v;
}

export async function deleteDeployment(ctx: ServiceContext, tenantId: string, name: string, actor: Actor = SYSTEM): Promise<void> {
  const d = await byName(ctx, tenantId, name);
  await ctx.meta.deployments.delete(tenantId, d.id);
  ctx.lookups.deployments.delete(lookupKey.deployment(tenantId, name));
  await audit(ctx, tenantId, actor, 'deployment.delete', 'deployment', name);
}

/**
 * The version a deployment serves right now: its pinned version, or where its alias points at this moment.
 * This runs on every prediction, so it reads through the context's short-lived lookup caches (see lookup-cache.ts).
 */
export async function resolveDeployment(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
): Promise<{ deployment: Deployment; model: string; version: ModelVersion }> {
  const c = ctx.lookups;
  const d = (await c.deployments.get(lookupKey.deployment(tenantId, name), () => byName(ctx, tenantId, name))) as Deployment;
  const model = await c.modelNames.get(lookupKey.modelName(tenantId, d.modelId), async () => (await ctx.meta.models.get(tenantId, d.modelId))?.name ?? null);
  if (!model) throw notFound('model', d.modelId);
  const versionId =
    d.targetVersionId ??
    (await c.aliases.get(
      lookupKey.alias(tenantId, d.modelId, d.targetAlias!),
      async () => (await ctx.meta.models.getAlias(tenantId, d.modelId, d.targetAlias!))?.versionId ?? null,
    ));
  const version = versionId
    ? ((await c.versions.get(lookupKey.version(tenantId, versionId), () => ctx.meta.models.getVersion(tenantId, versionId))) as ModelVersion | null)
    : null;
  if (!version) {
    throw new AndonError('unavailable', `deployment "${name}" serves ${model}@${d.targetAlias ?? d.targetVersionId}, which points at no version yet`, {
      deployment: name,
      alias: d.targetAlias,
    });
  }
  return { deployment: d, model, version };
}

/**
 * resolveDeployment answered from the lookup caches alone, with no promise to wait for, when every row it needs is
 * cached and loaded (nearly every prediction); null sends the caller to resolveDeployment.
 */
export function resolveCached(ctx: ServiceContext, tenantId: string, name: string): { deployment: Deployment; model: string; version: ModelVersion } | null {
  const c = ctx.lookups,
    now = performance.now();
  const d = c.deployments.peek(lookupKey.deployment(tenantId, name), now)?.value as Deployment | undefined;
  if (!d) return null;
  const model = c.modelNames.peek(lookupKey.modelName(tenantId, d.modelId), now)?.value;
  const versionId = d.targetVersionId ?? c.aliases.peek(lookupKey.alias(tenantId, d.modelId, d.targetAlias!), now)?.value;
  const version = versionId ? (c.versions.peek(lookupKey.version(tenantId, versionId), now)?.value as ModelVersion | null | undefined) : null;
  return model && version ? { deployment: d, model, version } : null;
}

/** The loaded model of a version: from the process cache, or read from the blob store. */
export function loadVersion(ctx: ServiceContext, tenantId: string, version: ModelVersion): Promise<ServingModel> {
  return ctx.models.get(cacheKey(tenantId, version), loader(ctx, tenantId, version));
}

// Cache keys carry the tenant too, so a version id can never serve across tenants.
export const cacheKey = (tenantId: string, version: ModelVersion) => `${tenantId}/${version.id}`;

export function loader(ctx: ServiceContext, tenantId: string, version: ModelVersion): () => Promise<ServingModel> {
  return async () => {
    const files = new Map<string, Uint8Array>();
    for (const [file, key] of Object.entries(version.bundle)) files.set(file, await ctx.blobs.get(tenantId, key));
    return loadServingModel(files);
  };
}

/** The deployment's sampled prediction logs, newest first, opened. */
export async function deploymentLogs(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
  options: { limit?: number; since?: string } = {},
): Promise<PredictionLogView[]> {
  return listPredictionLogs(ctx, tenantId, await byName(ctx, tenantId, name), options);
}
