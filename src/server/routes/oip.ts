// The Open Inference Protocol v2 (KServe/Triton REST): server and model metadata, health, readiness, infer.
// A model here is a deployment. A model trained in Andon takes one tensor per raw column (numbers as
// FP32/FP64/INT*, strings as BYTES) so its fitted pipeline runs on the server, and answers `label` +
// `probabilities` (classifiers) or `value` (+ `group` for remaining useful life).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AndonError } from '../../errors.js';
import { getDeployment, getVersion, resolveDeployment, type ServiceContext } from '../../service/index.js';
import { loadVersion } from '../../service/deployments.js';
import { checkRows, type Prediction, type ServingModel } from '../../service/serving.js';
import type { ModelVersion } from '../../store/index.js';
import type { ColumnKind } from '../../runtime/index.js';
import { principalOf } from '../auth.js';
import { timedPrediction, type ServerMetrics } from '../metrics.js';
import { name } from '../schemas.js';
import { predict } from '../../service/index.js';

const SERVER = { name: 'andon', version: '0.1.0', extensions: [] as string[] };
const NUMERIC = new Set(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64']);
const DATATYPE: Record<ColumnKind, string> = { number: 'FP64', time: 'FP64', boolean: 'BOOL', category: 'BYTES', text: 'BYTES', datetime: 'BYTES', group: 'BYTES' };

interface Tensor { name: string; shape: number[]; datatype: string; parameters?: Record<string, unknown>; data: unknown[] }
interface InferRequest { id?: string; parameters?: Record<string, unknown>; inputs: Tensor[]; outputs?: { name: string; parameters?: Record<string, unknown> }[] }

const tensor = {
  type: 'object', required: ['name', 'shape', 'datatype', 'data'],
  properties: { name: { type: 'string', maxLength: 256 }, shape: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 8 }, datatype: { type: 'string', maxLength: 16 }, parameters: { type: 'object' }, data: { type: 'array' } },
} as const;
const inferBody = {
  type: 'object', required: ['inputs'],
  properties: { id: { type: 'string', maxLength: 256 }, parameters: { type: 'object' }, inputs: { type: 'array', items: tensor, minItems: 1, maxItems: 1000 }, outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object' } } } } },
} as const;
const modelParams = { type: 'object', properties: { model: name, version: { type: 'string', pattern: '^[0-9]{1,9}$' } } } as const;

/** The version a request names: the deployment's current one, or another version of the same model. */
async function target(ctx: ServiceContext, req: FastifyRequest<{ Params: { model: string; version?: string } }>): Promise<{ model: string; version: ModelVersion }> {
  const t = principalOf(req).tenantId;
  if (req.params.version === undefined) {
    const r = await resolveDeployment(ctx, t, req.params.model);
    return { model: r.model, version: r.version };
  }
  const d = await getDeployment(ctx, t, req.params.model);
  return { model: d.model, version: await getVersion(ctx, t, d.model, Number(req.params.version)) };
}

function outputsOf(m: ServingModel): { name: string; datatype: string; shape: number[] }[] {
  const labels = m.manifest.labels;
  if (labels?.length) return [{ name: 'label', datatype: 'BYTES', shape: [-1] }, { name: 'probabilities', datatype: 'FP32', shape: [-1, labels.length] }];
  return m.manifest.rul ? [{ name: 'value', datatype: 'FP32', shape: [-1] }, { name: 'group', datatype: 'BYTES', shape: [-1] }] : [{ name: 'value', datatype: 'FP32', shape: [-1] }];
}

function flatten(data: unknown[]): unknown[] {
  return data.some(Array.isArray) ? (data as unknown[]).flat(Infinity) : data;
}

/** Column tensors → rows by column name, checking shapes, batch sizes and datatypes. */
export function rowsOf(inputs: Tensor[], schema: { name: string; kind: ColumnKind }[]): Record<string, unknown>[] {
  const known = new Map(schema.map((c) => [c.name, c]));
  let n: number | null = null;
  const columns = new Map<string, unknown[]>();
  for (const t of inputs) {
    const col = known.get(t.name);
    if (!col) throw new AndonError('unknown_column', `unexpected input "${t.name}"; the model takes ${[...known.keys()].join(', ')}`, {});
    if (columns.has(t.name)) throw new AndonError('invalid_input', `input "${t.name}" is given twice`, {});
    if (t.shape.length === 0 || t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1)) throw new AndonError('invalid_input', `input "${t.name}" must have shape [N] or [N, 1], got [${t.shape.join(', ')}]`, {});
    const data = flatten(t.data);
    if (data.length !== t.shape[0]) throw new AndonError('invalid_input', `input "${t.name}" has shape [${t.shape.join(', ')}] but ${data.length} values`, {});
    if (n !== null && t.shape[0] !== n) throw new AndonError('invalid_input', `every input needs the same batch size: "${t.name}" has ${t.shape[0]}, others ${n}`, {});
    n = t.shape[0];
    if (t.datatype === 'BYTES') {
      if (data.some((v) => typeof v !== 'string')) throw new AndonError('invalid_input', `input "${t.name}" is BYTES, so its data must be strings`, {});
    } else if (NUMERIC.has(t.datatype)) {
      if (col.kind === 'text' || col.kind === 'category' || col.kind === 'datetime') throw new AndonError('invalid_input', `input "${t.name}" is ${col.kind}: send it as BYTES`, {});
      if (data.some((v) => (t.datatype === 'BOOL' ? typeof v !== 'boolean' : typeof v !== 'number'))) throw new AndonError('invalid_input', `input "${t.name}" is ${t.datatype}, so its data must be ${t.datatype === 'BOOL' ? 'booleans' : 'numbers'}`, {});
    } else throw new AndonError('invalid_input', `input "${t.name}": unknown datatype "${t.datatype}"`, {});
    columns.set(t.name, data);
  }
  for (const c of schema) if (!columns.has(c.name)) throw new AndonError('invalid_input', `missing input "${c.name}" (${DATATYPE[c.kind]})`, {});
  return Array.from({ length: n ?? 0 }, (_, i) => Object.fromEntries([...columns].map(([k, v]) => [k, v[i]])));
}

