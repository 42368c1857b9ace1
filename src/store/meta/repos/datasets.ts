// Datasets and their immutable, content-addressed versions.
import { AndonError } from '../../../errors.js';
import { newId } from '../../ids.js';
import type { Dataset, DatasetVersion } from '../entities.js';
import {
  fromJson, limitOf, notFound, nowIso, num, offsetOf, requireName, requireText, str, strOrNull, toJson, type Row, type Sql,
} from '../sql.js';
import type { DatasetRepository, ListOptions, NewDatasetVersion } from '../types.js';
import { nonNegativeInt, referencedOr, requireTenant, takenOr, tid } from './common.js';

const datasetOf = (r: Row): Dataset => ({
  id: str(r.id), tenantId: str(r.tenant_id), name: str(r.name), description: strOrNull(r.description),
  createdAt: str(r.created_at), updatedAt: str(r.updated_at),
});

const versionOf = (r: Row): DatasetVersion => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  datasetId: str(r.dataset_id),
  number: num(r.number),
  sha256: str(r.sha256),
  blobKey: str(r.blob_key),
  schema: fromJson(r.schema_json, null),
  profile: fromJson(r.profile_json, null),
  rows: num(r.row_count),
  bytes: num(r.byte_count),
  maskingReport: fromJson(r.masking_report, null),
  source: fromJson(r.source, null),
  createdAt: str(r.created_at),
});

export class DatasetRepo implements DatasetRepository {
  constructor(private readonly sql: Sql) {}

  async create(tenantId: string, input: { name: string; description?: string | null }): Promise<Dataset> {
    await requireTenant(this.sql, tenantId);
    const name = requireName(input.name);
    const now = nowIso();
    const row = await this.sql.get(
      'INSERT INTO datasets (id, tenant_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
      [newId('dataset'), tenantId, name, input.description ?? null, now, now],
    ).catch((e) => { throw takenOr(e, `dataset ${name}`, { name }); });
    return datasetOf(row!);
  }

  async ensure(tenantId: string, name: string): Promise<Dataset> {
    await requireTenant(this.sql, tenantId);
    requireName(name);
    const now = nowIso();
    await this.sql.run(
      `INSERT INTO datasets (id, tenant_id, name, description, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)
       ON CONFLICT (tenant_id, name) DO NOTHING`, [newId('dataset'), tenantId, name, now, now]);
    const found = await this.getByName(tenantId, name);
    if (!found) throw new AndonError('conflict', `dataset ${name} was deleted while being created`, { name });
    return found;
  }

  async get(tenantId: string, id: string): Promise<Dataset | null> {
    const row = await this.sql.get('SELECT * FROM datasets WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
    return row ? datasetOf(row) : null;
  }

  async getByName(tenantId: string, name: string): Promise<Dataset | null> {
    const row = await this.sql.get('SELECT * FROM datasets WHERE tenant_id = ? AND name = ?', [tid(tenantId), name]);
    return row ? datasetOf(row) : null;
  }

  async list(tenantId: string, options: ListOptions = {}): Promise<Dataset[]> {
    const rows = await this.sql.all('SELECT * FROM datasets WHERE tenant_id = ? ORDER BY name LIMIT ? OFFSET ?',
      [tid(tenantId), limitOf(options.limit), offsetOf(options.offset)]);
    return rows.map(datasetOf);
  }

  async delete(tenantId: string, id: string): Promise<{ versions: DatasetVersion[] }> {
    return this.sql.transaction(async (tx) => {
      const versions = (await tx.all('SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? ORDER BY number',
        [tid(tenantId), id])).map(versionOf);
      const n = await tx.run('DELETE FROM datasets WHERE tenant_id = ? AND id = ?', [tenantId, id])
        .catch((e) => { throw referencedOr(e, 'dataset', id); });
      if (n === 0) throw notFound('dataset', id);
      return { versions };
    });
  }

  async addVersion(tenantId: string, datasetId: string, input: NewDatasetVersion): Promise<{ version: DatasetVersion; created: boolean }> {
    tid(tenantId);
    const sha256 = requireText(input.sha256, 'sha256', 128);
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AndonError('invalid_input', 'sha256 must be 64 lowercase hex digits', { sha256 });
    const values = {
      blobKey: requireText(input.blobKey, 'blobKey', 512),
      schema: toJson(input.schema ?? null)!,
      rows: nonNegativeInt(input.rows, 'rows'),
      bytes: nonNegativeInt(input.bytes, 'bytes'),
    };
    // Two writers may race for the same number (PostgreSQL) or the same content: the unique
    // constraints decide, the loser inserts nothing and looks again in a fresh transaction.
    for (let round = 0; round < 10; round++) {
      const result = await this.sql.transaction(async (tx) => {
        const ds = await tx.get('SELECT id FROM datasets WHERE tenant_id = ? AND id = ?', [tenantId, datasetId]);
        if (!ds) throw notFound('dataset', datasetId);
        const same = await tx.get('SELECT * FROM dataset_versions WHERE dataset_id = ? AND sha256 = ?', [datasetId, sha256]);
        if (same) return { version: versionOf(same), created: false };
        const max = await tx.get<{ n: unknown }>('SELECT MAX(number) AS n FROM dataset_versions WHERE dataset_id = ?', [datasetId]);
        const number = num(max?.n ?? 0) + 1;
        const row = await tx.get(
          `INSERT INTO dataset_versions (id, tenant_id, dataset_id, number, sha256, blob_key, schema_json, profile_json,
             row_count, byte_count, masking_report, source, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
          [newId('datasetVersion'), tenantId, datasetId, number, sha256, values.blobKey, values.schema, toJson(input.profile ?? null),
            values.rows, values.bytes, toJson(input.maskingReport ?? null), toJson(input.source ?? null), nowIso()]);
        if (!row) return null;
        await tx.run('UPDATE datasets SET updated_at = ? WHERE id = ?', [nowIso(), datasetId]);
        return { version: versionOf(row), created: true };
      });
      if (result) return result;
    }
    throw new AndonError('conflict', `too many concurrent writers adding versions to dataset ${datasetId}; try again`, { datasetId });
  }

  async getVersion(tenantId: string, versionId: string): Promise<DatasetVersion | null> {
    const row = await this.sql.get('SELECT * FROM dataset_versions WHERE tenant_id = ? AND id = ?', [tid(tenantId), versionId]);
    return row ? versionOf(row) : null;
  }

  async getVersionByNumber(tenantId: string, datasetId: string, number: number): Promise<DatasetVersion | null> {
    const row = await this.sql.get('SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? AND number = ?',
      [tid(tenantId), datasetId, number]);
    return row ? versionOf(row) : null;
  }

  async latestVersion(tenantId: string, datasetId: string): Promise<DatasetVersion | null> {
    const row = await this.sql.get(
      'SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? ORDER BY number DESC LIMIT 1', [tid(tenantId), datasetId]);
    return row ? versionOf(row) : null;
  }

  async listVersions(tenantId: string, datasetId: string): Promise<DatasetVersion[]> {
    const rows = await this.sql.all('SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? ORDER BY number',
      [tid(tenantId), datasetId]);
    return rows.map(versionOf);
  }

  async countVersionsByBlobKey(tenantId: string, blobKey: string): Promise<number> {
    const row = await this.sql.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM dataset_versions WHERE tenant_id = ? AND blob_key = ?',
      [tid(tenantId), blobKey]);
    return num(row?.n);
  }
}
