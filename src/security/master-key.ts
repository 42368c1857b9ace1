// The master key: read from ANDON_MASTER_KEY or from a key file created (mode 0600) at the first start
// of a home, and checked against the store at every start, so a wrong or lost key fails loudly before
// anything is read or written. The store knows a master key only by an id and a check value (HMACs of
// constants under the key), never the key itself.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { AndonError } from '../errors.js';
import type { MetaStore } from '../store/meta/types.js';
import { KEY_BYTES } from './envelope.js';

export const MASTER_KEY_ENV = 'ANDON_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
/** Beside the key file during a rotation: the new key, written before the store is touched. */
export const NEXT_SUFFIX = '.next';

const HINT = 'it must be 32 bytes written as 64 hex digits or as base64 (e.g. `openssl rand -base64 32`)';

function fail(code: 'invalid_input' | 'unavailable' | 'integrity_error', reason: string, message: string, details: Record<string, unknown> = {}): AndonError {
  return new AndonError(code, message, { reason, ...details });
}

/** Parses 64 hex digits or base64 (standard or URL-safe, padding optional) of exactly 32 bytes. Never echoes the value. */
export function parseMasterKey(text: string, source = MASTER_KEY_ENV): Buffer {
  const s = typeof text === 'string' ? text.trim() : '';
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/]{43}=?$/.test(s) || /^[A-Za-z0-9_-]{43}=?$/.test(s)) {
    const key = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  throw fail('invalid_input', 'master_key_malformed', `${source} is not a valid master key: ${HINT}; got ${s.length} characters`, { source });
}

export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

export function formatMasterKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64');
}

/** The public identity of a master key: an id (16 hex) and a check value (64 hex), both HMACs of constants. */
export function masterKeyCheck(key: Uint8Array): { id: string; checkValue: string } {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) throw new AndonError('internal', `a master key is ${KEY_BYTES} bytes`);
  const mac = (label: string) => createHmac('sha256', key).update(label).digest('hex');
  return { id: mac('andon/master-key/id/v1').slice(0, 16), checkValue: mac('andon/master-key/check/v1') };
}

/**
 * Checks the key against the store's registry, registering it when the store has never seen one (the
 * first start). Fails with a message naming what is wrong: another key, a retired key, the pending
 * target of an unfinished rotation, or wrapped keys without any master key record.
 */
export async function verifyMasterKey(meta: MetaStore, key: Uint8Array): Promise<{ id: string; registered: boolean }> {
  const { id, checkValue } = masterKeyCheck(key);
  for (let attempt = 0; ; attempt++) {
    const records = await meta.tenantKeys.masterKeys();
    const mine = records.find((r) => r.id === id);
    if (mine) {
      if (!timingSafeEqual(Buffer.from(mine.checkValue, 'hex'), Buffer.from(checkValue, 'hex'))) {
        throw fail('integrity_error', 'master_key_record_damaged', `the store's record of master key ${id} is damaged (its check value does not match)`, {
          masterKeyId: id,
        });
      }
      if (mine.state === 'active') return { id, registered: false };
      if (mine.state === 'retired') {
        throw fail(
          'invalid_input',
          'master_key_retired',
          `this master key (${id}) was replaced by a rotation at ${mine.retiredAt}; start with the current master key`,
          { masterKeyId: id },
        );
      }
      throw fail(
        'invalid_input',
        'master_key_rotation_pending',
        `this master key (${id}) is the target of an unfinished rotation; start with the previous master key, or finish the rotation with \`andon keys rotate-master\``,
        { masterKeyId: id },
      );
    }
    const active = records.find((r) => r.state === 'active');
    if (active) {
      throw fail(
        'invalid_input',
        'master_key_mismatch',
        `the master key does not match the one this home was created with (or last rotated to): expected key id ${active.id}, got ${id}`,
        { masterKeyId: id, expected: active.id },
      );
    }
    const wrapped = await meta.tenantKeys.countAcrossTenants();
    if (wrapped > 0) {
      throw fail(
        'integrity_error',
        'master_key_record_missing',
        `the store holds ${wrapped} wrapped data key(s) but no record of the master key that wrapped them`,
        { wrapped },
      );
    }
    try {
      const { created } = await meta.tenantKeys.addMasterKey({ id, checkValue, state: 'active' });
      return { id, registered: created };
    } catch (e) {
      // Another process registered a key between our read and our insert: check against it.
      if (!(e instanceof AndonError && e.code === 'conflict') || attempt > 0) throw e;
    }
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, fsc.O_RDONLY);
  try {
    await fh.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM') throw e;
  } finally {
    await fh.close();
  }
}

