// The registry commands (datasets, train --dataset, jobs, models, deployments, keys, audit list) over a
// Backend: each returns one result object (what --json prints) and has a formatter for people.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { AndonError } from '../errors.js';
import { parseBundle, type LoadedBundle } from '../ml/bundle.js';
import { ROLES, type AuditEvent, type Dataset, type DatasetVersion, type Model, type ModelVersion, type Role, type TrainingJob } from '../store/index.js';
import type { DeploymentView } from '../service/index.js';
import { checkFile, type Backend, type DatasetAddResult, type JobEventView, type ModelWithVersions, type PublicApiKey, type TrainRequest } from './backend.js';
import { byteProgressBar, progressBar } from './progress.js';
import type { ProgressEvent } from '../ml/trainer.js';
import type { TrainingSpec } from '../ml/training-spec.js';

// ---------- references: NAME, NAME@ALIAS, NAME:VERSION (and NAME@VERSION) ----------

export interface ModelRef {
  name: string;
  alias?: string;
  version?: number;
}

const NAME = '[A-Za-z0-9][A-Za-z0-9._-]{0,127}';

export function parseModelRef(ref: string): ModelRef {
  const m = new RegExp(`^(${NAME})(?:([@:])([A-Za-z0-9_-]{1,128}))?$`).exec(ref);
  if (!m)
    throw new AndonError(
      'invalid_input',
      `"${ref}" is not a model reference: use NAME, NAME@ALIAS or NAME:VERSION (e.g. line-3@production, line-3:2), or a bundle directory`,
    );
  const [, name, sep, sel] = m;
  if (sel === undefined) return { name };
  if (/^\d+$/.test(sel)) return { name, version: Number(sel) };
  if (sep === ':') throw new AndonError('invalid_input', `"${ref}": a version after ":" is a number; use NAME@${sel} for an alias`);
  return { name, alias: sel };
}

export function parseDatasetRef(ref: string): { name: string; version?: number } {
  const m = new RegExp(`^(${NAME})(?:[@:](\\d+))?$`).exec(ref);
  if (!m) throw new AndonError('invalid_input', `"${ref}" is not a dataset reference: use NAME or NAME@VERSION (e.g. machines@2)`);
  return { name: m[1], ...(m[2] !== undefined ? { version: Number(m[2]) } : {}) };
}

/** A model argument that names a bundle directory rather than a registry model: it exists, or it looks like a path. */
export function isBundlePath(model: string): boolean {
  return existsSync(model) || /[/\\]/.test(model) || model.startsWith('.') || model === '~';
}

/** The version a reference means: by alias, by number, or the latest when it names neither. */
export async function resolveVersion(b: Backend, ref: ModelRef): Promise<ModelVersion> {
  if (ref.alias !== undefined) return b.getVersion(ref.name, ref.alias);
  if (ref.version !== undefined) return b.getVersion(ref.name, ref.version);
  const model = await b.getModel(ref.name);
  if (!model.versions.length) throw new AndonError('not_found', `model "${ref.name}" has no versions yet`, { model: ref.name });
  return model.versions.reduce((a, v) => (v.number > a.number ? v : a));
}

/** A registry version's bundle, every file fetched and checked against the manifest's checksums. */
export async function loadRegistryBundle(b: Backend, ref: string): Promise<{ bundle: LoadedBundle; version: ModelVersion; name: string }> {
  const r = parseModelRef(ref);
  const version = await resolveVersion(b, r);
  const files = new Map<string, Uint8Array>();
  for (const file of Object.keys(version.bundle)) files.set(file, await b.bundleFile(r.name, version, file));
  return { bundle: parseBundle(files), version, name: r.name };
}

// ---------- output helpers ----------

function table(rows: (string | number | null | undefined)[][], header: string[]): string {
  const all = [header, ...rows.map((r) => r.map((c) => (c === null || c === undefined ? '-' : String(c))))];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

const num = (v: unknown) => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : '-');
const HEADLINE = ['accuracy', 'macro_f1', 'f1', 'precision', 'recall', 'roc_auc', 'rmse', 'mae', 'r2', 'rmse_last', 'nasa_score'];

function metricLines(metrics: Record<string, unknown>, indent = '  '): string[] {
  return HEADLINE.filter((k) => typeof metrics[k] === 'number').map((k) => `${indent}${k.padEnd(11)} ${num(metrics[k])}`);
}

function headline(metrics: Record<string, unknown>): string {
  return (
    HEADLINE.filter((k) => typeof metrics[k] === 'number')
      .slice(0, 3)
      .map((k) => `${k} ${num(metrics[k])}`)
      .join(', ') || '-'
  );
}

