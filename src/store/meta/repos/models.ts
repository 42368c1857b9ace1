// Models, their immutable versions (bundle blob keys, metrics, lineage; manifest and metrics are sealed cells) and, via ./aliases.ts, aliases.
import { AndonError } from '../../../errors.js';
import { newId } from '../../ids.js';
import type { Alias, AliasChange, JsonObject, Model, ModelVersion } from '../entities.js';
import { fromJson, limitOf, notFound, nowIso, num, offsetOf, requireName, requireText, str, strOrNull, type Row, type Sql } from '../sql.js';
import type { ListOptions, ModelRepository, NewModelVersion, VersionRef } from '../types.js';
import { aliasHistory, getAlias, listAliases, removeAlias, setAlias } from './aliases.js';
import { referencedOr, requireTenant, takenOr, tid } from './common.js';
import { openCell, sealCell, sealClearCells, type SealedTable, SealerSlot } from './sealed.js';

const modelOf = (r: Row): Model => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  name: str(r.name),
  description: strOrNull(r.description),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

/** The sealed cells of a version row: the manifest lists the input categories training saw, the metrics carry class labels and targets. */
export const SEALED_VERSION_CELLS: SealedTable = {
  table: 'model_versions',
  columns: [
    ['manifest', 'manifest'],
    ['metrics', 'metrics'],
  ],
  context: (id, field) => `model-version/${id}/${field}`,
};

function checkBundle(bundle: unknown): Record<string, string> {
  if (typeof bundle !== 'object' || bundle === null || Array.isArray(bundle) || !Object.values(bundle).every((v) => typeof v === 'string' && v !== '')) {
    throw new AndonError('invalid_input', 'a model version bundle maps file names to blob keys', {});
  }
  return bundle as Record<string, string>;
}

export class ModelRepo implements ModelRepository {
  constructor(
    private readonly sql: Sql,
    private readonly sealing: SealerSlot = new SealerSlot(),
  ) {}

  private async versionOf(r: Row): Promise<ModelVersion> {
    const id = str(r.id),
      tenantId = str(r.tenant_id);
    const [manifest, metrics] = (await Promise.all(
      SEALED_VERSION_CELLS.columns.map(([field, column]) => openCell(this.sealing, tenantId, r[column], SEALED_VERSION_CELLS.context(id, field), {})),
    )) as [JsonObject, JsonObject];
    return {
      id,
      tenantId,
      modelId: str(r.model_id),
      number: num(r.number),
      format: str(r.format),
      bundle: fromJson<Record<string, string>>(r.bundle, {}),
      manifest,
      metrics,
      datasetVersionId: strOrNull(r.dataset_version_id),
      jobId: strOrNull(r.job_id),
      createdBy: strOrNull(r.created_by),
      createdAt: str(r.created_at),
    };
  }

  sealClearValues(): Promise<number> {
    return sealClearCells(this.sql, this.sealing, SEALED_VERSION_CELLS);
  }

  async create(tenantId: string, input: { name: string; description?: string | null }): Promise<Model> {
    await requireTenant(this.sql, tenantId);
    const name = requireName(input.name);
    const now = nowIso();
    const row = await this.sql
      .get('INSERT INTO models (id, tenant_id, name, description, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *', [
        newId('model'),
        tenantId,
        name,
        input.description ?? null,
        now,
        now,
      ])
      .catch((e) => {
        throw takenOr(e, `model ${name}`, { name });
      });
    return modelOf(row!);
  }

  async ensure(tenantId: string, name: string): Promise<Model> {
    await requireTenant(this.sql, tenantId);
    requireName(name);
    const now = nowIso();
    await this.sql.run(
      `INSERT INTO models (id, tenant_id, name, description, created_at, updated_at) VALUES (?, ?, ?, NULL, ?, ?)
       ON CONFLICT (tenant_id, name) DO NOTHING`,
      [newId('model'), tenantId, name, now, now],
    );
    const found = await this.getByName(tenantId, name);
    if (!found) throw new AndonError('conflict', `model ${name} was deleted while being created`, { name });
    return found;
  }

  async get(tenantId: string, id: string): Promise<Model | null> {
    const row = await this.sql.get('SELECT * FROM models WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
    return row ? modelOf(row) : null;
  }

  async getByName(tenantId: string, name: string): Promise<Model | null> {
    const row = await this.sql.get('SELECT * FROM models WHERE tenant_id = ? AND name = ?', [tid(tenantId), name]);
    return row ? modelOf(row) : null;
  }

  async list(tenantId: string, options: ListOptions = {}): Promise<Model[]> {
    const rows = await this.sql.all('SELECT * FROM models WHERE tenant_id = ? ORDER BY name LIMIT ? OFFSET ?', [
      tid(tenantId),
      limitOf(options.limit),
      offsetOf(options.offset),
    ]);
    return rows.map(modelOf);
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const n = await this.sql.run('DELETE FROM models WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]).catch((e) => {
      throw referencedOr(e, 'model', id);
    });
    if (n === 0) throw notFound('model', id);
  }

