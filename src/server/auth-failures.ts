// Failed API-key use: throttled per client address and per key prefix, and audited as counts instead of one row per attempt.
import { AndonError } from '../errors.js';
import type { NewAuditEvent } from '../store/index.js';

/**
 * How many failed uses of well-formed keys (unknown prefix, wrong secret, revoked, expired) a window allows from one
 * address and against one key prefix; past that, 429 until the window ends. A window starts at its first failure.
 */
export interface FailurePolicy {
  windowMs: number;
  perAddress: number;
  perPrefix: number;
}
export const FAILURE_POLICY: FailurePolicy = { windowMs: 60_000, perAddress: 10, perPrefix: 10 };

/** The key whose prefix a failure presented, when that prefix found a row: the failure is audited in its tenant. */
export interface FailedKey {
  tenantId: string;
  keyId: string;
}
export interface Failure {
  ip: string;
  prefix: string;
  key?: FailedKey | undefined;
  reason: string;
  route: string;
}

/** Audited in place of the key's own reason when an address was refused before its key was checked. */
export const THROTTLED = 'throttled';

interface Window {
  count: number;
  ends: number;
  key?: FailedKey;
}
/** The failures of one key and reason in a window, after its first one (which is written at once). */
interface Pending {
  prefix: string;
  key: FailedKey;
  reason: string;
  route: string;
  count: number;
  addresses: string[];
  from: number;
  ends: number;
}

/** Counters kept per address and per prefix; past this the oldest go (an attacker spraying addresses gains a few tries, memory stays bounded). */
const MAX_WINDOWS = 100_000;
/** Distinct addresses told apart for one counted row (its `address` is the first; the details, masked like all audit details, carry how many). */
const MAX_ADDRESSES = 100;

/**
 * The unit an address is throttled by: IPv4 (also written IPv4-mapped) as is; IPv6 by its /64, which one machine
 * usually holds whole, so walking through its addresses gains nothing.
 */
