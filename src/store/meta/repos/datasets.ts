// Datasets and their immutable, content-addressed versions; a version's JSON values (schema, profile, masking report, source) are sealed cells.
import { AndonError } from '../../../errors.js';
import { newId } from '../../ids.js';
import type { Dataset, DatasetVersion } from '../entities.js';
import { limitOf, notFound, nowIso, num, offsetOf, requireName, requireText, str, strOrNull, type Row, type Sql } from '../sql.js';
import type { DatasetRepository, ListOptions, NewDatasetVersion } from '../types.js';
import { nonNegativeInt, referencedOr, requireTenant, takenOr, tid } from './common.js';
import { openCell, sealCell, sealClearCells, type SealedTable, SealerSlot } from './sealed.js';

const datasetOf = (r: Row): Dataset => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  name: str(r.name),
  description: strOrNull(r.description),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

/** The sealed cells of a version row; the context names the row and field, so a cell moved elsewhere does not open. */
export const SEALED_VERSION_CELLS: SealedTable = {
  table: 'dataset_versions',
  columns: [
    ['schema', 'schema_json'],
    ['profile', 'profile_json'],
    ['maskingReport', 'masking_report'],
    ['source', 'source'],
  ],
  context: (id, field) => `dataset-version/${id}/${field}`,
};

export class DatasetRepo implements DatasetRepository {
  constructor(
    private readonly sql: Sql,
    private readonly sealing: SealerSlot = new SealerSlot(),
  ) {}

  /** A row as a version, its cells opened; `lenient` (delete) gives null for a cell that does not open rather than failing. */
  private async versionOf(r: Row, lenient = false): Promise<DatasetVersion> {
    const id = str(r.id),
      tenantId = str(r.tenant_id);
    const [schema, profile, maskingReport, source] = await Promise.all(
      SEALED_VERSION_CELLS.columns.map(([field, column]) => {
        const opened = openCell(this.sealing, tenantId, r[column], SEALED_VERSION_CELLS.context(id, field), null);
        return lenient ? opened.catch(() => null) : opened;
      }),
    );
    return {
      id,
      tenantId,
      datasetId: str(r.dataset_id),
      number: num(r.number),
      sha256: str(r.sha256),
      blobKey: str(r.blob_key),
      schema,
      profile,
      rows: num(r.row_count),
      bytes: num(r.byte_count),
      maskingReport,
      source,
      createdAt: str(r.created_at),
    };
  }

  private versionsOf(rows: Row[]): Promise<DatasetVersion[]> {
    return Promise.all(rows.map((r) => this.versionOf(r)));
  }

  sealClearValues(): Promise<number> {
    return sealClearCells(this.sql, this.sealing, SEALED_VERSION_CELLS);
  }

  async create(tenantId: string, input: { name: string; description?: string | null }): Promise<Dataset> {
    await requireTenant(this.sql, tenantId);
    const name = requireName(input.name);
    const now = nowIso();
    const row = await this.sql
      .get('INSERT INTO datasets (id, tenant_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *', [
        newId('dataset'),
        tenantId,
        name,
        input.description ?? null,
        now,
        now,
      ])
      .catch((e) => {
        throw takenOr(e, `dataset ${name}`, { name });
      });
    return datasetOf(row!);
  }

  async ensure(tenantId: string, name: string): Promise<Dataset> {
    await requireTenant(this.sql, tenantId);
    requireName(name);
    const now = nowIso();
    await this.sql.run(
      `INSERT INTO datasets (id, tenant_id, name, description, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)
       ON CONFLICT (tenant_id, name) DO NOTHING`,
      [newId('dataset'), tenantId, name, now, now],
    );
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
    const rows = await this.sql.all('SELECT * FROM datasets WHERE tenant_id = ? ORDER BY name LIMIT ? OFFSET ?', [
      tid(tenantId),
      limitOf(options.limit),
      offsetOf(options.offset),
    ]);
    return rows.map(datasetOf);
  }

  async delete(tenantId: string, id: string): Promise<{ versions: DatasetVersion[] }> {
    const rows = await this.sql.transaction(async (tx) => {
      const found = await tx.all('SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? ORDER BY number', [tid(tenantId), id]);
      const n = await tx.run('DELETE FROM datasets WHERE tenant_id = ? AND id = ?', [tenantId, id]).catch((e) => {
        throw referencedOr(e, 'dataset', id);
      });
      if (n === 0) throw notFound('dataset', id);
      return found;
    });
    // Opened after the commit (opening may read keys from this store); the rows are gone, so an altered cell is no reason to fail.
    return { versions: await Promise.all(rows.map((r) => this.versionOf(r, true))) };
  }

