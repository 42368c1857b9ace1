// Registry use cases: models, immutable versions, aliases with history, comparison of two versions, and a generated model card.
import { AndonError } from '../errors.js';
import type { Alias, AliasChange, Model, ModelVersion } from '../store/index.js';
import { TEMPLATES } from '../ml/templates.js';
import type { ServiceContext } from './context.js';
import { lookupKey } from './lookup-cache.js';
import { modelByName, modelVersion, type VersionSelector } from './common.js';
import { audit, SYSTEM, type Actor } from './audit.js';

export async function listModels(ctx: ServiceContext, tenantId: string, options: { limit?: number; offset?: number } = {}): Promise<Model[]> {
  return ctx.meta.models.list(tenantId, options);
}

export async function getModel(ctx: ServiceContext, tenantId: string, name: string): Promise<Model & { versions: ModelVersion[]; aliases: Alias[] }> {
  const model = await modelByName(ctx, tenantId, name);
  const [versions, aliases] = await Promise.all([ctx.meta.models.listVersions(tenantId, model.id), ctx.meta.models.listAliases(tenantId, model.id)]);
  return { ...model, versions, aliases };
}

/** A version by number, alias or id. */
export async function getVersion(ctx: ServiceContext, tenantId: string, name: string, ref: VersionSelector): Promise<ModelVersion> {
  return modelVersion(ctx, tenantId, await modelByName(ctx, tenantId, name), ref);
}

const ALIAS = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * Points `alias` at a version, atomically with its history entry. With `expected` (a version number or id,
 * or null for "the alias must not exist") the move happens only from that version, else `conflict`.
 */
export async function promote(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
  alias: string,
  version: VersionSelector,
  actor: Actor = SYSTEM,
  options: { expected?: VersionSelector | null } = {},
): Promise<Alias> {
  if (!ALIAS.test(alias) || /^\d+$/.test(alias)) {
    throw new AndonError(
      'invalid_input',
      `alias "${alias}" is not valid: lowercase letters, digits, '_' and '-', starting with a letter (e.g. production, staging)`,
      { alias },
    );
  }
  const model = await modelByName(ctx, tenantId, name);
  const target = await modelVersion(ctx, tenantId, model, version);
  const expectedVersionId =
    options.expected === undefined ? undefined : options.expected === null ? null : (await modelVersion(ctx, tenantId, model, options.expected)).id;
  const moved = await ctx.meta.models.setAlias(tenantId, model.id, alias, target.id, {
    actor: actor.id,
    ...(expectedVersionId !== undefined ? { expectedVersionId } : {}),
  });
  ctx.lookups.aliases.delete(lookupKey.alias(tenantId, model.id, alias));
  await audit(ctx, tenantId, actor, 'model.promote', 'model', model.name, { alias, versionId: moved.versionId });
  return moved;
}

export async function removeAlias(ctx: ServiceContext, tenantId: string, name: string, alias: string, actor: Actor = SYSTEM): Promise<void> {
  const model = await modelByName(ctx, tenantId, name);
  await ctx.meta.models.removeAlias(tenantId, model.id, alias, { actor: actor.id });
  ctx.lookups.aliases.delete(lookupKey.alias(tenantId, model.id, alias));
  await audit(ctx, tenantId, actor, 'model.alias.remove', 'model', model.name, { alias });
}

export async function aliasHistory(ctx: ServiceContext, tenantId: string, name: string, alias?: string): Promise<AliasChange[]> {
  const model = await modelByName(ctx, tenantId, name);
  return ctx.meta.models.aliasHistory(tenantId, model.id, alias);
}

export interface MetricComparison {
  name: string;
  a: number | null;
  b: number | null;
  delta: number | null;
}

/** The metrics of two versions side by side; delta = b − a. */
export async function compareVersions(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
  a: VersionSelector,
  b: VersionSelector,
): Promise<{ model: string; a: { number: number; id: string }; b: { number: number; id: string }; metrics: MetricComparison[] }> {
  const model = await modelByName(ctx, tenantId, name);
  const [va, vb] = [await modelVersion(ctx, tenantId, model, a), await modelVersion(ctx, tenantId, model, b)];
  const names = [...new Set([...Object.keys(va.metrics), ...Object.keys(vb.metrics)])].sort();
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const metrics = names
    .map((n) => {
      const x = num(va.metrics[n]),
        y = num(vb.metrics[n]);
      return { name: n, a: x, b: y, delta: x !== null && y !== null ? y - x : null };
    })
    .filter((m) => m.a !== null || m.b !== null);
  return { model: model.name, a: { number: va.number, id: va.id }, b: { number: vb.number, id: vb.id }, metrics };
}

const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : String(v));

