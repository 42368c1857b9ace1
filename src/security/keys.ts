// API keys: random secrets shown once, stored only as a hash beside a short public prefix that finds them.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AndonError } from '../errors.js';
import { ROLES, type ApiKey, type MetaStore, type Role } from '../store/index.js';

/** `andon_<12 hex prefix>_<32 base64url secret>`: the prefix is public (it names the key in lists and logs). */
const KEY_FORMAT = /^andon_([0-9a-f]{12})_([A-Za-z0-9_-]{32})$/;

export interface Principal {
  tenantId: string;
  keyId: string;
  keyName: string;
  role: Role;
  /** Deployment names this key may use; empty: all. */
  scopes: string[];
}

/** The secret is 192 random bits, so a plain SHA-256 is enough: there is nothing to brute-force as with passwords. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function generateKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomBytes(6).toString('hex');
  const key = `andon_${prefix}_${randomBytes(24).toString('base64url')}`;
  return { key, prefix, hash: hashKey(key) };
}

export interface NewKeyInput {
  name: string;
  role: Role;
  scopes?: string[];
  expiresAt?: string | null;
}

export function checkKeyInput(input: unknown): NewKeyInput {
  const o = (input ?? {}) as Record<string, unknown>;
  if (typeof o.name !== 'string' || !/^[\w .@-]{1,64}$/.test(o.name))
    throw new AndonError('invalid_input', 'a key needs a name of 1-64 letters, digits, spaces, ".", "@", "_" or "-"', { field: 'name' });
  if (!ROLES.includes(o.role as Role)) throw new AndonError('invalid_input', `role must be one of ${ROLES.join(', ')}`, { field: 'role', value: o.role });
  const scopes = o.scopes ?? [];
  if (!Array.isArray(scopes) || scopes.some((s) => typeof s !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(s))) {
    throw new AndonError('invalid_input', 'scopes must be a list of deployment names', { field: 'scopes' });
  }
  let expiresAt: string | null = null;
  if (o.expiresAt !== undefined && o.expiresAt !== null) {
    const t = typeof o.expiresAt === 'string' ? Date.parse(o.expiresAt) : NaN;
    if (!Number.isFinite(t)) throw new AndonError('invalid_input', 'expiresAt must be an ISO 8601 time', { field: 'expiresAt' });
    expiresAt = new Date(t).toISOString();
  }
  return { name: o.name, role: o.role as Role, scopes: scopes as string[], expiresAt };
}

/** Creates a key; the returned `key` is the only time the secret exists outside the caller. */
export async function createApiKey(meta: MetaStore, tenantId: string, input: NewKeyInput, secret?: string): Promise<{ key: string; record: ApiKey }> {
  const k = secret === undefined ? generateKey() : parseGiven(secret);
  const record = await meta.apiKeys.create(tenantId, {
    name: input.name,
    role: input.role,
    scopes: input.scopes ?? [],
    keyHash: k.hash,
    prefix: k.prefix,
    expiresAt: input.expiresAt ?? null,
  });
  return { key: k.key, record };
}

/** A key chosen by the operator (ANDON_BOOTSTRAP_KEY) must have the same shape and strength as a generated one. */
function parseGiven(key: string): { key: string; prefix: string; hash: string } {
  const m = KEY_FORMAT.exec(key);
  if (!m)
    throw new AndonError(
      'invalid_input',
      'a given API key must look like andon_<12 hex digits>_<32 letters, digits, "_" or "-">; leave it unset to have one generated',
    );
  return { key, prefix: m[1], hash: hashKey(key) };
}

/**
 * What a key row's successful check leaves for the next requests that present the same secret. A row lives in the
 * lookup cache for about a second; hashing the secret, parsing the row's times and building the principal on every
 * request of that second was several percent of a prediction's CPU in profiles. Keyed by the row object, so an entry
 * goes when the cache drops its row, and a reloaded row (revoked, expired) is checked in full again.
 */
interface Checked {
  secret: string;
  principal: Principal;
  expiresMs: number;
  lastUsedAt: string | null;
  lastUsedMs: number;
}
const checked = new WeakMap<ApiKey, Checked>();