/**
 * Writes a key file atomically with mode 0600: a temp file, fsync, then link (`exclusive`: fails with
 * `conflict` if the file exists, so two first starts cannot both create one) or rename (replace).
 */
export async function writeKeyFile(path: string, key: Uint8Array, options: { exclusive?: boolean } = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(`${formatMasterKey(key)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    if (options.exclusive) {
      try {
        await link(tmp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new AndonError('conflict', `the key file ${path} already exists`, { path });
        throw e;
      }
    } else {
      await rename(tmp, path);
    }
    await fsyncDir(dir);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** Reads a key file; null when it does not exist. Refuses a file others can read (as ssh does). */
export async function readKeyFile(path: string): Promise<Buffer | null> {
  let text: string;
  try {
    const s = await stat(path);
    if (process.platform !== 'win32' && (s.mode & 0o077) !== 0) {
      throw fail(
        'invalid_input',
        'master_key_file_mode',
        `the master key file ${path} is readable by other users (mode ${(s.mode & 0o777).toString(8)}); run chmod 600 on it`,
        { path },
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return parseMasterKey(text, `the master key file ${path}`);
}

export interface LoadMasterKeyOptions {
  /** The data home; the key file is `<home>/master.key` unless `file` says otherwise. */
  home: string;
  /** The value of ANDON_MASTER_KEY, if set: it wins over the key file. */
  env?: string | undefined;
  file?: string;
  meta: MetaStore;
}

export type MasterKeySource = 'env' | 'file' | 'created';

/**
 * The master key of this start, checked against the store (see verifyMasterKey). Without
 * ANDON_MASTER_KEY it reads the key file, or creates one when the store has never held a wrapped key;
 * a missing key file for a store that has is an error, never a silent new key.
 */
export async function loadMasterKey(options: LoadMasterKeyOptions): Promise<{ key: Buffer; id: string; source: MasterKeySource }> {
  if (options.env !== undefined && options.env.trim() !== '') {
    const key = parseMasterKey(options.env, MASTER_KEY_ENV);
    return { key, id: (await verifyMasterKey(options.meta, key)).id, source: 'env' };
  }
  const file = options.file ?? join(options.home, MASTER_KEY_FILE);
  await finishKeyFileRotation(file, options.meta);
  let key = await readKeyFile(file);
  let source: MasterKeySource = 'file';
  if (!key) {
    const active = (await options.meta.tenantKeys.masterKeys()).find((r) => r.state === 'active');
    const wrapped = await options.meta.tenantKeys.countAcrossTenants();
    if (active || wrapped > 0) {
      throw fail(
        'unavailable',
        'master_key_missing',
        `the master key file ${file} is missing, but this home's data was encrypted under master key ${active?.id ?? '(unknown)'}; ` +
          `restore the file or set ${MASTER_KEY_ENV} — a new key could not read the existing data`,
        { path: file, expected: active?.id ?? null },
      );
    }
    try {
      await writeKeyFile(file, generateMasterKey(), { exclusive: true });
      source = 'created';
    } catch (e) {
      if (!(e instanceof AndonError && e.code === 'conflict')) throw e;
    }
    key = (await readKeyFile(file))!;
  }
  return { key, id: (await verifyMasterKey(options.meta, key)).id, source };
}

/** After a crash between the store's commit and the file's rename: the `.next` key is active, so it takes the file's place. */
async function finishKeyFileRotation(file: string, meta: MetaStore): Promise<void> {
  const next = await readKeyFile(file + NEXT_SUFFIX);
  if (!next) return;
  const id = masterKeyCheck(next).id;
  const active = (await meta.tenantKeys.masterKeys()).find((r) => r.state === 'active');
  if (active?.id === id) await replaceKeyFile(file + NEXT_SUFFIX, file);
}

/** Atomically puts the key file `from` in the place of `to`, durably. */
export async function replaceKeyFile(from: string, to: string): Promise<void> {
  await rename(from, to);
  await fsyncDir(dirname(to));
}
