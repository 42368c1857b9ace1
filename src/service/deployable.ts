// Deploying checks what it would serve: the target version's blobs pass the store's integrity check and its bundle loads, or nothing is written.
import { AndonError, isAndonError } from '../errors.js';
import type { ModelVersion } from '../store/index.js';
import type { ServiceContext } from './context.js';
import type { ServingModel } from './serving.js';

/**
 * Refuses (integrity_error) a target whose version cannot be served: a blob that fails its integrity check on read,
 * a bundle whose checksums or shapes disagree with its manifest, a graph ONNX Runtime refuses. `open` reads and loads
 * the version from the store as a restart would (never the process's cache: a blob altered after an earlier load must
 * be found here). An alias that names no version yet has nothing to check; it is served once a version is promoted.
 */
export async function checkDeployable(
  ctx: ServiceContext,
  tenantId: string,
  modelId: string,
  target: { targetAlias: string | null; targetVersionId: string | null },
  open: (version: ModelVersion) => Promise<ServingModel>,
): Promise<void> {
  const versionId = target.targetVersionId ?? (await ctx.meta.models.getAlias(tenantId, modelId, target.targetAlias!))?.versionId;
  const version = versionId ? await ctx.meta.models.getVersion(tenantId, versionId) : null;
  if (!version) return;
  let loaded: ServingModel;
  try {
    loaded = await open(version);
  } catch (e) {
    // A store that cannot be reached right now is no verdict on the version: the caller may retry.
    if (isAndonError(e) && e.code === 'unavailable') throw e;
    const model = (await ctx.meta.models.get(tenantId, modelId))?.name ?? modelId;
    const cause = isAndonError(e) ? e.code : 'internal';
    throw new AndonError(
      'integrity_error',
      `${model} version ${version.number} cannot be deployed: its stored bundle does not verify (${(e as Error).message})`,
      { model, version: version.number, cause },
    );
  }
  // This load was only a check; predictions load the version into the process's cache themselves.
  await loaded.close();
}