// ---------- datasets ----------

export async function datasetsAdd(b: Backend, file: string, o: { name: string; maskPii?: boolean; json?: boolean }): Promise<DatasetAddResult> {
  const bar = byteProgressBar(b.kind === 'remote' ? 'uploading' : 'reading');
  try {
    return await b.addDataset(file, { name: o.name, maskPii: o.maskPii, onProgress: o.json ? undefined : bar });
  } finally {
    bar.end();
  }
}

export function formatDatasetAdd(r: DatasetAddResult): string {
  const cols = (r.version.schema as { columns?: unknown[] } | null)?.columns?.length ?? '?';
  const head = r.created ? `added ${r.dataset.name}@${r.version.number}` : `unchanged: ${r.dataset.name}@${r.version.number} already has this content`;
  return `${head}: ${r.version.rows} rows, ${cols} columns, ${r.version.bytes} bytes (sha256 ${r.version.sha256.slice(0, 12)}…)${r.version.maskingReport ? ', personal data masked' : ''}`;
}

export function formatDatasets(items: Dataset[]): string {
  if (!items.length) return 'no datasets yet: add one with `andon datasets add FILE --name NAME`';
  return table(
    items.map((d) => [d.name, d.createdAt, d.updatedAt]),
    ['NAME', 'CREATED', 'UPDATED'],
  );
}

export function formatDataset(d: Dataset & { versions: DatasetVersion[] }): string {
  const lines = [`dataset ${d.name} (${d.id})`];
  if (!d.versions.length) return `${lines[0]}\nno versions`;
  lines.push(
    table(
      d.versions.map((v) => [
        v.number,
        v.rows,
        (v.schema as { columns?: unknown[] } | null)?.columns?.length ?? null,
        v.bytes,
        v.sha256.slice(0, 12),
        v.maskingReport ? 'yes' : 'no',
        v.createdAt,
      ]),
      ['VERSION', 'ROWS', 'COLUMNS', 'BYTES', 'SHA256', 'MASKED', 'CREATED'],
    ),
  );
  const latest = d.versions.reduce((a, v) => (v.number > a.number ? v : a));
  const cols = (latest.schema as { columns?: { name: string; type: string }[] } | null)?.columns ?? [];
  if (cols.length) lines.push(`columns of version ${latest.number}: ${cols.map((c) => `${c.name} (${c.type})`).join(', ')}`);
  return lines.join('\n');
}

// ---------- training from a dataset ----------

/** A checked training spec (src/ml/training-spec.ts) on a registered dataset. */
export interface TrainJobOptions extends TrainingSpec {
  dataset: string;
  model?: string;
  json?: boolean;
}

export interface TrainJobResult {
  job: string;
  status: string;
  model: string;
  version: number;
  metrics: Record<string, unknown>;
}

/** Starts a training job on a dataset version and follows it to the end: a bar on a terminal, the result or a one-line failure. */
export async function trainFromDataset(b: Backend, o: TrainJobOptions, hooks: { onStart?: (job: TrainingJob) => void } = {}): Promise<TrainJobResult> {
  const ds = parseDatasetRef(o.dataset);
  const model = o.model ?? ds.name;
  const { dataset: _d, model: _m, json: _j, ...spec } = o;
  const req: TrainRequest = {
    ...spec,
    dataset: ds.name,
    version: ds.version,
    model,
    task: o.task === 'auto' ? undefined : o.task,
    exclude: o.exclude?.length ? o.exclude : undefined,
  };
  const job = await b.startTraining(req);
  hooks.onStart?.(job);
  const say = o.json ? () => {} : (l: string) => process.stderr.write(`${l}\n`);
  say(`training job ${job.id}: ${ds.name}${ds.version ? `@${ds.version}` : ''} → model ${model} (${b.where})`);
  const bar = o.json ? () => {} : progressBar();
  let succeeded: { model?: string; version?: number; metrics?: Record<string, unknown> } | null = null;
  const onEvent = (e: JobEventView) => {
    const data = (e.data ?? {}) as Record<string, unknown>;
    if ((e.type === 'start' || e.type === 'step' || e.type === 'epoch' || e.type === 'training_end') && typeof data.type === 'string')
      bar(data as unknown as ProgressEvent);
    else if (e.type === 'warning') say(`warning: ${String(data.message ?? data.code ?? '')}`);
    else if (e.type === 'recovered') say(`the job was recovered after a restart (attempt ${String(data.attempt)})`);
    else if (e.type === 'succeeded') succeeded = data as typeof succeeded;
  };
  const final = await b.followJob(job.id, onEvent);
  if (final.status !== 'succeeded') {
    bar({ type: 'end' } as ProgressEvent);
    throw new AndonError(
      final.status === 'cancelled' ? 'conflict' : 'invalid_input',
      `training job ${final.id} ${final.status}${final.error ? `: ${final.error}` : ''}`,
      { job: final.id },
    );
  }
  let s = succeeded as { model?: string; version?: number; metrics?: Record<string, unknown> } | null;
  if (!s || s.version === undefined) {
    const m = await b.getModel(model);
    const v = m.versions.find((x) => x.id === final.resultModelVersionId);
    if (!v) throw new AndonError('internal', `job ${final.id} succeeded but its model version was not found`);
    s = { model, version: v.number, metrics: v.metrics };
  }
  return { job: final.id, status: final.status, model: s.model ?? model, version: s.version!, metrics: s.metrics ?? {} };
}