/** A Markdown model card: data, task, template, metrics, intended use and limits, lineage. */
export async function modelCard(ctx: ServiceContext, tenantId: string, name: string, ref: VersionSelector): Promise<string> {
  const model = await modelByName(ctx, tenantId, name);
  const v = await modelVersion(ctx, tenantId, model, ref);
  const m = v.manifest as {
    task?: string;
    template?: string;
    target?: string;
    labels?: string[];
    positive_label?: string;
    threshold?: number;
    input_schema?: { name: string; type: string; categories?: string[] }[];
    rul?: { group_column: string; time_column: string; window: number; cap: number };
    training?: {
      seed?: number;
      epochs_run?: number;
      best_epoch?: number;
      stopped?: string;
      rows_train?: number;
      rows_validation?: number;
      members?: unknown[];
    };
  };
  const dv = v.datasetVersionId ? await ctx.meta.datasets.getVersion(tenantId, v.datasetVersionId) : null;
  const ds = dv ? await ctx.meta.datasets.get(tenantId, dv.datasetId) : null;
  const aliases = (await ctx.meta.models.listAliases(tenantId, model.id)).filter((a) => a.versionId === v.id).map((a) => a.alias);
  const template = m.template ? TEMPLATES[m.template] : undefined;
  const profile = dv?.profile as {
    warnings?: { code: string; column: string; message: string }[];
    target?: { name: string; distribution?: { label: string; fraction: number }[] };
  } | null;

  const lines: string[] = [`# Model card: ${model.name} v${v.number}`, ''];
  if (aliases.length) lines.push(`Aliases: ${aliases.map((a) => `\`${a}\``).join(', ')}`, '');
  lines.push('## Task', '', `- Task: ${m.task ?? 'unknown'}`, `- Target: \`${m.target ?? '?'}\``, `- Template: ${m.template ?? 'unknown'}`);
  if (m.labels?.length) lines.push(`- Classes: ${m.labels.map((l) => `\`${l}\``).join(', ')}`);
  if (m.positive_label !== undefined)
    lines.push(`- Positive class: \`${m.positive_label}\`${m.threshold !== undefined ? `, decision threshold ${fmt(m.threshold)}` : ''}`);
  lines.push('', '## Data', '');
  if (dv && ds) lines.push(`- Dataset: \`${ds.name}\` version ${dv.number} (sha256 \`${dv.sha256.slice(0, 12)}…\`), ${dv.rows} rows`);
  else lines.push('- Dataset: not recorded (imported model or deleted dataset)');
  if (dv?.maskingReport) lines.push('- Personal data was masked before the data was stored.');
  if (m.input_schema?.length)
    lines.push(`- Columns used (${m.input_schema.length}): ${m.input_schema.map((c) => `\`${c.name}\` (${c.type}${categoryList(c.categories)})`).join(', ')}`);
  if (m.training) lines.push(`- Rows: ${m.training.rows_train ?? '?'} for training, ${m.training.rows_validation ?? '?'} held out for validation`);
  lines.push('', '## Metrics (validation rows)', '', '| metric | value |', '| --- | --- |');
  for (const [k, val] of Object.entries(v.metrics)) if (typeof val === 'number') lines.push(`| ${k} | ${fmt(val)} |`);
  lines.push('', '## Intended use', '', template?.description ?? `A ${m.task ?? ''} model trained in Andon.`, '');
  lines.push('## Limits', '', ...limitsOf(m, profile).map((l) => `- ${l}`), '');
  lines.push('## Lineage', '', `- Model version id: \`${v.id}\``, `- Created: ${v.createdAt}${v.createdBy ? ` by ${v.createdBy}` : ''}`);
  if (dv) lines.push(`- Dataset version id: \`${dv.id}\``);
  if (v.jobId) lines.push(`- Training job: \`${v.jobId}\``);
  if (m.training)
    lines.push(
      `- Training: seed ${m.training.seed ?? '?'}, ${m.training.epochs_run ?? '?'} epochs (best ${m.training.best_epoch ?? '?'}, stopped: ${m.training.stopped ?? '?'})`,
    );
  if (m.training?.members?.length)
    lines.push(
      `- An ensemble of ${m.training.members.length} models, each trained holding out other validation rows, answering their mean (the epochs above are the first one's)`,
    );
  return lines.join('\n') + '\n';
}

function limitsOf(
  m: { task?: string; labels?: string[]; rul?: { cap: number; window: number; group_column: string } },
  profile: {
    warnings?: { code: string; column: string; message: string }[];
    target?: { name: string; distribution?: { label: string; fraction: number }[] };
  } | null,
): string[] {
  const out = [
    'Valid only for data like the training data: the same columns, units, machines and operating range. Check for drift before trusting it on a new line or product.',
  ];
  const dist = profile?.target?.distribution;
  if (m.labels?.length && dist?.length) {
    const rare = dist.reduce((a, b) => (b.fraction < a.fraction ? b : a));
    if (rare.fraction < 0.2)
      out.push(
        `Class imbalance: \`${rare.label}\` is ${(rare.fraction * 100).toFixed(1)}% of the rows; judge it by recall, precision and PR-AUC, not accuracy.`,
      );
  } else if (m.labels?.length) out.push('Classes may be imbalanced: judge rare classes by recall, precision and PR-AUC, not accuracy.');
  if (m.task === 'rul' && m.rul)
    out.push(
      `Remaining life is capped at ${m.rul.cap}: predictions near the cap mean "healthy", not an exact life. Needs the last ${m.rul.window} readings of each \`${m.rul.group_column}\`.`,
    );
  if (m.task === 'regression') out.push('Predictions outside the range of the training targets are extrapolation and unreliable.');
  if (m.task === 'text') out.push('Text in other languages or domains than the training text may be classified poorly.');
  for (const w of profile?.warnings ?? []) if (w.code !== 'class_imbalance') out.push(`Data warning (${w.column}): ${w.message}`);
  out.push('A decision aid for people: do not use it as the only safeguard for safety-critical actions.');
  return out;
}

/** ": a, b, c" — the first categories of a categorical input, for the model card. */
function categoryList(categories: string[] | undefined): string {
  if (!categories?.length) return '';
  return `: ${categories.slice(0, 10).join(', ')}${categories.length > 10 ? `, … ${categories.length} in all` : ''}`;
}
