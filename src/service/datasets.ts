// Dataset use cases: upload (read, mask personal data before anything is stored, profile, content-addressed blob, deduped version), list, show, preview, delete.
import { createHash } from 'node:crypto';
import { AndonError } from '../errors.js';
import type { Dataset, DatasetVersion } from '../store/index.js';
import { readTable, formatOf, type FileFormat } from '../data/readers/index.js';
import { profileTable } from '../data/profile.js';
import { inferSchema } from '../data/schema.js';
import { maskTable, type MaskMode } from '../data/mask/index.js';
import { cellOf, type Cell, type Table } from '../data/table.js';
import type { ServiceContext } from './context.js';
import { audit, SYSTEM, type Actor } from './audit.js';
import { checkName, datasetByName, datasetVersion } from './common.js';

export interface AddDatasetInput {
  name: string;
  bytes?: Uint8Array;
  stream?: AsyncIterable<Uint8Array | string>;
  filename?: string;
  format?: FileFormat;
  /** true: detect and redact personal data in every text column; or name whole columns and a mode. */
  maskPii?: boolean | { columns?: Record<string, MaskMode> | string[]; mode?: MaskMode; key?: Uint8Array };
  /** Refuse uploads bigger than this (`too_large`); default 256 MiB. */
  maxBytes?: number;
  description?: string;
}

export interface AddDatasetResult {
  dataset: Dataset;
  version: DatasetVersion;
  created: boolean;
}

export const DEFAULT_UPLOAD_BYTES = 256 * 2 ** 20;

/** Reads a stream whole, refusing it (`too_large`) as soon as it passes `maxBytes`. */
export async function collect(stream: AsyncIterable<Uint8Array | string>, maxBytes: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    total += b.length;
    if (total > maxBytes) throw new AndonError('too_large', `the upload is over the limit of ${maxBytes} bytes`, { maxBytes });
    parts.push(b);
  }
  return Buffer.concat(parts);
}

