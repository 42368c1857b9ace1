// The Open Inference Protocol v2 (KServe/Triton REST): server and model metadata, health, readiness, infer.
// A model here is a deployment. A model trained in Andon takes one tensor per raw column (numbers as
// FP32/FP64/INT*, strings as BYTES) so its fitted pipeline runs on the server, and answers `label` +
// `probabilities` (classifiers) or `value` (+ `group` for remaining useful life).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AndonError } from '../../errors.js';
import { infer, targetModel, type InferenceTarget, type Prediction, type ServiceContext, type ServingModel } from '../../service/index.js';
import type { ColumnKind } from '../../runtime/index.js';
import { principalOf } from '../auth.js';
import { name } from '../schemas.js';

const SERVER = { name: 'andon', version: '0.1.0', extensions: [] as string[] };
const NUMERIC = new Set(['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64']);
const DATATYPE: Record<ColumnKind, string> = {
  number: 'FP64',
  time: 'FP64',
  boolean: 'BOOL',
  category: 'BYTES',
  text: 'BYTES',
  datetime: 'BYTES',
  group: 'BYTES',
};

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  parameters?: Record<string, unknown>;
  data: unknown[];
}
interface InferRequest {
  id?: string;
  parameters?: Record<string, unknown>;
  inputs: Tensor[];
  outputs?: { name: string; parameters?: Record<string, unknown> }[];
}

const tensor = {
  type: 'object',
  required: ['name', 'shape', 'datatype', 'data'],
  properties: {
    name: { type: 'string', maxLength: 256 },
    shape: { type: 'array', items: { type: 'integer', minimum: 0 }, maxItems: 8 },
    datatype: { type: 'string', maxLength: 16 },
    parameters: { type: 'object' },
    data: { type: 'array' },
  },
} as const;
const inferBody = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', maxLength: 256 },
    parameters: { type: 'object' },
    inputs: { type: 'array', items: tensor, minItems: 1, maxItems: 1000 },
    outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object' } } } },
  },
} as const;
const modelParams = { type: 'object', properties: { model: name, version: { type: 'string', pattern: '^[0-9]{1,9}$' } } } as const;

/** The version a request names: the deployment's current one, or another version of the same model. */
function targetOf(params: { model: string; version?: string }): InferenceTarget {
  return params.version === undefined ? { deployment: params.model } : { deployment: params.model, version: Number(params.version) };
}

function outputsOf(m: ServingModel): { name: string; datatype: string; shape: number[] }[] {
  const labels = m.manifest.labels;
  if (labels?.length)
    return [
      { name: 'label', datatype: 'BYTES', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, labels.length] },
    ];
  return m.manifest.rul
    ? [
        { name: 'value', datatype: 'FP32', shape: [-1] },
        { name: 'group', datatype: 'BYTES', shape: [-1] },
      ]
    : [{ name: 'value', datatype: 'FP32', shape: [-1] }];
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
    if (t.shape.length === 0 || t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1))
      throw new AndonError('invalid_input', `input "${t.name}" must have shape [N] or [N, 1], got [${t.shape.join(', ')}]`, {});
    const data = flatten(t.data);
    if (data.length !== t.shape[0]) throw new AndonError('invalid_input', `input "${t.name}" has shape [${t.shape.join(', ')}] but ${data.length} values`, {});
    if (n !== null && t.shape[0] !== n)
      throw new AndonError('invalid_input', `every input needs the same batch size: "${t.name}" has ${t.shape[0]}, others ${n}`, {});
    n = t.shape[0];
    if (t.datatype === 'BYTES') {
      if (data.some((v) => typeof v !== 'string')) throw new AndonError('invalid_input', `input "${t.name}" is BYTES, so its data must be strings`, {});
    } else if (NUMERIC.has(t.datatype)) {
      if (col.kind === 'text' || col.kind === 'category' || col.kind === 'datetime')
        throw new AndonError('invalid_input', `input "${t.name}" is ${col.kind}: send it as BYTES`, {});
      if (data.some((v) => (t.datatype === 'BOOL' ? typeof v !== 'boolean' : typeof v !== 'number')))
        throw new AndonError('invalid_input', `input "${t.name}" is ${t.datatype}, so its data must be ${t.datatype === 'BOOL' ? 'booleans' : 'numbers'}`, {});
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
        {
          name: 'probabilities',
          datatype: 'FP32',
          shape: [predictions.length, labels.length],
          data: predictions.flatMap((p) => ('probabilities' in p ? labels.map((l) => p.probabilities[l]) : [])),
        },
      ]
    : [{ name: 'value', datatype: 'FP32', shape: [predictions.length], data: predictions.map((p) => ('value' in p ? p.value : NaN)) }];
  if (m.manifest.rul)
    all.push({ name: 'group', datatype: 'BYTES', shape: [predictions.length], data: predictions.map((p) => ('group' in p ? String(p.group) : '')) });
  if (!wanted) return all;
  for (const w of wanted)
    if (!all.some((t) => t.name === w)) throw new AndonError('invalid_input', `unknown output "${w}"; the model has ${all.map((t) => t.name).join(', ')}`, {});
  return all.filter((t) => wanted.includes(t.name));
}