  async addVersion(tenantId: string, modelId: string, input: NewModelVersion): Promise<{ version: ModelVersion; created: boolean }> {
    tid(tenantId);
    const bundle = JSON.stringify(checkBundle(input.bundle));
    const format = requireText(input.format ?? 'native', 'format', 32);
    const jobId = input.jobId ?? null;
    const dsv = input.datasetVersionId ?? null;
    // Sealed before the transaction: sealing may read the tenant's key from this store, which waits while a transaction is open.
    const id = newId('modelVersion');
    const [manifest, metrics] = await Promise.all(
      [input.manifest, input.metrics].map((value, i) =>
        sealCell(this.sealing, tenantId, value ?? {}, SEALED_VERSION_CELLS.context(id, SEALED_VERSION_CELLS.columns[i]![0])),
      ),
    );
    for (let round = 0; round < 10; round++) {
      const result = await this.sql.transaction(async (tx) => {
        if (!(await tx.get('SELECT id FROM models WHERE tenant_id = ? AND id = ?', [tenantId, modelId]))) throw notFound('model', modelId);
        if (jobId !== null) {
          const same = await tx.get('SELECT * FROM model_versions WHERE tenant_id = ? AND job_id = ?', [tenantId, jobId]);
          if (same) return { row: same, created: false };
          if (!(await tx.get('SELECT id FROM training_jobs WHERE tenant_id = ? AND id = ?', [tenantId, jobId]))) throw notFound('training job', jobId);
        }
        if (dsv !== null && !(await tx.get('SELECT id FROM dataset_versions WHERE tenant_id = ? AND id = ?', [tenantId, dsv]))) {
          throw notFound('dataset version', dsv);
        }
        const max = await tx.get<{ n: unknown }>('SELECT MAX(number) AS n FROM model_versions WHERE model_id = ?', [modelId]);
        const row = await tx.get(
          `INSERT INTO model_versions (id, tenant_id, model_id, number, format, bundle, manifest, metrics, dataset_version_id,
             job_id, created_by, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
          [id, tenantId, modelId, num(max?.n ?? 0) + 1, format, bundle, manifest, metrics, dsv, jobId, input.createdBy ?? null, nowIso()],
        );
        if (!row) return null;
        await tx.run('UPDATE models SET updated_at = ? WHERE id = ?', [nowIso(), modelId]);
        return { row, created: true };
      });
      if (result) return { version: await this.versionOf(result.row), created: result.created };
    }
    throw new AndonError('conflict', `too many concurrent writers adding versions to model ${modelId}; try again`, { modelId });
  }

  async getVersion(tenantId: string, versionId: string): Promise<ModelVersion | null> {
    const row = await this.sql.get('SELECT * FROM model_versions WHERE tenant_id = ? AND id = ?', [tid(tenantId), versionId]);
    return row ? this.versionOf(row) : null;
  }

  async getVersionByNumber(tenantId: string, modelId: string, number: number): Promise<ModelVersion | null> {
    const row = await this.sql.get('SELECT * FROM model_versions WHERE tenant_id = ? AND model_id = ? AND number = ?', [tid(tenantId), modelId, number]);
    return row ? this.versionOf(row) : null;
  }

  async listVersions(tenantId: string, modelId: string): Promise<ModelVersion[]> {
    const rows = await this.sql.all('SELECT * FROM model_versions WHERE tenant_id = ? AND model_id = ? ORDER BY number', [tid(tenantId), modelId]);
    return Promise.all(rows.map((r) => this.versionOf(r)));
  }

  async resolve(tenantId: string, modelId: string, ref: VersionRef): Promise<ModelVersion | null> {
    if ('alias' in ref) {
      const row = await this.sql.get(
        `SELECT v.* FROM model_aliases a JOIN model_versions v ON v.id = a.version_id
         WHERE a.tenant_id = ? AND a.model_id = ? AND a.alias = ? AND v.tenant_id = a.tenant_id`,
        [tid(tenantId), modelId, ref.alias],
      );
      return row ? this.versionOf(row) : null;
    }
    if ('number' in ref) return this.getVersionByNumber(tenantId, modelId, ref.number);
    const v = await this.getVersion(tenantId, ref.versionId);
    return v && v.modelId === modelId ? v : null;
  }

  setAlias(
    tenantId: string,
    modelId: string,
    alias: string,
    versionId: string,
    options?: { actor?: string | null; expectedVersionId?: string | null },
  ): Promise<Alias> {
    return setAlias(this.sql, tenantId, modelId, alias, versionId, options);
  }

  removeAlias(tenantId: string, modelId: string, alias: string, options: { actor?: string | null } = {}): Promise<void> {
    return removeAlias(this.sql, tenantId, modelId, alias, options.actor ?? null);
  }

  getAlias(tenantId: string, modelId: string, alias: string): Promise<Alias | null> {
    return getAlias(this.sql, tenantId, modelId, alias);
  }

  listAliases(tenantId: string, modelId: string): Promise<Alias[]> {
    return listAliases(this.sql, tenantId, modelId);
  }

  aliasHistory(tenantId: string, modelId: string, alias?: string): Promise<AliasChange[]> {
    return aliasHistory(this.sql, tenantId, modelId, alias);
  }
}