/** Compares two secrets in a time that depends on their length alone (fixed by the key format), not on where they differ. */
function sameSecret(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function secretMatches(key: ApiKey, presented: string): boolean {
  const a = Buffer.from(hashKey(presented), 'hex'),
    b = Buffer.from(key.keyHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

const parseTime = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NEGATIVE_INFINITY);

/** How often last-used times are written: every request would turn each prediction into a database write. */
const TOUCH_EVERY_MS = 60_000;

const unauthenticated = (reason: string, key?: ApiKey | null) =>
  new AndonError('unauthenticated', 'a valid API key is required (Authorization: Bearer <key>)', {}, { reason, tenantId: key?.tenantId, keyId: key?.id });

/**
 * The principal of a presented key whose row was checked before with this very secret, is neither revoked nor expired
 * and needs no last-used write; else null, and the full check (authenticate) decides. Never throws.
 */
export function recheckKey(key: ApiKey, presented: string, now: number): Principal | null {
  const c = checked.get(key);
  if (!c || key.revokedAt || c.expiresMs <= now || !sameSecret(c.secret, presented)) return null;
  // authenticate moves the row's last-used time when it writes it.
  if (c.lastUsedAt !== key.lastUsedAt) {
    c.lastUsedAt = key.lastUsedAt;
    c.lastUsedMs = parseTime(key.lastUsedAt);
  }
  return now - c.lastUsedMs > TOUCH_EVERY_MS ? null : c.principal;
}

/** The public prefix of a presented key, which finds its row; a missing or malformed key is refused here. */
export function keyPrefix(presented: string | undefined): string {
  if (!presented) throw unauthenticated('missing');
  const m = KEY_FORMAT.exec(presented);
  if (!m) throw unauthenticated('malformed');
  return m[1];
}

/** The principal of a presented key given the row its prefix found (null: none), or `unauthenticated`. */
export function checkKey(key: ApiKey | null, presented: string, now: number): Principal {
  if (!key) throw unauthenticated('unknown');
  const c = checked.get(key);
  const seen = c !== undefined && sameSecret(c.secret, presented);
  if (!seen && !secretMatches(key, presented)) throw unauthenticated('wrong_secret', key);
  if (key.revokedAt) throw unauthenticated('revoked', key);
  const expiresMs = key.expiresAt ? Date.parse(key.expiresAt) : Number.POSITIVE_INFINITY;
  if (expiresMs <= now) throw unauthenticated('expired', key);
  if (seen) return c.principal;
  const principal = Object.freeze({
    tenantId: key.tenantId,
    keyId: key.id,
    keyName: key.name,
    role: key.role,
    scopes: Object.freeze([...key.scopes]) as string[],
  });
  checked.set(key, { secret: presented, principal, expiresMs, lastUsedAt: key.lastUsedAt, lastUsedMs: parseTime(key.lastUsedAt) });
  return principal;
}

/** Whether the key's last-used time is old enough to write again. */
export function touchDue(key: ApiKey, now: number): boolean {
  return now - parseTime(key.lastUsedAt) > TOUCH_EVERY_MS;
}

/**
 * The principal of a presented key; `lookup` may cache the row by prefix (revocation and expiry are still
 * checked on every request against the row it returns). Every failure is the same `unauthenticated` to the caller (no hint
 * whether a prefix exists); `reason` in the error details is for the audit log only.
 */
export async function authenticate(
  meta: MetaStore,
  presented: string | undefined,
  now = new Date(),
  lookup: (prefix: string, load: () => Promise<ApiKey | null>) => Promise<ApiKey | null> = (_p, load) => load(),
): Promise<Principal> {
  const prefix = keyPrefix(presented);
  const key = await lookup(prefix, () => meta.apiKeys.findByPrefixAcrossTenants(prefix));
  const principal = checkKey(key, presented!, now.getTime());
  if (touchDue(key!, now.getTime())) {
    key!.lastUsedAt = now.toISOString(); // the cached row too, so a cached key is touched once a minute, not per request
    await meta.apiKeys.touch(key!.tenantId, key!.id);
  }
  return principal;
}

/** A key as lists show it: never the hash. */
export function publicKey(k: ApiKey): Omit<ApiKey, 'keyHash'> {
  const { keyHash: _, ...rest } = k;
  return rest;
}