  async addVersion(tenantId: string, datasetId: string, input: NewDatasetVersion): Promise<{ version: DatasetVersion; created: boolean }> {
    tid(tenantId);
    const sha256 = requireText(input.sha256, 'sha256', 128);
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new AndonError('invalid_input', 'sha256 must be 64 lowercase hex digits', { sha256 });
    const values = {
      blobKey: requireText(input.blobKey, 'blobKey', 512),
      rows: nonNegativeInt(input.rows, 'rows'),
      bytes: nonNegativeInt(input.bytes, 'bytes'),
    };
    // Sealed before the transaction: sealing may read the tenant's key from this store, which waits while a transaction is open.
    const id = newId('datasetVersion');
    const [schema, profile, maskingReport, source] = await Promise.all(
      [input.schema, input.profile, input.maskingReport, input.source].map((value, i) =>
        sealCell(this.sealing, tenantId, value ?? null, SEALED_VERSION_CELLS.context(id, SEALED_VERSION_CELLS.columns[i]![0])),
      ),
    );
    // Two writers may race for the same number (PostgreSQL) or the same content: the unique
    // constraints decide, the loser inserts nothing and looks again in a fresh transaction.
    for (let round = 0; round < 10; round++) {
      const result = await this.sql.transaction(async (tx) => {
        const ds = await tx.get('SELECT id FROM datasets WHERE tenant_id = ? AND id = ?', [tenantId, datasetId]);
        if (!ds) throw notFound('dataset', datasetId);
        const same = await tx.get('SELECT * FROM dataset_versions WHERE dataset_id = ? AND sha256 = ?', [datasetId, sha256]);
        if (same) return { row: same, created: false };
        const max = await tx.get<{ n: unknown }>('SELECT MAX(number) AS n FROM dataset_versions WHERE dataset_id = ?', [datasetId]);
        const number = num(max?.n ?? 0) + 1;
        const row = await tx.get(
          `INSERT INTO dataset_versions (id, tenant_id, dataset_id, number, sha256, blob_key, schema_json, profile_json,
             row_count, byte_count, masking_report, source, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
          [id, tenantId, datasetId, number, sha256, values.blobKey, schema, profile, values.rows, values.bytes, maskingReport, source, nowIso()],
        );
        if (!row) return null;
        await tx.run('UPDATE datasets SET updated_at = ? WHERE id = ?', [nowIso(), datasetId]);
        return { row, created: true };
      });
      if (result) return { version: await this.versionOf(result.row), created: result.created };
    }
    throw new AndonError('conflict', `too many concurrent writers adding versions to dataset ${datasetId}; try again`, { datasetId });
  }

  async getVersion(tenantId: string, versionId: string): Promise<DatasetVersion | null> {
    const row = await this.sql.get('SELECT * FROM dataset_versions WHERE tenant_id = ? AND id = ?', [tid(tenantId), versionId]);
    return row ? this.versionOf(row) : null;
  }

  async getVersionByNumber(tenantId: string, datasetId: string, number: number): Promise<DatasetVersion | null> {
    const row = await this.sql.get('SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? AND number = ?', [tid(tenantId), datasetId, number]);
    return row ? this.versionOf(row) : null;
  }

  async latestVersion(tenantId: string, datasetId: string): Promise<DatasetVersion | null> {
    const row = await this.sql.get('SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? ORDER BY number DESC LIMIT 1', [
      tid(tenantId),
      datasetId,
    ]);
    return row ? this.versionOf(row) : null;
  }

  async listVersions(tenantId: string, datasetId: string): Promise<DatasetVersion[]> {
    const rows = await this.sql.all('SELECT * FROM dataset_versions WHERE tenant_id = ? AND dataset_id = ? ORDER BY number', [tid(tenantId), datasetId]);
    return this.versionsOf(rows);
  }

  async countVersionsByBlobKey(tenantId: string, blobKey: string): Promise<number> {
    const row = await this.sql.get<{ n: unknown }>('SELECT COUNT(*) AS n FROM dataset_versions WHERE tenant_id = ? AND blob_key = ?', [tid(tenantId), blobKey]);
    return num(row?.n);
  }
}
