// Short-lived caches for the lookups on every prediction (API key, deployment, alias) and a cache of immutable version rows.
//
// The database stays the truth. Writes made through this process drop the entries they change at once
// (revoking a key, moving an alias, changing a deployment), so a single server sees every change on the
// next request; other replicas see it within `ttlMs` (default 1 s). Version rows never change, so they are
// kept until evicted.

interface Entry<T> {
  value: Promise<T>;
  expires: number;
  loaded?: { value: T };
}

export class TtlCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  constructor(
    private readonly ttlMs: number,
    private readonly capacity = 10_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > t) return hit.value;
    const value = load();
    const entry: Entry<T> = { value, expires: t + this.ttlMs };
    this.entries.set(key, entry);
    // A failed load is not remembered.
    value.then(
      (v) => {
        entry.loaded = { value: v };
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
    return value;
  }

  /**
   * The value of a fresh entry whose load has finished, else undefined. A request's hot path reads this first and
   * only falls back to get() (a promise, so a turn of the event loop's microtask queue) when it finds nothing.
   * `now` lets a caller reading several caches read the clock once (every cache here runs on performance.now()).
   */
  peek(key: string, now = this.now()): { value: T } | undefined {
    const hit = this.entries.get(key);
    return hit && hit.expires > now ? hit.loaded : undefined;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops every entry whose key starts with `prefix`. */
  invalidate(prefix: string): void {
    for (const k of this.entries.keys()) if (k.startsWith(prefix)) this.entries.delete(k);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** The cache keys, in one place: every read and every write that clears an entry goes through these. */
export const lookupKey = {
  deployment: (tenantId: string, name: string) => `${tenantId}/${name}`,
  modelName: (tenantId: string, modelId: string) => `${tenantId}/${modelId}`,
  alias: (tenantId: string, modelId: string, alias: string) => `${tenantId}/${modelId}/${alias}`,
  version: (tenantId: string, versionId: string) => `${tenantId}/${versionId}`,
  /** A version by its number (OIP's /versions/{v}): numbers name one version for good. */
  versionNumber: (tenantId: string, modelId: string, number: number) => `${tenantId}/${modelId}#${number}`,
};

export class LookupCaches {
  /** key prefix → ApiKey row; by deployment: `tenant/name` → Deployment row; `tenant/model/alias` → version id. */
  readonly keys: TtlCache<unknown>;
  readonly deployments: TtlCache<unknown>;
  readonly aliases: TtlCache<string | null>;
  /** `tenant/versionId` → ModelVersion row; `tenant/modelId` → model name (immutable). */
  readonly versions: TtlCache<unknown>;
  readonly modelNames: TtlCache<string | null>;

  constructor(ttlMs = 1000) {
    this.keys = new TtlCache(ttlMs);
    this.deployments = new TtlCache(ttlMs);
    this.aliases = new TtlCache(ttlMs);
    this.versions = new TtlCache(Number.POSITIVE_INFINITY, 1000);
    this.modelNames = new TtlCache(Number.POSITIVE_INFINITY, 1000);
  }
}
