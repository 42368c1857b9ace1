// Requests per API key: a token bucket per key in this process (a replica limits its own share; a shared limiter can replace it).
import { AndonError } from '../errors.js';

export interface RateLimit {
  perSecond: number;
  burst: number;
}

export class KeyRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one token of `key`, or throws `rate_limited` with the seconds until the next one. */
  take(key: string): void {
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: t };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      const retryAfter = Math.ceil((1 - b.tokens) / this.limit.perSecond);
      throw new AndonError('rate_limited', `too many requests for this key: at most ${this.limit.perSecond} per second (bursts of ${this.limit.burst})`, {
        retryAfterSeconds: retryAfter,
      });
    }
    b.tokens -= 1;
    // Forget idle keys now and then so the map stays the size of the active set.
    if (this.buckets.size > 10_000) for (const [k, v] of this.buckets) if (t - v.at > 60_000) this.buckets.delete(k);
  }
}
