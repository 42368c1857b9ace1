// Where a command's work happens: the local data home (ANDON_HOME, opened in this process as its first
// tenant's admin) or a remote server (--url / ANDON_URL with ANDON_API_KEY). Commands talk to a Backend
// and never care which one they got.
import { createReadStream, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { AndonError, type ErrorCode } from '../errors.js';
import {
  addDataset,
  cancelJob,
  createDeployment,
  createServiceContext,
  getDataset,
  getJob,
  getModel,
  getVersion,
  jobEvents,
  listDatasets,
  listDeployments,
  listJobs,
  listModels,
  promote,
  startTraining,
  bootstrap,
  listAudit,
  createKey,
  listKeys,
  revokeKey,
  type Actor,
  type DeploymentView,
  type ServiceContext,
} from '../service/index.js';
import {
  isFinal,
  type Alias,
  type ApiKey,
  type AuditEvent,
  type Dataset,
  type DatasetVersion,
  type JobStatus,
  type JsonObject,
  type Model,
  type ModelVersion,
  type Role,
  type TrainingJob,
} from '../store/index.js';
import type { Config } from './config.js';
import type { TrainingSpec } from '../ml/training-spec.js';

export type PublicApiKey = Omit<ApiKey, 'keyHash'>;
export type ModelWithVersions = Model & { versions: ModelVersion[]; aliases: Alias[] };

/** POST /api/v1/jobs's body: a training spec (src/ml/training-spec.ts) on a dataset, for a registry model. */
export interface TrainRequest extends TrainingSpec {
  dataset: string;
  version?: number;
  model: string;
}

export interface DatasetAddResult {
  dataset: Dataset;
  version: DatasetVersion;
  created: boolean;
}
export interface JobEventView {
  seq: number;
  type: string;
  at?: string;
  data: unknown;
}
export interface NewDeployment {
  name: string;
  model: string;
  alias?: string;
  version?: number;
}
export interface NewKey {
  name: string;
  role: Role;
  scopes?: string[];
}

/** Bytes read so far and the total (for upload progress). */
export type ByteProgress = (done: number, total: number) => void;

export interface Backend {
  readonly kind: 'local' | 'remote';
  /** The home directory or the server URL, for messages. */
  readonly where: string;
  addDataset(file: string, o: { name: string; maskPii?: boolean; onProgress?: ByteProgress }): Promise<DatasetAddResult>;
  listDatasets(): Promise<Dataset[]>;
  getDataset(name: string): Promise<Dataset & { versions: DatasetVersion[] }>;
  startTraining(r: TrainRequest): Promise<TrainingJob>;
  listJobs(o?: { status?: JobStatus }): Promise<TrainingJob[]>;
  getJob(id: string): Promise<TrainingJob>;
  cancelJob(id: string): Promise<TrainingJob>;
  /** Calls onEvent for each of the job's events in order until the job ends; resolves with the final job. */
  followJob(id: string, onEvent: (e: JobEventView) => void): Promise<TrainingJob>;
  listModels(): Promise<Model[]>;
  getModel(name: string): Promise<ModelWithVersions>;
  /** A version by number or alias. */
  getVersion(name: string, ref: number | string): Promise<ModelVersion>;
  promote(name: string, alias: string, version: number): Promise<Alias>;
  /** One file of a version's bundle (manifest.json, weights.safetensors, model.onnx). */
  bundleFile(name: string, version: ModelVersion, file: string): Promise<Uint8Array>;
  listDeployments(): Promise<DeploymentView[]>;
  createDeployment(d: NewDeployment): Promise<DeploymentView>;
  createKey(k: NewKey): Promise<PublicApiKey & { key: string }>;
  listKeys(): Promise<PublicApiKey[]>;
  revokeKey(id: string): Promise<PublicApiKey>;
  listAudit(o?: { afterSeq?: number; limit?: number }): Promise<AuditEvent[]>;
  close(): Promise<void>;
}

/** Remote when --url or ANDON_URL is given, else the local home. */
export async function openBackend(config: Config, o: { url?: string; env?: NodeJS.ProcessEnv; consume?: boolean } = {}): Promise<Backend> {
  const env = o.env ?? process.env;
  const url = o.url ?? (env.ANDON_URL || undefined);
  if (url) return new RemoteBackend(url, env.ANDON_API_KEY);
  return LocalBackend.open(config, { consume: o.consume });
}

export function remoteUrlOf(o: { url?: string }, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return o.url ?? (env.ANDON_URL || undefined);
}

const LIST = { limit: 1000 };
/** Who local changes are recorded as in the audit trail. */
export const LOCAL_ACTOR = 'local-cli';
/** Changes made through the home directly are recorded as made by the local CLI. */
const LOCAL: Actor = { id: LOCAL_ACTOR };
const FOLLOW_POLL_MS = 250;

export class LocalBackend implements Backend {
  readonly kind = 'local';
  private constructor(
    readonly ctx: ServiceContext,
    readonly tenantId: string,
    readonly where: string,
  ) {}

  /** Opens the home; an empty home gets its first tenant (and admin key) as `andon serve` would create them. */
  static async open(config: Config, o: { consume?: boolean } = {}): Promise<LocalBackend> {
    const ctx = await createServiceContext({
      home: config.home,
      ...(config.masterKey ? { masterKey: config.masterKey } : {}),
      urls: {
        ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
        ...(config.blobUrl ? { blobUrl: config.blobUrl } : {}),
        ...(config.queueUrl ? { queueUrl: config.queueUrl } : {}),
      },
      // A command is not the home's owner: it runs the training it starts, and leaves other work (and recovery) to `andon serve`.
      consume: o.consume ?? false,
      recover: false,
      queue: { exclusive: false, pollMs: 200 },
    });
    try {
      const boot = await bootstrap(ctx, { bootstrapKey: config.bootstrapKey });
      // On a terminal only: piped output (scripts, CI logs) never carries a secret the command was not asked for.
      if (boot.created && boot.adminKey && !config.bootstrapKey && process.stderr.isTTY) {
        process.stderr.write(
          `Created a new Andon home in ${config.home}. Admin API key for \`andon serve\` (shown once, stored only as a hash): ${boot.adminKey}\n`,
        );
      }
      return new LocalBackend(ctx, boot.tenantId, config.home);
    } catch (e) {
      await ctx.close();
      throw e;
    }
  }

  addDataset(file: string, o: { name: string; maskPii?: boolean; onProgress?: ByteProgress }): Promise<DatasetAddResult> {
    const size = checkFile(file);
    return addDataset(
      this.ctx,
      this.tenantId,
      { name: o.name, stream: fileStream(file, size, o.onProgress), filename: basename(file), maskPii: o.maskPii },
      LOCAL,
    );
  }
  listDatasets() {
    return listDatasets(this.ctx, this.tenantId, LIST);
  }
  getDataset(name: string) {
    return getDataset(this.ctx, this.tenantId, name);
  }
  startTraining(r: TrainRequest): Promise<TrainingJob> {
    const { model, ...rest } = r;
    return startTraining(this.ctx, this.tenantId, { ...rest, modelName: model }, LOCAL);
  }
  listJobs(o: { status?: JobStatus } = {}) {
    return listJobs(this.ctx, this.tenantId, { ...LIST, ...o });
  }
  getJob(id: string) {
    return getJob(this.ctx, this.tenantId, id);
  }
  cancelJob(id: string) {
    return cancelJob(this.ctx, this.tenantId, id, LOCAL);
  }
  async followJob(id: string, onEvent: (e: JobEventView) => void): Promise<TrainingJob> {
    let after = 0;
    for (;;) {
      const events = await jobEvents(this.ctx, this.tenantId, id, after, 500);
      for (const e of events) {
        onEvent({ seq: e.seq, type: e.type, at: e.at, data: e.data });
        after = e.seq;
      }
      if (events.length === 500) continue;
      const job = await getJob(this.ctx, this.tenantId, id);
      if (isFinal(job.status) && (await jobEvents(this.ctx, this.tenantId, id, after, 1)).length === 0) return job;
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
    }
  }
  listModels() {
    return listModels(this.ctx, this.tenantId, LIST);
  }
  getModel(name: string) {
    return getModel(this.ctx, this.tenantId, name);
  }
  getVersion(name: string, ref: number | string) {
    return getVersion(this.ctx, this.tenantId, name, ref);
  }
  promote(name: string, alias: string, version: number) {
    return promote(this.ctx, this.tenantId, name, alias, version, LOCAL);
  }
  async bundleFile(name: string, version: ModelVersion, file: string): Promise<Uint8Array> {
    const key = version.bundle[file];
    if (!key) throw new AndonError('not_found', `version ${version.number} of ${name} has no file "${file}"`, { files: Object.keys(version.bundle) });
    return this.ctx.blobs.get(this.tenantId, key);
  }
  listDeployments() {
    return listDeployments(this.ctx, this.tenantId, LIST);
  }
  createDeployment(d: NewDeployment) {
    return createDeployment(this.ctx, this.tenantId, d, LOCAL);
  }
  createKey(k: NewKey) {
    return createKey(this.ctx, this.tenantId, k, LOCAL);
  }
  listKeys() {
    return listKeys(this.ctx, this.tenantId);
  }
  revokeKey(id: string) {
    return revokeKey(this.ctx, this.tenantId, id, LOCAL);
  }
  listAudit(o: { afterSeq?: number; limit?: number } = {}) {
    return listAudit(this.ctx, this.tenantId, o);
  }
  close() {
    return this.ctx.close();
  }
}

/** The size of a regular file, or a clear error. */
export function checkFile(file: string): number {
  let st;
  try {
    st = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new AndonError('not_found', `no such file: ${file}`, { path: file });
    throw e;
  }
  if (!st.isFile()) throw new AndonError('invalid_input', `${file} is not a file`, { path: file });
  if (st.size === 0) throw new AndonError('empty_input', `${file} is empty`, { path: file });
  return st.size;
}

/** The file's bytes as a stream, reporting how much has been read. */
function fileStream(file: string, size: number, onProgress?: ByteProgress): Readable {
  const source = createReadStream(file, { highWaterMark: 256 * 1024 });
  if (!onProgress) return source;
  let done = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onProgress(done, size);
      cb(null, chunk);
    },
  });
  source.on('error', (e) => counter.destroy(e));
  return source.pipe(counter);
}

