// Applies the schema migrations in order, each in its own transaction, recording them in
// schema_migrations; a database already at the latest version is left alone, and one written by a
// newer Andon is refused rather than misread.
import { AndonError } from '../../errors.js';
import { num, nowIso, type Sql } from './sql.js';

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  applied_at TEXT NOT NULL
)`;

export async function schemaVersion(sql: Sql): Promise<number> {
  await sql.run(CREATE_TABLE);
  const row = await sql.get<{ v: unknown }>('SELECT MAX(version) AS v FROM schema_migrations');
  return row?.v === null || row?.v === undefined ? 0 : num(row.v);
}

/**
 * `exec` runs a migration's script (several statements); it is called inside the transaction.
 * Returns the versions applied by this call.
 */
export async function migrate(sql: Sql, migrations: readonly string[], exec: (tx: Sql, script: string) => Promise<void>): Promise<number[]> {
  const applied: number[] = [];
  const known = migrations.length;
  const current = await schemaVersion(sql);
  if (current > known) throw newerError(current, known);
  for (let version = current + 1; version <= known; version++) {
    // Re-read inside the transaction: another process may have migrated since.
    const done = await sql.transaction(async (tx) => {
      const now = await schemaVersion(tx);
      if (now > known) throw newerError(now, known);
      if (now >= version) return false;
      await exec(tx, migrations[version - 1]!);
      await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [version, nowIso()]);
      return true;
    });
    if (done) applied.push(version);
  }
  return applied;
}

function newerError(found: number, known: number): AndonError {
  return new AndonError(
    'unavailable',
    `the metadata database is at schema version ${found}, but this version of Andon only knows up to ${known}; upgrade Andon to open it`,
    { schemaVersion: found, supported: known },
  );
}