function tensorsOf(predictions: Prediction[], m: ServingModel, wanted: string[] | null): Tensor[] {
  const labels = m.manifest.labels ?? [];
  const all: Tensor[] = labels.length
    ? [
      { name: 'label', datatype: 'BYTES', shape: [predictions.length], data: predictions.map((p) => ('label' in p ? p.label : '')) },
      { name: 'probabilities', datatype: 'FP32', shape: [predictions.length, labels.length], data: predictions.flatMap((p) => ('probabilities' in p ? labels.map((l) => p.probabilities[l]) : [])) },
    ]
    : [{ name: 'value', datatype: 'FP32', shape: [predictions.length], data: predictions.map((p) => ('value' in p ? p.value : NaN)) }];
  if (m.manifest.rul) all.push({ name: 'group', datatype: 'BYTES', shape: [predictions.length], data: predictions.map((p) => ('group' in p ? String(p.group) : '')) });
  if (!wanted) return all;
  for (const w of wanted) if (!all.some((t) => t.name === w)) throw new AndonError('invalid_input', `unknown output "${w}"; the model has ${all.map((t) => t.name).join(', ')}`, {});
  return all.filter((t) => wanted.includes(t.name));
}

export function oipRoutes(app: FastifyInstance, ctx: ServiceContext, metrics: ServerMetrics, isReady: () => Promise<boolean>): void {
  const tags = ['open inference protocol v2'];
  app.get('/v2', { config: { permission: 'deployments:read' }, schema: { tags, summary: 'Server metadata' } }, async () => SERVER);
  app.get('/v2/health/live', { config: { public: true }, schema: { tags, summary: 'Liveness (200, empty body)' } }, async (_req, reply) => reply.code(200).send());
  app.get('/v2/health/ready', { config: { public: true }, schema: { tags, summary: 'Readiness (200 ready, 503 not)' } }, async (_req, reply) => reply.code((await isReady()) ? 200 : 503).send());

  for (const base of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get<{ Params: { model: string; version?: string } }>(base, {
      config: { permission: 'deployments:read', deployment: 'params.model' }, schema: { tags, summary: 'Model metadata: inputs (one per raw column) and outputs', params: modelParams },
    }, async (req) => {
      const { version } = await target(ctx, req);
      const m = await loadVersion(ctx, principalOf(req).tenantId, version);
      return {
        name: req.params.model, versions: [String(version.number)], platform: m.engine === 'onnx' ? 'onnxruntime_onnx+andon_pipeline' : 'andon',
        inputs: m.inputSchema.map((c) => ({ name: c.name, datatype: DATATYPE[c.kind], shape: [-1] })),
        outputs: outputsOf(m),
        ...(m.manifest.labels?.length ? { parameters: { labels: m.manifest.labels } } : {}),
      };
    });

    app.get<{ Params: { model: string; version?: string } }>(`${base}/ready`, {
      config: { permission: 'deployments:read', deployment: 'params.model' }, schema: { tags, summary: 'Model readiness (200 ready, 4xx not)', params: modelParams },
    }, async (req, reply) => {
      const { version } = await target(ctx, req);
      await loadVersion(ctx, principalOf(req).tenantId, version);
      return reply.code(200).send();
    });

    app.post<{ Params: { model: string; version?: string }; Body: InferRequest }>(`${base}/infer`, {
      config: { permission: 'predict', deployment: 'params.model' }, schema: { tags, summary: 'Inference: one tensor per input column', params: modelParams, body: inferBody },
    }, (req) => timedPrediction(metrics, req.params.model, async () => {
      const t = principalOf(req).tenantId;
      const { version } = await target(ctx, req);
      const m = await loadVersion(ctx, t, version);
      const rows = checkRows(rowsOf(req.body.inputs, m.inputSchema));
      // The deployment's own version goes through predict (and its micro-batcher); a pinned other version directly.
      let predictions: Prediction[], answered = version.number;
      if (req.params.version === undefined) ({ predictions, version: answered } = await predict(ctx, t, req.params.model, rows));
      else predictions = await m.predict(rows);
      return {
        model_name: req.params.model, model_version: String(answered), ...(req.body.id !== undefined ? { id: req.body.id } : {}),
        outputs: tensorsOf(predictions, m, req.body.outputs ? req.body.outputs.map((o) => o.name) : null),
      };
    }));
  }
}