const CONTENT_TYPES: Record<string, string> = {
  '.csv': 'text/csv',
  '.txt': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.jsonl': 'application/x-ndjson',
  '.ndjson': 'application/x-ndjson',
  '.json': 'application/octet-stream',
};
const FORMATS: Record<string, string> = { '.csv': 'csv', '.tsv': 'csv', '.txt': 'csv', '.json': 'json', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

const HTTP_CODES: Record<number, ErrorCode> = {
  400: 'invalid_input',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'invalid_input',
  429: 'rate_limited',
  503: 'unavailable',
};

export class RemoteBackend implements Backend {
  readonly kind = 'remote';
  readonly where: string;
  private readonly base: string;

  constructor(
    url: string,
    private readonly apiKey: string | undefined,
  ) {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw new AndonError('invalid_input', `--url/ANDON_URL "${url}" is not a URL (e.g. http://localhost:8080)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AndonError('invalid_input', `--url/ANDON_URL must be an http or https URL, got "${url}"`);
    this.base = u.href.replace(/\/+$/, '');
    this.where = this.base;
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const key = this.apiKey?.trim();
    if (!key) throw new AndonError('unauthenticated', `set ANDON_API_KEY to an API key of ${this.base}`);
    if (!/^[\x21-\x7e]+$/.test(key)) throw new AndonError('unauthenticated', 'ANDON_API_KEY is not an API key (it has spaces or other characters no key has)');
    return { authorization: `Bearer ${key}`, ...extra };
  }

  /** One request; an error body `{"error": {code, message}}` becomes an AndonError with that code and message. */
  async request(method: string, path: string, o: { json?: unknown; body?: BodyInit | Readable; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers = this.headers(o.json !== undefined ? { 'content-type': 'application/json', ...o.headers } : o.headers);
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        ...(o.json !== undefined ? { body: JSON.stringify(o.json) } : {}),
        ...(o.body !== undefined ? { body: o.body instanceof Readable ? (Readable.toWeb(o.body) as ReadableStream) : o.body, duplex: 'half' } : {}),
      } as RequestInit);
    } catch (e) {
      if (e instanceof AndonError) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      if (!cause) throw e;
      throw new AndonError('unavailable', `cannot reach ${this.base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let code: ErrorCode = HTTP_CODES[res.status] ?? (res.status >= 500 ? 'internal' : 'invalid_input');
    let message = `${method} ${path.split('?')[0]} answered ${res.status} ${res.statusText}`.trim();
    try {
      const body = JSON.parse(text) as { error?: { code?: string; message?: string } | string };
      if (body.error && typeof body.error === 'object') {
        if (typeof body.error.message === 'string') message = body.error.message;
        if (typeof body.error.code === 'string') code = body.error.code as ErrorCode;
      } else if (typeof body.error === 'string') message = body.error;
    } catch {
      /* not JSON: keep the status line */
    }
    // Say what kind of refusal it was when the message does not.
    if ((code === 'forbidden' || code === 'unauthenticated') && !message.toLowerCase().includes(code)) message = `${code}: ${message}`;
    throw new AndonError(code, message.replace(/\s*\n\s*/g, ' '), { status: res.status });
  }

  private async json<T>(method: string, path: string, o: Parameters<RemoteBackend['request']>[2] = {}): Promise<T> {
    return (await (await this.request(method, path, o)).json()) as T;
  }

  async addDataset(file: string, o: { name: string; maskPii?: boolean; onProgress?: ByteProgress }): Promise<DatasetAddResult> {
    const size = checkFile(file);
    const ext = extname(file).toLowerCase();
    const q = new URLSearchParams({ name: o.name, filename: basename(file) });
    if (FORMATS[ext]) q.set('format', FORMATS[ext]);
    if (o.maskPii) q.set('maskPii', 'true');
    return this.json('POST', `/api/v1/datasets?${q}`, {
      body: fileStream(file, size, o.onProgress),
      headers: { 'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream', 'content-length': String(size) },
    });
  }
  async listDatasets() {
    return (await this.json<{ items: Dataset[] }>('GET', '/api/v1/datasets?limit=1000')).items;
  }
  getDataset(name: string) {
    return this.json<Dataset & { versions: DatasetVersion[] }>('GET', `/api/v1/datasets/${enc(name)}`);
  }
  startTraining(r: TrainRequest) {
    const body = Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
    return this.json<TrainingJob>('POST', '/api/v1/jobs', { json: body });
  }
  async listJobs(o: { status?: JobStatus } = {}) {
    return (await this.json<{ items: TrainingJob[] }>('GET', `/api/v1/jobs?limit=1000${o.status ? `&status=${enc(o.status)}` : ''}`)).items;
  }
  getJob(id: string) {
    return this.json<TrainingJob>('GET', `/api/v1/jobs/${enc(id)}`);
  }
  cancelJob(id: string) {
    return this.json<TrainingJob>('POST', `/api/v1/jobs/${enc(id)}/cancel`);
  }

  /** Reads the job's server-sent events; reconnects after a dropped stream from the last event it saw. */
  async followJob(id: string, onEvent: (e: JobEventView) => void): Promise<TrainingJob> {
    let after = 0;
    for (let failures = 0; ;) {
      let ended = false;
      try {
        const res = await this.request('GET', `/api/v1/jobs/${enc(id)}/events?after=${after}`, { headers: { accept: 'text/event-stream' } });
        for await (const ev of readSse(res)) {
          if (ev.event === 'end') {
            ended = true;
            break;
          }
          if (ev.event === 'error') break;
          let parsed: JobEventView;
          try {
            parsed = JSON.parse(ev.data) as JobEventView;
          } catch {
            continue;
          }
          if (parsed.seq <= after) continue;
          after = parsed.seq;
          failures = 0;
          onEvent(parsed);
        }
      } catch (e) {
        // A refused request is final; a dropped connection is retried a few times.
        if (e instanceof AndonError && e.code !== 'unavailable') throw e;
        if (++failures > 5) throw e;
      }
      const job = await this.getJob(id);
      if (ended || isFinal(job.status)) return job;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  async listModels() {
    return (await this.json<{ items: Model[] }>('GET', '/api/v1/models?limit=1000')).items;
  }
  getModel(name: string) {
    return this.json<ModelWithVersions>('GET', `/api/v1/models/${enc(name)}`);
  }
  getVersion(name: string, ref: number | string) {
    return this.json<ModelVersion>('GET', `/api/v1/models/${enc(name)}/versions/${enc(String(ref))}`);
  }
  promote(name: string, alias: string, version: number) {
    return this.json<Alias>('PUT', `/api/v1/models/${enc(name)}/aliases/${enc(alias)}`, { json: { version } });
  }
  async bundleFile(name: string, version: ModelVersion, file: string): Promise<Uint8Array> {
    const res = await this.request('GET', `/api/v1/models/${enc(name)}/versions/${version.number}/files/${enc(file)}`);
    return new Uint8Array(await res.arrayBuffer());
  }
  async listDeployments() {
    return (await this.json<{ items: DeploymentView[] }>('GET', '/api/v1/deployments?limit=1000')).items;
  }
  createDeployment(d: NewDeployment) {
    const body = Object.fromEntries(Object.entries(d).filter(([, v]) => v !== undefined));
    return this.json<DeploymentView>('POST', '/api/v1/deployments', { json: body });
  }
  createKey(k: NewKey) {
    return this.json<PublicApiKey & { key: string }>('POST', '/api/v1/keys', {
      json: { name: k.name, role: k.role, ...(k.scopes?.length ? { scopes: k.scopes } : {}) },
    });
  }
  async listKeys() {
    return (await this.json<{ items: PublicApiKey[] }>('GET', '/api/v1/keys')).items;
  }
  revokeKey(id: string) {
    return this.json<PublicApiKey>('DELETE', `/api/v1/keys/${enc(id)}`);
  }
  async listAudit(o: { afterSeq?: number; limit?: number } = {}) {
    const q = new URLSearchParams({ limit: String(o.limit ?? 100), ...(o.afterSeq ? { afterSeq: String(o.afterSeq) } : {}) });
    return (await this.json<{ items: AuditEvent[] }>('GET', `/api/v1/audit?${q}`)).items;
  }
  async close() {}
}

const enc = encodeURIComponent;

/** Server-sent events from a fetch response: {event, data} per blank-line-terminated block. */
async function* readSse(res: Response): AsyncGenerator<{ event: string; data: string }> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buf = '';
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      for (let i = buf.search(/\r?\n\r?\n/); i >= 0; i = buf.search(/\r?\n\r?\n/)) {
        const block = buf.slice(0, i);
        buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split(/\r?\n/)) {
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
        if (data.length) yield { event, data: data.join('\n') };
      }
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
