// Commands that work on the home's stores directly and so run only where the home is: `andon audit verify`
// (recomputes every tenant's hash chain) and `andon keys rotate-master` (re-wraps the tenant data keys).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AndonError } from '../errors.js';
import { verifyAuditChain, type AuditVerification } from '../security/audit.js';
import { MASTER_KEY_FILE, parseMasterKey } from '../security/master-key.js';
import { rotateMasterKey, rotateMasterKeyFile, type RotationResult } from '../security/rotation.js';
import { embeddedStoreUrls, openMetaStore, type MetaStore } from '../store/index.js';
import type { Config } from './config.js';

export function refuseRemote(command: string, url: string | undefined): void {
  if (url) {
    throw new AndonError(
      'invalid_input',
      `\`andon ${command}\` works on the data home itself, not through a server: run it where the home is (ANDON_HOME), without --url/ANDON_URL`,
    );
  }
}

async function withMeta<T>(config: Config, f: (meta: MetaStore) => Promise<T>): Promise<T> {
  const meta = await openMetaStore(config.databaseUrl ?? embeddedStoreUrls(config.home).databaseUrl);
  try {
    return await f(meta);
  } finally {
    await meta.close();
  }
}

export interface AuditVerifyResult {
  ok: boolean;
  tenants: ({ tenant: string; name: string } & AuditVerification)[];
}

export async function auditVerify(config: Config): Promise<AuditVerifyResult> {
  return withMeta(config, async (meta) => {
    const tenants = [];
    for (const t of await meta.tenants.listAcrossTenants()) tenants.push({ tenant: t.id, name: t.name, ...(await verifyAuditChain(meta, t.id)) });
    return { ok: tenants.every((t) => t.ok), tenants };
  });
}

export function formatAuditVerify(r: AuditVerifyResult): string {
  if (!r.tenants.length) return 'ok: no tenants (the home is empty)';
  return r.tenants
    .map((t) =>
      t.ok
        ? `ok: tenant ${t.name} (${t.tenant}): ${t.events} events, last hash ${t.lastHash?.slice(0, 16) ?? '-'}`
        : `BROKEN: tenant ${t.name} (${t.tenant}): first broken seq ${t.firstBroken!.seq}: ${t.firstBroken!.reason} (${t.events} events before it verify)`,
    )
    .join('\n');
}

export interface RotateResult extends RotationResult {
  keyFile: string | null;
  message: string;
}

/**
 * With the key file (the default): the new key is generated, written beside it and swapped in.
 * With ANDON_MASTER_KEY: the new key comes from ANDON_NEW_MASTER_KEY and the operator stores it.
 */
export async function rotateMaster(config: Config, env: NodeJS.ProcessEnv = process.env): Promise<RotateResult> {
  if (env.ANDON_MASTER_KEY) {
    if (!env.ANDON_NEW_MASTER_KEY) {
      throw new AndonError(
        'invalid_input',
        'ANDON_MASTER_KEY is set, so the new key must come from ANDON_NEW_MASTER_KEY (32 bytes as base64 or 64 hex digits, e.g. `openssl rand -base64 32`)',
      );
    }
    const oldKey = parseMasterKey(env.ANDON_MASTER_KEY, 'ANDON_MASTER_KEY');
    const newKey = parseMasterKey(env.ANDON_NEW_MASTER_KEY, 'ANDON_NEW_MASTER_KEY');
    const r = await withMeta(config, (meta) => rotateMasterKey(meta, oldKey, newKey));
    return {
      ...r,
      keyFile: null,
      message: `the home's data keys are now wrapped by master key ${r.to}: store the value of ANDON_NEW_MASTER_KEY as ANDON_MASTER_KEY wherever Andon runs (the old key no longer opens this home)`,
    };
  }
  const file = join(config.home, MASTER_KEY_FILE);
  if (!existsSync(file)) {
    throw new AndonError(
      'invalid_input',
      `there is no master key file at ${file} to rotate: is ANDON_HOME right? (a home whose key is in ANDON_MASTER_KEY rotates with ANDON_MASTER_KEY and ANDON_NEW_MASTER_KEY set)`,
    );
  }
  const { newKey: _secret, ...r } = await withMeta(config, (meta) => rotateMasterKeyFile(meta, file));
  return {
    ...r,
    keyFile: file,
    message: `the home's data keys are now wrapped by master key ${r.to}; ${file} holds the new key (back it up; the old key no longer opens this home)`,
  };
}
