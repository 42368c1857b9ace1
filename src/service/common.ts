// Helpers shared by the use cases: name checks and lookups that turn a missing (or another tenant's) row into `not_found`.
import { AndonError } from '../errors.js';
import type { Dataset, DatasetVersion, Model, ModelVersion } from '../store/index.js';
import type { ServiceContext } from './context.js';

const SLUG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Names of datasets, models and deployments are slugs, so they fit in URLs and commands unquoted. */
export function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || !SLUG.test(name)) {
    throw new AndonError(
      'invalid_input',
      `${what} name ${JSON.stringify(name)} is not valid: use letters, digits, '.', '_' and '-' (up to 128), starting with a letter or digit, e.g. "line-3-sensors"`,
      { field: 'name', value: name },
    );
  }
  return name;
}

export function notFound(what: string, id: string): AndonError {
  return new AndonError('not_found', `${what} "${id}" not found`, { [what.replace(/ /g, '_')]: id });
}

export async function datasetByName(ctx: ServiceContext, tenantId: string, name: string): Promise<Dataset> {
  const d = await ctx.meta.datasets.getByName(tenantId, name);
  if (!d) throw notFound('dataset', name);
  return d;
}

/** The numbered version, or the latest when no number is given. */
export async function datasetVersion(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
  number?: number,
): Promise<{ dataset: Dataset; version: DatasetVersion }> {
  const dataset = await datasetByName(ctx, tenantId, name);
  const version =
    number === undefined
      ? await ctx.meta.datasets.latestVersion(tenantId, dataset.id)
      : await ctx.meta.datasets.getVersionByNumber(tenantId, dataset.id, number);
  if (!version) throw notFound('dataset version', number === undefined ? `${name} (no versions)` : `${name}@${number}`);
  return { dataset, version };
}

export async function modelByName(ctx: ServiceContext, tenantId: string, name: string): Promise<Model> {
  const m = await ctx.meta.models.getByName(tenantId, name);
  if (!m) throw notFound('model', name);
  return m;
}

/** A version by number, by alias name, or by id. */
export type VersionSelector = number | string;

export async function modelVersion(ctx: ServiceContext, tenantId: string, model: Model, ref: VersionSelector): Promise<ModelVersion> {
  const m = ctx.meta.models;
  const v =
    typeof ref === 'number'
      ? await m.getVersionByNumber(tenantId, model.id, ref)
      : /^\d+$/.test(ref)
        ? await m.getVersionByNumber(tenantId, model.id, Number(ref))
        : ((await m.resolve(tenantId, model.id, { alias: ref })) ?? (await m.resolve(tenantId, model.id, { versionId: ref })));
  if (!v) throw notFound('model version', `${model.name}:${ref}`);
  return v;
}