export function formatTrainJob(r: TrainJobResult): string {
  return [
    `trained ${r.model}:${r.version} (job ${r.job})`,
    ...metricLines(r.metrics),
    `promote it with: andon models promote ${r.model} --alias production --version ${r.version}`,
  ].join('\n');
}

// ---------- jobs ----------

function progressText(j: TrainingJob): string {
  const p = (j.progress ?? {}) as { epoch?: number; epochs?: number; fraction?: number; trainLoss?: number; loss?: number };
  if (j.status === 'succeeded') return 'done';
  if (p.epochs) return `epoch ${p.epoch ?? 0}/${p.epochs}${typeof (p.trainLoss ?? p.loss) === 'number' ? ` loss ${(p.trainLoss ?? p.loss)!.toFixed(4)}` : ''}`;
  return '-';
}

export function formatJobs(items: TrainingJob[]): string {
  if (!items.length) return 'no training jobs';
  return table(
    items.map((j) => {
      const s = j.spec as Record<string, unknown>;
      return [
        j.id,
        j.status,
        `${String(s.dataset)}@${String(s.datasetVersion)}`,
        String(s.modelName ?? '-'),
        String(s.target ?? '-'),
        progressText(j),
        j.createdAt,
      ];
    }),
    ['ID', 'STATUS', 'DATASET', 'MODEL', 'TARGET', 'PROGRESS', 'CREATED'],
  );
}

export function formatJob(j: TrainingJob): string {
  const s = j.spec as Record<string, unknown>;
  const lines = [
    `job ${j.id}: ${j.status}`,
    `  dataset   ${String(s.dataset)}@${String(s.datasetVersion)}`,
    `  model     ${String(s.modelName ?? '-')}`,
    `  target    ${String(s.target ?? '-')}`,
  ];
  for (const k of ['task', 'template', 'epochs', 'seed'] as const) if (s[k] !== undefined) lines.push(`  ${k.padEnd(9)} ${String(s[k])}`);
  lines.push(`  progress  ${progressText(j)}`, `  attempt   ${j.attempt}`, `  created   ${j.createdAt}`);
  if (j.startedAt) lines.push(`  started   ${j.startedAt}`);
  if (j.finishedAt) lines.push(`  finished  ${j.finishedAt}`);
  if (j.error) lines.push(`  error     ${j.error}`);
  if (j.resultModelVersionId) lines.push(`  result    ${j.resultModelVersionId}`);
  return lines.join('\n');
}

// ---------- models ----------

export async function modelsList(b: Backend): Promise<{ items: (Model & { versions: number; latest: number | null; aliases: Record<string, number> })[] }> {
  const items = [];
  for (const m of await b.listModels()) {
    const full = await b.getModel(m.name);
    const byId = new Map(full.versions.map((v) => [v.id, v.number]));
    items.push({
      ...m,
      versions: full.versions.length,
      latest: full.versions.length ? Math.max(...full.versions.map((v) => v.number)) : null,
      aliases: Object.fromEntries(full.aliases.map((a) => [a.alias, byId.get(a.versionId) ?? -1])),
    });
  }
  return { items };
}

export function formatModels(r: Awaited<ReturnType<typeof modelsList>>): string {
  if (!r.items.length) return 'no models yet: train one with `andon train --dataset NAME --target COLUMN --model NAME`';
  return table(
    r.items.map((m) => [
      m.name,
      m.versions,
      m.latest,
      Object.entries(m.aliases)
        .map(([a, v]) => `${a}→${v}`)
        .join(', ') || null,
      m.updatedAt,
    ]),
    ['NAME', 'VERSIONS', 'LATEST', 'ALIASES', 'UPDATED'],
  );
}

