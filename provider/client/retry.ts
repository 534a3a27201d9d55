/**
 * The only retry decision in the package, as data plus one pure function.
 *
 * - 429 is always retried: the server rejected the request, so repeating it is safe. The delay
 *   is the server's hint (`Retry-After` header, `retry_after` body field, or the
 *   `threshold=<seconds>` in the body: docs/vast-api.md §6.3), growing exponentially on repeats.
 * - 500/502/503/504 and connection failures are retried for idempotent methods (GET, DELETE,
 *   PUT) with capped, jittered exponential backoff. 500 is included because repeating an
 *   idempotent call is harmless and a single transient 500 must not fail a read or disable the
 *   provider's own-key guard (`GET /users/current/`).
 * - A POST (create) is never retried blindly after it may have reached the server: that could
 *   create a duplicate key. The outcome is reported as unknown and the caller reconciles.
 *   A POST whose connection was refused before sending is retried (nothing was sent).
 */

/** Tunables of the retry policy. */
export interface RetryPolicy {
  /** Total attempts, first included. */
  maxAttempts: number;
  /** First backoff delay for 5xx and connection errors, in ms. */
  baseDelayMs: number;
  /** Cap of any single delay, in ms. */
  maxDelayMs: number;
  /** Fraction of random jitter added to backoff delays (0..1). */
  jitter: number;
  /** Statuses retried for idempotent methods. */
  retryStatuses: readonly number[];
  /** Smallest first delay after a 429, in ms (docs/vast-api.md §6.4 recommends 1 s). */
  rateLimitFloorMs: number;
}

/** Defaults: up to 6 attempts, 0.5 s base, 30 s cap, 20 % jitter, 500/502/503/504, 1 s 429 floor. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.2,
  retryStatuses: [500, 502, 503, 504],
  rateLimitFloorMs: 1000,
};

/** What happened on one attempt. */
export type AttemptOutcome =
  | {
      kind: "status";
      /** HTTP status. */
      status: number;
      /** Server's delay hint, in ms, from `Retry-After` or `retry_after`. */
      retryAfterMs?: number | undefined;
      /** Interval parsed from `threshold=` in a 429 body, in ms. */
      thresholdMs?: number | undefined;
    }
  | {
      kind: "network";
      /** False only when the request certainly never reached the server (connection refused). */
      mayHaveBeenSent: boolean;
    };

/** The decision for one failed attempt. */
export type RetryDecision =
  | { action: "retry"; delayMs: number }
  | { action: "fail" }
  /** A non-idempotent request may have been applied: do not retry, reconcile. */
  | { action: "unknown-outcome" };

const IDEMPOTENT = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

/**
 * Decides whether attempt number `attempt` (1-based) is retried, and after how long.
 * `random` returns a number in [0, 1) and exists for deterministic tests.
 */
export function decideRetry(
  method: string,
  outcome: AttemptOutcome,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): RetryDecision {
  const idempotent = IDEMPOTENT.has(method.toUpperCase());
  const exhausted = attempt >= policy.maxAttempts;
  const backoff = () => {
    const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    return Math.min(policy.maxDelayMs, Math.round(exp * (1 + policy.jitter * random())));
  };

  if (outcome.kind === "status") {
    if (outcome.status === 429) {
      if (exhausted) return { action: "fail" };
      const hint = Math.max(outcome.retryAfterMs ?? 0, outcome.thresholdMs ?? 0, policy.rateLimitFloorMs);
      const grow = hint * 2 ** (attempt - 1);
      return { action: "retry", delayMs: Math.min(policy.maxDelayMs, Math.round(grow * (1 + policy.jitter * random()))) };
    }
    if (outcome.status >= 500 && !idempotent) return { action: "unknown-outcome" };
    if (policy.retryStatuses.includes(outcome.status) && idempotent && !exhausted) {
      return { action: "retry", delayMs: Math.max(backoff(), outcome.retryAfterMs ?? 0) };
    }
    return { action: "fail" };
  }
  if (outcome.mayHaveBeenSent && !idempotent) return { action: "unknown-outcome" };
  if (exhausted) return { action: "fail" };
  return { action: "retry", delayMs: backoff() };
}

/** Parses `threshold=2.0` (with or without a colon before it) from a 429 body, in ms. */
export function parseThresholdMs(body: string): number | undefined {
  const m = /threshold\s*=\s*([0-9]+(?:\.[0-9]+)?)/i.exec(body);
  if (!m?.[1]) return undefined;
  const seconds = Number(m[1]);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
}

/** Parses a `Retry-After` header (seconds or HTTP date), in ms. */
export function parseRetryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