export function addressKey(ip: string): string {
  const a = ip.split('%')[0].toLowerCase();
  if (a.startsWith('::ffff:') && a.includes('.')) return a.slice(7);
  if (!a.includes(':')) return a;
  const [head, tail] = a.split('::');
  const left = head ? head.split(':') : [],
    right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

const limited = (msLeft: number) => {
  const retryAfterSeconds = Math.max(1, Math.ceil(msLeft / 1000));
  return new AndonError('rate_limited', `too many failed API key uses: try again in ${retryAfterSeconds} s`, { retryAfterSeconds });
};

function live(map: Map<string, Window>, k: string, t: number): Window | undefined {
  const w = map.get(k);
  return w && w.ends > t ? w : undefined;
}

export class AuthFailures {
  private readonly addresses = new Map<string, Window>();
  private readonly prefixes = new Map<string, Window>();
  /** Open windows' counts by `prefix reason`, and closed windows' counts not written yet. */
  private readonly pending = new Map<string, Pending>();
  private closedWindows: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly write: (tenantId: string, event: NewAuditEvent) => Promise<void>,
    private readonly policy: FailurePolicy = FAILURE_POLICY,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Refuses (throws `rate_limited`) an address that has used up its failures in this window, from memory alone: no
   * key is looked up and nothing is written. The refusal is counted for the prefix's key when an earlier failure
   * of this prefix found it.
   */
  refuseThrottled(ip: string, prefix: string | undefined, route: string): void {
    const t = this.now();
    const w = live(this.addresses, addressKey(ip), t);
    if (!w || w.count < this.policy.perAddress) return;
    const key = prefix === undefined ? undefined : live(this.prefixes, prefix, t)?.key;
    if (key) this.count(key, prefix!, THROTTLED, ip, route, t);
    throw limited(w.ends - t);
  }

  /**
   * Records a failed use of a well-formed key and answers the error to send: `refusal` (401), or `rate_limited` once the
   * address or the prefix is past its limit. The first failure of a key and reason in a window is written before
   * this resolves; later ones are counted and written as one row when the window closes (or at the next write).
   */
  async failed(f: Failure, refusal: AndonError): Promise<AndonError> {
    const t = this.now();
    const a = this.bump(this.addresses, addressKey(f.ip), t);
    const p = this.bump(this.prefixes, f.prefix, t);
    if (f.key) {
      p.key = f.key;
      await this.count(f.key, f.prefix, f.reason, f.ip, f.route, t);
    }
    if (a.count > this.policy.perAddress) return limited(a.ends - t);
    if (p.count > this.policy.perPrefix) return limited(p.ends - t);
    return refusal;
  }

  /** Writes the counts of closed windows (of every window with `all`); a count whose write fails is kept for the next try. */
  flush(all = false, t = this.now()): Promise<void> {
    const due = this.closedWindows;
    this.closedWindows = [];
    // Taken out of the map before anything is awaited, so two flushes never write one count twice.
    for (const [id, p] of this.pending)
      if (all || p.ends <= t) {
        this.pending.delete(id);
        if (p.count > 0) due.push(p);
      }
    return due.length ? this.writeAll(due, t) : Promise.resolve();
  }

  /** At shutdown: every pending count is written. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush(true);
  }

  private bump(map: Map<string, Window>, k: string, t: number): Window {
    let w = live(map, k, t);
    if (!w) {
      w = { count: 0, ends: t + this.policy.windowMs };
      map.delete(k); // re-inserted, so the map's order is the order windows started in
      map.set(k, w);
      if (map.size > MAX_WINDOWS) {
        for (const [key, old] of map) if (old.ends <= t) map.delete(key);
        for (const key of map.keys()) {
          if (map.size <= MAX_WINDOWS * 0.9) break;
          map.delete(key);
        }
      }
    }
    w.count++;
    return w;
  }

  /**
   * Counts one failure. The first of its key and reason in a window is written now, after the counts of closed windows
   * (the next write); a refusal of a throttled address writes nothing, its count waits for the timer.
   */
  private count(key: FailedKey, prefix: string, reason: string, ip: string, route: string, t: number): Promise<void> {
    const id = `${prefix} ${reason}`;
    const open = this.pending.get(id);
    if (open && open.ends > t) {
      open.count++;
      open.route = route;
      if (open.addresses.length < MAX_ADDRESSES && !open.addresses.includes(ip)) open.addresses.push(ip);
      return Promise.resolve();
    }
    if (open && open.count > 0) this.closedWindows.push(open);
    const p: Pending = { prefix, key, reason, route, count: 0, addresses: [ip], from: t, ends: t + this.policy.windowMs };
    this.pending.set(id, p);
    this.schedule();
    if (reason === THROTTLED) {
      p.count = 1;
      return Promise.resolve();
    }
    return this.flush(false, t).then(() =>
      this.write(key.tenantId, {
        actor: key.keyId,
        action: 'auth.failed',
        objectType: 'api_key',
        objectId: key.keyId,
        address: ip,
        details: { reason, route, count: 1 },
      }),
    );
  }

  private async writeAll(due: Pending[], t: number): Promise<void> {
    for (let i = 0; i < due.length; i++) {
      const p = due[i];
      const event: NewAuditEvent = {
        actor: p.key.keyId,
        action: 'auth.failed',
        objectType: 'api_key',
        objectId: p.key.keyId,
        address: p.addresses[0],
        details: {
          reason: p.reason,
          route: p.route,
          count: p.count,
          addressCount: p.addresses.length,
          from: new Date(p.from).toISOString(),
          until: new Date(Math.min(p.ends, t)).toISOString(),
        },
      };
      try {
        await this.write(p.key.tenantId, event);
      } catch (e) {
        for (const q of due.slice(i)) this.restore(q);
        throw e;
      }
    }
  }

  /** A count that could not be written goes back, merged into its key and reason's open window if one started meanwhile. */
  private restore(p: Pending): void {
    const open = this.pending.get(`${p.prefix} ${p.reason}`);
    if (open) {
      open.count += p.count;
      open.from = Math.min(open.from, p.from);
    } else this.closedWindows.push(p);
    this.schedule();
  }

  /** One timer writes the counts of windows as they close; it never keeps the process alive. */
  private schedule(): void {
    if (this.timer || this.closed || (this.pending.size === 0 && this.closedWindows.length === 0)) return;
    let next = this.closedWindows.length ? this.now() : Number.POSITIVE_INFINITY;
    for (const p of this.pending.values()) next = Math.min(next, p.ends);
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        // A failed write keeps its count (restore) and is tried again by the next timer.
        this.flush()
          .catch(() => {})
          .finally(() => this.schedule());
      },
      Math.max(1000, next - this.now()),
    );
    this.timer.unref();
  }
}