export function formatModel(m: ModelWithVersions): string {
  const aliases = new Map<string, string[]>();
  for (const a of m.aliases) aliases.set(a.versionId, [...(aliases.get(a.versionId) ?? []), a.alias]);
  const lines = [`model ${m.name} (${m.id})`];
  if (!m.versions.length) return `${lines[0]}\nno versions`;
  lines.push(
    table(
      [...m.versions]
        .sort((a, b) => a.number - b.number)
        .map((v) => {
          const man = v.manifest as { task?: string; template?: string };
          return [v.number, (aliases.get(v.id) ?? []).join(', ') || null, man.task ?? null, man.template ?? null, headline(v.metrics), v.createdAt];
        }),
      ['VERSION', 'ALIASES', 'TASK', 'TEMPLATE', 'METRICS', 'CREATED'],
    ),
  );
  return lines.join('\n');
}

export function formatVersion(name: string, v: ModelVersion): string {
  const man = v.manifest as { task?: string; template?: string; target?: string };
  return [
    `${name}:${v.number} (${v.id})`,
    `  task      ${man.task ?? '-'}`,
    `  template  ${man.template ?? '-'}`,
    `  target    ${man.target ?? '-'}`,
    `  files     ${Object.keys(v.bundle).join(', ')}`,
    `  created   ${v.createdAt}${v.createdBy ? ` by ${v.createdBy}` : ''}`,
    ...metricLines(v.metrics),
  ].join('\n');
}

export async function modelsPromote(
  b: Backend,
  name: string,
  o: { alias: string; version: string },
): Promise<{ model: string; alias: string; version: number; versionId: string }> {
  const ref = /^\d+$/.test(o.version) ? Number(o.version) : o.version;
  // Resolve first, so a wrong version is named as such and the answer carries the number.
  const v = await b.getVersion(name, ref);
  const a = await b.promote(name, o.alias, v.number);
  return { model: name, alias: a.alias, version: v.number, versionId: a.versionId };
}

export async function modelsExport(
  b: Backend,
  ref: string,
  o: { format: string; out: string },
): Promise<{ model: string; version: number; format: string; out: string; bytes: number }> {
  if (o.format !== 'onnx') throw new AndonError('invalid_input', `export format "${o.format}" is not supported: use --format onnx`);
  const r = parseModelRef(ref);
  const v = await resolveVersion(b, r);
  if (!v.bundle['model.onnx'])
    throw new AndonError('not_found', `${r.name}:${v.number} has no ONNX model (its export failed at training; see the job's warnings)`);
  const bytes = await b.bundleFile(r.name, v, 'model.onnx');
  const out = resolve(o.out);
  await writeFile(out, bytes);
  return { model: r.name, version: v.number, format: 'onnx', out, bytes: bytes.byteLength };
}

// ---------- deployments ----------

export function formatDeployments(items: DeploymentView[]): string {
  if (!items.length) return 'no deployments';
  return table(
    items.map((d) => [
      d.name,
      d.model,
      d.targetAlias ? `@${d.targetAlias}` : `:${d.targetVersion}`,
      d.batching ? `${d.batching.maxBatch}/${d.batching.maxDelayMs}ms` : 'off',
      d.createdAt,
    ]),
    ['NAME', 'MODEL', 'SERVES', 'BATCHING', 'CREATED'],
  );
}

export function formatDeployment(d: DeploymentView, where: string): string {
  const serves = d.targetAlias ? `${d.model}@${d.targetAlias}` : `${d.model}:${d.targetVersion}`;
  const url = /^https?:/.test(where) ? where : 'http://localhost:8080';
  return `deployment ${d.name} serves ${serves}\npredict: POST ${url}/api/v1/deployments/${d.name}/predict {"rows": [...]}`;
}

// ---------- keys and audit ----------

export function checkRole(role: string): Role {
  if (!ROLES.includes(role as Role)) throw new AndonError('invalid_input', `role must be one of ${ROLES.join(', ')}, got "${role}"`);
  return role as Role;
}

export function formatKeys(items: PublicApiKey[]): string {
  if (!items.length) return 'no API keys';
  return table(
    items.map((k) => [
      k.id,
      k.name,
      k.role,
      k.scopes.join(',') || 'all',
      k.prefix,
      k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? 'expired' : 'active',
      k.lastUsedAt,
    ]),
    ['ID', 'NAME', 'ROLE', 'SCOPES', 'PREFIX', 'STATE', 'LAST USED'],
  );
}

export function formatAudit(items: AuditEvent[]): string {
  if (!items.length) return 'no audit events';
  return table(
    items.map((e) => [e.seq, e.at, e.actor, e.action, e.objectType ? `${e.objectType}:${e.objectId ?? ''}` : null]),
    ['SEQ', 'AT', 'ACTOR', 'ACTION', 'OBJECT'],
  );
}

export { checkFile };
