/**
 * Minimum-interval rate limiting per (identity, method, route), as Vast documents it
 * (docs/vast-api.md §6.1): a call closer than `threshold` seconds to the previous one is answered 429.
 */

/** Outcome of a rate-limit check. */
export type RateDecision = { allowed: true } | { allowed: false; thresholdSeconds: number; retryAfterSeconds: number };

/** Remembers the last call per (identity, route key). */
export class RateLimiter {
  private readonly last = new Map<string, number>();

  /** Forgets every identity. */
  reset(): void {
    this.last.clear();
  }

  /**
   * Checks a call at `nowMs`. `countRejected` makes rejected calls restart the interval too.
   */
  check(identity: string, routeKey: string, thresholdSeconds: number, nowMs: number, countRejected: boolean): RateDecision {
    if (thresholdSeconds <= 0) return { allowed: true };
    const key = `${identity} ${routeKey}`;
    const prev = this.last.get(key);
    const intervalMs = thresholdSeconds * 1000;
    if (prev !== undefined && nowMs - prev < intervalMs) {
      if (countRejected) this.last.set(key, nowMs);
      return { allowed: false, thresholdSeconds, retryAfterSeconds: Math.max(0, (prev + intervalMs - nowMs) / 1000) };
    }
    this.last.set(key, nowMs);
    return { allowed: true };
  }
}
