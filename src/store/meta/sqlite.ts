// The embedded MetaStore: SQLite through better-sqlite3, in WAL mode with foreign keys and a busy timeout.
// better-sqlite3 is synchronous, so a transaction whose body awaits would let other callers' statements
// slip into it, or (with a second connection to the same file in this process) block the thread in
// SQLite's busy wait while the transaction holding the lock can never finish. An in-process lock per
// database file serialises transactions and makes other statements wait while one is open; between
// processes, SQLite's own locking and busy timeout apply.
// The file is private to its owner (0600, in a 0700 folder when Andon creates it; SQLite gives its -wal and -shm
// files the database's mode), and secure_delete zeroes what a delete or update frees, so no old value lingers.
import { chmodSync, closeSync, mkdirSync, openSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { AndonError } from '../../errors.js';
import { migrate, schemaVersion } from './migrate.js';
import { MIGRATIONS } from './schema.js';
import type { Dialect, Row, Sql, SqlValue } from './sql.js';
import { SqlMetaStore } from './store.js';
import type { MetaStore } from './types.js';

export interface SqliteOptions {
  /** A file path, or ':memory:' for a private in-memory database. */
  path: string;
  /** How long SQLite waits for another process's lock before `unavailable` (default 5000 ms). */
  busyTimeoutMs?: number;
  /** PRAGMA synchronous: NORMAL (default) survives a killed process; FULL also a power cut. */
  synchronous?: 'NORMAL' | 'FULL';
}

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  translateError(error: unknown): AndonError | null {
    if (error instanceof AndonError) return error;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return null;
    const message = (error as Error).message;
    if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      return new AndonError('conflict', 'a record with the same key already exists', { constraint: 'unique', reason: message });
    }
    if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
      return new AndonError('conflict', 'a referenced record is missing or a record is still referenced', { constraint: 'foreign_key', reason: message });
    }
    if (code === 'SQLITE_CONSTRAINT_CHECK' || code === 'SQLITE_CONSTRAINT_NOTNULL') {
      return new AndonError('invalid_input', 'a value breaks a constraint of the metadata schema', { constraint: 'check', reason: message });
    }
    if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') {
      return new AndonError('integrity_error', `the metadata database is damaged: ${message}`, { reason: code });
    }
    if (
      code.startsWith('SQLITE_BUSY') ||
      code.startsWith('SQLITE_LOCKED') ||
      code.startsWith('SQLITE_CANTOPEN') ||
      code.startsWith('SQLITE_READONLY') ||
      code === 'SQLITE_FULL' ||
      code.startsWith('SQLITE_IOERR')
    ) {
      return new AndonError('unavailable', `the metadata database is unavailable: ${message}`, { reason: code });
    }
    return null;
  },
};

function translate(error: unknown): unknown {
  return sqliteDialect.translateError(error) ?? error;
}

/** A FIFO lock; `locked` lets callers take a synchronous fast path when nobody holds it. */
class Mutex {
  private held = false;
  private readonly waiters: Array<() => void> = [];
  get locked(): boolean {
    return this.held;
  }
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((res) => this.waiters.push(res));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

const locks = new Map<string, { mutex: Mutex; refs: number }>();

function lockFor(key: string | null): { mutex: Mutex; free: () => void } {
  if (key === null) return { mutex: new Mutex(), free: () => {} };
  let entry = locks.get(key);
  if (!entry) locks.set(key, (entry = { mutex: new Mutex(), refs: 0 }));
  entry.refs++;
  const e = entry;
  return {
    mutex: e.mutex,
    free: () => {
      if (--e.refs === 0) locks.delete(key);
    },
  };
}

function bind(params: readonly SqlValue[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((p) => (p === undefined ? null : typeof p === 'boolean' ? (p ? 1 : 0) : p));
}

class SqliteSql implements Sql {
  private finished = false;
  constructor(
    private readonly db: Database.Database,
    private readonly mutex: Mutex,
    private readonly inTx: boolean,
    private readonly cache: Map<string, Database.Statement>,
  ) {}

  private statement(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      if (this.cache.size > 500) this.cache.clear();
      this.cache.set(sql, s);
    }
    return s;
  }

  private exec<T>(fn: () => T): Promise<T> {
    if (this.finished) return Promise.reject(new Error('statement on a finished transaction'));
    if (!this.db.open) return Promise.reject(new AndonError('unavailable', 'the metadata store is closed'));
    const now = (): T => {
      try {
        return fn();
      } catch (e) {
        throw translate(e);
      }
    };
    if (this.inTx || !this.mutex.locked) {
      try {
        return Promise.resolve(now());
      } catch (e) {
        return Promise.reject(e);
      }
    }
    return this.mutex.acquire().then(() => {
      try {
        return now();
      } finally {
        this.mutex.release();
      }
    });
  }

  all<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return this.exec(() => this.statement(sql).all(...bind(params)) as T[]);
  }