export function csvField(c: Cell): string {
  if (c === null) return '';
  const s = typeof c === 'number' ? String(c) : c;
  return /[",\n\r]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The table as CSV (header + rows), for storing a masked table: what was masked never reaches the store. */
export function tableToCsv(table: Table): Uint8Array {
  const lines = [table.columnNames.map(csvField).join(',')];
  for (let r = 0; r < table.rowCount; r++) lines.push(table.columns.map((c) => csvField(cellOf(c, r))).join(','));
  return Buffer.from(lines.join('\n') + '\n');
}

function maskOptions(m: Exclude<AddDatasetInput['maskPii'], undefined | boolean>) {
  const mode = m.mode ?? 'redact';
  const columns = Array.isArray(m.columns) ? Object.fromEntries(m.columns.map((c) => [c, mode])) : m.columns;
  return { mode, ...(columns ? { columns } : {}), ...(m.key ? { key: m.key } : {}) };
}

export async function addDataset(ctx: ServiceContext, tenantId: string, input: AddDatasetInput, actor: Actor = SYSTEM): Promise<AddDatasetResult> {
  const name = checkName('dataset', input.name);
  const maxBytes = input.maxBytes ?? DEFAULT_UPLOAD_BYTES;
  if ((input.bytes === undefined) === (input.stream === undefined)) throw new AndonError('invalid_input', 'give the data as exactly one of bytes or stream');
  const format: FileFormat = input.format ?? (input.filename ? formatOf(input.filename) : null) ?? 'csv';
  const raw = input.bytes ?? (await collect(input.stream!, maxBytes));
  if (raw.byteLength > maxBytes) throw new AndonError('too_large', `the upload is over the limit of ${maxBytes} bytes`, { maxBytes, bytes: raw.byteLength });
  if (raw.byteLength === 0) throw new AndonError('empty_input', 'the upload is empty');

  const read = await readTable(raw, { format, maxBytes });
  let table = read.table;
  let stored = raw,
    storedFormat = format,
    maskingReport: unknown = null;
  if (input.maskPii) {
    const masked = maskTable(table, input.maskPii === true ? {} : maskOptions(input.maskPii));
    table = masked.table;
    maskingReport = masked.report;
    // The stored blob is the masked table, re-serialised: the personal values are never written.
    stored = tableToCsv(table);
    storedFormat = 'csv';
  }
  const schema = inferSchema(table);
  const profile = profileTable(table);
  const sha256 = createHash('sha256').update(stored).digest('hex');

  const dataset = await ctx.meta.datasets.ensure(tenantId, name);
  const blob = await ctx.blobs.put(tenantId, stored, { maxBytes: Math.max(maxBytes, stored.byteLength) });
  const { version, created } = await ctx.meta.datasets.addVersion(tenantId, dataset.id, {
    sha256,
    blobKey: blob.key,
    schema,
    profile,
    rows: table.rowCount,
    bytes: stored.byteLength,
    maskingReport,
    source: { filename: input.filename ?? null, format, storedFormat, masked: !!input.maskPii, read: read.report },
  });
  if (created)
    await audit(ctx, tenantId, actor, 'dataset.version.create', 'dataset_version', version.id, {
      dataset: dataset.name,
      version: version.number,
      rows: version.rows,
    });
  return { dataset, version, created };
}

export async function listDatasets(ctx: ServiceContext, tenantId: string, options: { limit?: number; offset?: number } = {}): Promise<Dataset[]> {
  return ctx.meta.datasets.list(tenantId, options);
}

export async function getDataset(ctx: ServiceContext, tenantId: string, name: string): Promise<Dataset & { versions: DatasetVersion[] }> {
  const dataset = await datasetByName(ctx, tenantId, name);
  return { ...dataset, versions: await ctx.meta.datasets.listVersions(tenantId, dataset.id) };
}

/** The stored table of a version (masked, if it was masked at upload). */
export async function readVersionTable(ctx: ServiceContext, tenantId: string, version: DatasetVersion): Promise<Table> {
  const bytes = await ctx.blobs.get(tenantId, version.blobKey);
  return (await readTable(bytes, { format: storedFormatOf(version) })).table;
}

export function storedFormatOf(version: DatasetVersion): FileFormat {
  const f = (version.source as { storedFormat?: FileFormat } | null)?.storedFormat;
  return f ?? 'csv';
}

export async function previewVersion(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
  options: { version?: number; rows?: number } = {},
): Promise<{ dataset: string; version: number; columns: string[]; rows: Record<string, Cell>[]; totalRows: number }> {
  const n = options.rows ?? 20;
  if (!Number.isInteger(n) || n < 0 || n > 1000) throw new AndonError('invalid_input', 'preview rows must be an integer from 0 to 1000', { rows: n });
  const { version } = await datasetVersion(ctx, tenantId, name, options.version);
  const table = await readVersionTable(ctx, tenantId, version);
  const rows: Record<string, Cell>[] = [];
  for (let i = 0; i < Math.min(n, table.rowCount); i++) rows.push(table.row(i));
  return { dataset: name, version: version.number, columns: [...table.columnNames], rows, totalRows: table.rowCount };
}

/** Deletes the dataset and its versions (`conflict` while a job or model refers to one), then blobs nothing else uses. */
export async function deleteDataset(
  ctx: ServiceContext,
  tenantId: string,
  name: string,
  actor: Actor = SYSTEM,
): Promise<{ versions: number; blobsDeleted: number }> {
  const dataset = await datasetByName(ctx, tenantId, name);
  const { versions } = await ctx.meta.datasets.delete(tenantId, dataset.id);
  let blobsDeleted = 0;
  for (const key of new Set(versions.map((v) => v.blobKey))) {
    if ((await ctx.meta.datasets.countVersionsByBlobKey(tenantId, key)) === 0 && (await ctx.blobs.delete(tenantId, key))) blobsDeleted++;
  }
  const result = { versions: versions.length, blobsDeleted };
  await audit(ctx, tenantId, actor, 'dataset.delete', 'dataset', name, result);
  return result;
}