export function oipRoutes(app: FastifyInstance, ctx: ServiceContext, isReady: () => Promise<boolean>): void {
  const tags = ['open inference protocol v2'];
  app.get('/v2', { config: { permission: 'deployments:read' }, schema: { tags, summary: 'Server metadata' } }, async () => SERVER);
  // KServe's data plane answers these with a body ({"live": true}, {"ready": true}); clients parse it.
  app.get('/v2/health/live', { config: { public: true }, schema: { tags, summary: 'Liveness: {"live": true}' } }, async () => ({ live: true }));
  app.get(
    '/v2/health/ready',
    { config: { public: true }, schema: { tags, summary: 'Readiness: {"ready": true} (200), or {"ready": false} (503)' } },
    async (_req, reply) => {
      const ready = await isReady();
      return reply.code(ready ? 200 : 503).send({ ready });
    },
  );

  for (const base of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get<{ Params: { model: string; version?: string } }>(
      base,
      {
        config: { permission: 'deployments:read', deployment: 'params.model' },
        schema: { tags, summary: 'Model metadata: inputs (one per raw column) and outputs', params: modelParams },
      },
      async (req) => {
        const { version, served: m } = await targetModel(ctx, principalOf(req).tenantId, targetOf(req.params));
        return {
          name: req.params.model,
          versions: [String(version.number)],
          platform: m.engine === 'onnx' ? 'onnxruntime_onnx+andon_pipeline' : 'andon',
          inputs: m.inputSchema.map((c) => ({ name: c.name, datatype: DATATYPE[c.kind], shape: [-1] })),
          outputs: outputsOf(m),
          ...(m.manifest.labels?.length ? { parameters: { labels: m.manifest.labels } } : {}),
        };
      },
    );

    app.get<{ Params: { model: string; version?: string } }>(
      `${base}/ready`,
      {
        config: { permission: 'deployments:read', deployment: 'params.model' },
        schema: { tags, summary: 'Model readiness: {"name", "ready": true} once its version is loaded (4xx when it cannot be)', params: modelParams },
      },
      async (req) => {
        await targetModel(ctx, principalOf(req).tenantId, targetOf(req.params));
        return { name: req.params.model, ...(req.params.version !== undefined ? { version: req.params.version } : {}), ready: true };
      },
    );

    app.post<{ Params: { model: string; version?: string }; Body: InferRequest }>(
      `${base}/infer`,
      {
        config: { permission: 'predict', deployment: 'params.model' },
        schema: { tags, summary: 'Inference: one tensor per input column', params: modelParams, body: inferBody },
      },
      async (req) => {
        // The tensors become rows by the answering model's input schema, inside the one inference entry.
        const r = await infer(ctx, principalOf(req).tenantId, targetOf(req.params), (m: ServingModel) => rowsOf(req.body.inputs, m.inputSchema), 'oip');
        return {
          model_name: req.params.model,
          model_version: String(r.version),
          ...(req.body.id !== undefined ? { id: req.body.id } : {}),
          outputs: tensorsOf(r.predictions, r.served, req.body.outputs ? req.body.outputs.map((o) => o.name) : null),
        };
      },
    );
  }
}