  get<T = Row>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return this.exec(() => this.statement(sql).get(...bind(params)) as T | undefined);
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.exec(() => this.statement(sql).run(...bind(params)).changes);
  }

  /** Runs a script of several statements (migrations). */
  script(sql: string): Promise<void> {
    return this.exec(() => {
      this.db.exec(sql);
    });
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    if (this.inTx) return fn(this);
    await this.mutex.acquire();
    const tx = new SqliteSql(this.db, this.mutex, true, this.cache);
    try {
      try {
        this.db.exec('BEGIN IMMEDIATE');
      } catch (e) {
        throw translate(e);
      }
      try {
        const result = await fn(tx);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw translate(e);
      }
    } finally {
      tx.finished = true;
      this.mutex.release();
    }
  }
}

/**
 * Creates the database file 0600 before SQLite does (it would use 0644), and takes group and other access away from
 * a database and its -wal/-shm files left by an older Andon. A file of another owner is left as it is.
 */
function privateFiles(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const mode = statSync(f).mode & 0o777;
      if (mode & 0o077) chmodSync(f, mode & 0o700);
    } catch {
      /* missing, or not ours to change */
    }
  }
}

export async function openSqliteMetaStore(options: SqliteOptions): Promise<MetaStore> {
  const memory = options.path === ':memory:';
  let db: Database.Database | undefined;
  let file: string | null = null;
  try {
    if (!memory) {
      file = resolve(options.path);
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      privateFiles(file);
    }
    db = new Database(memory ? ':memory:' : file!);
    if (!memory) {
      file = realpathSync(file!);
      db.pragma('journal_mode = WAL');
    }
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    db.pragma('foreign_keys = ON');
    db.pragma('secure_delete = ON');
    db.pragma(`synchronous = ${options.synchronous === 'FULL' ? 'FULL' : 'NORMAL'}`);
  } catch (e) {
    db?.close();
    const t = translate(e);
    if (t instanceof AndonError) throw t;
    throw new AndonError('unavailable', `cannot open the metadata database ${options.path}: ${(e as Error).message}`, { path: options.path });
  }
  const lock = lockFor(file);
  const sql = new SqliteSql(db, lock.mutex, false, new Map());
  let closed = false;
  const store = new SqlMetaStore(sql, {
    migrate: () => migrate(sql, MIGRATIONS, (tx, script) => (tx as SqliteSql).script(script)),
    version: () => schemaVersion(sql),
    purgeFreed: async () => {
      if (!memory) await sql.get('PRAGMA wal_checkpoint(TRUNCATE)');
    },
    ping: async () => {
      if (closed) throw new AndonError('unavailable', 'the metadata store is closed');
      await sql.get('SELECT 1 AS ok');
    },
    close: async () => {
      if (closed) return;
      closed = true;
      // Wait for a transaction in flight on this file before closing under it.
      await lock.mutex.acquire();
      try {
        db.close();
      } finally {
        lock.mutex.release();
        lock.free();
      }
    },
  });
  try {
    await store.migrate();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}
