// Model aliases (production, staging… → a version): each move is a compare-and-set on the alias row
// plus one history row, in one transaction, so readers see either the old or the new version.
import { AndonError } from '../../../errors.js';
import type { Alias, AliasChange } from '../entities.js';
import { notFound, nowIso, num, requireName, str, strOrNull, type Row, type Sql } from '../sql.js';
import { tid } from './common.js';

const aliasOf = (r: Row): Alias => ({
  tenantId: str(r.tenant_id),
  modelId: str(r.model_id),
  alias: str(r.alias),
  versionId: str(r.version_id),
  updatedBy: strOrNull(r.updated_by),
  updatedAt: str(r.updated_at),
});

const changeOf = (r: Row): AliasChange => ({
  tenantId: str(r.tenant_id),
  modelId: str(r.model_id),
  alias: str(r.alias),
  seq: num(r.seq),
  fromVersionId: strOrNull(r.from_version_id),
  toVersionId: strOrNull(r.to_version_id),
  actor: strOrNull(r.actor),
  at: str(r.at),
});

async function current(tx: Sql, tenantId: string, modelId: string, alias: string): Promise<string | null> {
  const row = await tx.get('SELECT version_id FROM model_aliases WHERE tenant_id = ? AND model_id = ? AND alias = ?', [tenantId, modelId, alias]);
  return row ? str(row.version_id) : null;
}

async function appendHistory(
  tx: Sql,
  tenantId: string,
  modelId: string,
  alias: string,
  from: string | null,
  to: string | null,
  actor: string | null,
  at: string,
): Promise<void> {
  const max = await tx.get<{ n: unknown }>('SELECT MAX(seq) AS n FROM model_alias_history WHERE model_id = ? AND alias = ?', [modelId, alias]);
  await tx.run(
    `INSERT INTO model_alias_history (tenant_id, model_id, alias, seq, from_version_id, to_version_id, actor, at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [tenantId, modelId, alias, num(max?.n ?? 0) + 1, from, to, actor, at],
  );
}

const RACE = Symbol('race');

export async function setAlias(
  sql: Sql,
  tenantId: string,
  modelId: string,
  aliasName: string,
  versionId: string,
  options: { actor?: string | null; expectedVersionId?: string | null } = {},
): Promise<Alias> {
  tid(tenantId);
  const alias = requireName(aliasName, 'alias');
  const actor = options.actor ?? null;
  for (let round = 0; round < 10; round++) {
    const result = await sql.transaction(async (tx) => {
      const version = await tx.get('SELECT id FROM model_versions WHERE tenant_id = ? AND id = ? AND model_id = ?', [tenantId, versionId, modelId]);
      if (!version) throw new AndonError('not_found', `model ${modelId} has no version ${versionId}`, { modelId, versionId });
      const from = await current(tx, tenantId, modelId, alias);
      if (options.expectedVersionId !== undefined && options.expectedVersionId !== from) {
        throw new AndonError('conflict', `alias ${alias} points at ${from ?? 'nothing'}, not ${options.expectedVersionId ?? 'nothing'}`, {
          alias,
          current: from,
          expected: options.expectedVersionId,
        });
      }
      const now = nowIso();
      if (from === versionId) {
        const row = await tx.get('SELECT * FROM model_aliases WHERE model_id = ? AND alias = ?', [modelId, alias]);
        return aliasOf(row!);
      }
      const row =
        from === null
          ? await tx.get(
              `INSERT INTO model_aliases (tenant_id, model_id, alias, version_id, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING *`,
              [tenantId, modelId, alias, versionId, actor, now],
            )
          : await tx.get(
              `UPDATE model_aliases SET version_id = ?, updated_by = ?, updated_at = ?
           WHERE tenant_id = ? AND model_id = ? AND alias = ? AND version_id = ? RETURNING *`,
              [versionId, actor, now, tenantId, modelId, alias, from],
            );
      if (!row) return RACE;
      await appendHistory(tx, tenantId, modelId, alias, from, versionId, actor, now);
      return aliasOf(row);
    });
    if (result !== RACE) return result;
    if (options.expectedVersionId !== undefined) {
      throw new AndonError('conflict', `alias ${alias} was moved by someone else`, { alias, expected: options.expectedVersionId });
    }
  }
  throw new AndonError('conflict', `alias ${alias} keeps moving; try again`, { alias });
}

export async function removeAlias(sql: Sql, tenantId: string, modelId: string, alias: string, actor: string | null): Promise<void> {
  tid(tenantId);
  await sql.transaction(async (tx) => {
    const from = await current(tx, tenantId, modelId, alias);
    if (from === null) throw notFound('alias', alias);
    const n = await tx.run('DELETE FROM model_aliases WHERE tenant_id = ? AND model_id = ? AND alias = ? AND version_id = ?', [tenantId, modelId, alias, from]);
    if (n === 0) throw new AndonError('conflict', `alias ${alias} was moved by someone else`, { alias });
    await appendHistory(tx, tenantId, modelId, alias, from, null, actor, nowIso());
  });
}

export async function getAlias(sql: Sql, tenantId: string, modelId: string, alias: string): Promise<Alias | null> {
  const row = await sql.get('SELECT * FROM model_aliases WHERE tenant_id = ? AND model_id = ? AND alias = ?', [tid(tenantId), modelId, alias]);
  return row ? aliasOf(row) : null;
}

export async function listAliases(sql: Sql, tenantId: string, modelId: string): Promise<Alias[]> {
  return (await sql.all('SELECT * FROM model_aliases WHERE tenant_id = ? AND model_id = ? ORDER BY alias', [tid(tenantId), modelId])).map(aliasOf);
}

export async function aliasHistory(sql: Sql, tenantId: string, modelId: string, alias?: string): Promise<AliasChange[]> {
  const rows = await sql.all(
    `SELECT * FROM model_alias_history WHERE tenant_id = ? AND model_id = ?${alias === undefined ? '' : ' AND alias = ?'}
     ORDER BY at, alias, seq`,
    [tid(tenantId), modelId, ...(alias === undefined ? [] : [alias])],
  );
  return rows.map(changeOf);
}
