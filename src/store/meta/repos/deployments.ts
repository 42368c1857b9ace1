// Deployments: what an endpoint serves (a model's alias or one version), with its batching settings.
import { AndonError } from '../../../errors.js';
import { newId } from '../../ids.js';
import type { BatchingConfig, Deployment, JsonObject } from '../entities.js';
import { fromJson, limitOf, notFound, nowIso, offsetOf, requireName, str, strOrNull, type Row, type Sql } from '../sql.js';
import type { DeploymentRepository, ListOptions, NewDeployment } from '../types.js';
import { referencedOr, requireTenant, takenOr, tid } from './common.js';

const deploymentOf = (r: Row): Deployment => ({
  id: str(r.id),
  tenantId: str(r.tenant_id),
  name: str(r.name),
  modelId: str(r.model_id),
  targetAlias: strOrNull(r.target_alias),
  targetVersionId: strOrNull(r.target_version_id),
  batching: fromJson<BatchingConfig | null>(r.batching, null),
  config: fromJson<JsonObject>(r.config, {}),
  createdAt: str(r.created_at),
  updatedAt: str(r.updated_at),
});

function checkBatching(b: BatchingConfig | null | undefined): string | null {
  if (b === null || b === undefined) return null;
  if (!Number.isInteger(b.maxBatch) || b.maxBatch < 1 || typeof b.maxDelayMs !== 'number' || !(b.maxDelayMs >= 0)) {
    throw new AndonError('invalid_input', 'batching needs maxBatch ≥ 1 (an integer) and maxDelayMs ≥ 0', { batching: b });
  }
  return JSON.stringify({ maxBatch: b.maxBatch, maxDelayMs: b.maxDelayMs });
}

function checkConfig(c: JsonObject | undefined): string {
  if (c !== undefined && (typeof c !== 'object' || c === null || Array.isArray(c))) {
    throw new AndonError('invalid_input', 'deployment config must be an object', {});
  }
  return JSON.stringify(c ?? {});
}

type Target = { alias: string | null; versionId: string | null };

async function checkTarget(
  sql: Sql,
  tenantId: string,
  modelId: string,
  alias: string | null | undefined,
  versionId: string | null | undefined,
): Promise<Target> {
  const a = alias ?? null;
  const v = versionId ?? null;
  if ((a === null) === (v === null)) {
    throw new AndonError('invalid_input', 'a deployment targets exactly one of an alias or a version', { targetAlias: a, targetVersionId: v });
  }
  if (a !== null) requireName(a, 'targetAlias');
  if (v !== null && !(await sql.get('SELECT id FROM model_versions WHERE tenant_id = ? AND id = ? AND model_id = ?', [tenantId, v, modelId]))) {
    throw new AndonError('not_found', `model ${modelId} has no version ${v}`, { modelId, versionId: v });
  }
  return { alias: a, versionId: v };
}

export class DeploymentRepo implements DeploymentRepository {
  constructor(private readonly sql: Sql) {}

  async create(tenantId: string, input: NewDeployment): Promise<Deployment> {
    await requireTenant(this.sql, tenantId);
    const name = requireName(input.name);
    if (!(await this.sql.get('SELECT id FROM models WHERE tenant_id = ? AND id = ?', [tenantId, input.modelId]))) {
      throw notFound('model', input.modelId);
    }
    const target = await checkTarget(this.sql, tenantId, input.modelId, input.targetAlias, input.targetVersionId);
    const now = nowIso();
    const row = await this.sql
      .get(
        `INSERT INTO deployments (id, tenant_id, name, model_id, target_alias, target_version_id, batching, config, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [
          newId('deployment'),
          tenantId,
          name,
          input.modelId,
          target.alias,
          target.versionId,
          checkBatching(input.batching),
          checkConfig(input.config),
          now,
          now,
        ],
      )
      .catch((e) => {
        throw takenOr(e, `deployment ${name}`, { name });
      });
    return deploymentOf(row!);
  }

  async get(tenantId: string, id: string): Promise<Deployment | null> {
    const row = await this.sql.get('SELECT * FROM deployments WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
    return row ? deploymentOf(row) : null;
  }

  async getByName(tenantId: string, name: string): Promise<Deployment | null> {
    const row = await this.sql.get('SELECT * FROM deployments WHERE tenant_id = ? AND name = ?', [tid(tenantId), name]);
    return row ? deploymentOf(row) : null;
  }

  async list(tenantId: string, options: ListOptions & { modelId?: string } = {}): Promise<Deployment[]> {
    const byModel = options.modelId !== undefined;
    const rows = await this.sql.all(`SELECT * FROM deployments WHERE tenant_id = ?${byModel ? ' AND model_id = ?' : ''} ORDER BY name LIMIT ? OFFSET ?`, [
      tid(tenantId),
      ...(byModel ? [options.modelId] : []),
      limitOf(options.limit),
      offsetOf(options.offset),
    ]);
    return rows.map(deploymentOf);
  }

  async update(tenantId: string, id: string, patch: Partial<Omit<NewDeployment, 'name' | 'modelId'>>): Promise<Deployment> {
    return this.sql.transaction(async (tx) => {
      const row = await tx.get('SELECT * FROM deployments WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]);
      if (!row) throw notFound('deployment', id);
      const cur = deploymentOf(row);
      const retarget = patch.targetAlias !== undefined || patch.targetVersionId !== undefined;
      // Setting one target clears the other, so a patch can switch from alias to version in one call.
      const target = retarget
        ? await checkTarget(tx, tenantId, cur.modelId, patch.targetAlias ?? null, patch.targetVersionId ?? null)
        : { alias: cur.targetAlias, versionId: cur.targetVersionId };
      const batching = patch.batching === undefined ? (cur.batching ? JSON.stringify(cur.batching) : null) : checkBatching(patch.batching);
      const config = patch.config === undefined ? JSON.stringify(cur.config) : checkConfig(patch.config);
      const updated = await tx.get(
        `UPDATE deployments SET target_alias = ?, target_version_id = ?, batching = ?, config = ?, updated_at = ?
         WHERE tenant_id = ? AND id = ? RETURNING *`,
        [target.alias, target.versionId, batching, config, nowIso(), tenantId, id],
      );
      return deploymentOf(updated!);
    });
  }

  async delete(tenantId: string, id: string): Promise<void> {
    const n = await this.sql.run('DELETE FROM deployments WHERE tenant_id = ? AND id = ?', [tid(tenantId), id]).catch((e) => {
      throw referencedOr(e, 'deployment', id);
    });
    if (n === 0) throw notFound('deployment', id);
  }
}
