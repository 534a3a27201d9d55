/**
 * The only retry decision in the package, as data plus one pure function.
 *
 * - 429 is retried until a **time budget** is spent, not for a number of attempts: the server
 *   rejected the request, so repeating it is safe, and under contention (several processes, e.g.
 *   parallel stacks, on one credential) a fixed count runs out while the operation could still
 *   finish. The delay is the server's hint (`Retry-After` header, `retry_after` body field, or the
 *   `threshold=<seconds>` in the body: docs/vast-api.md §6.3) times a random factor in
 *   [1, 1 + `rateLimitJitter`). It does not grow with repeats: Vast frees the endpoint one
 *   threshold after the last accepted call, and a waiter that backs off exponentially leaves it
 *   idle for seconds (and loses every race to callers that retry sooner). The random factor keeps
 *   processes that were refused at the same moment from retrying in lock step.
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
  /** Attempts for 5xx and connection failures, first included (429s are bounded by `rateLimitBudgetMs`). */
  maxAttempts: number;
  /** First backoff delay for 5xx and connection errors, in ms. */
  baseDelayMs: number;
  /** Cap of any single delay, in ms. */
  maxDelayMs: number;
  /** Fraction of random jitter added to backoff delays (0..1). */
  jitter: number;
  /** Statuses retried for idempotent methods. */
  retryStatuses: readonly number[];
  /** Smallest delay after a 429, in ms (docs/vast-api.md §6.4 recommends 1 s). */
  rateLimitFloorMs: number;
  /** Random extra fraction of a 429 delay (0..1): the delay is hint × [1, 1 + this). */
  rateLimitJitter: number;
  /**
   * How long one call may keep retrying 429s, in ms from its first attempt: a retry whose delay
   * would end past it is not made (`VAST_RETRY_BUDGET_MS`; 0: never retry a 429).
   */
  rateLimitBudgetMs: number;
}

/**
 * Defaults: 6 attempts for 5xx and connection failures (0.5 s base, 30 s cap, 20 % jitter,
 * 500/502/503/504); 429s retried for up to 10 minutes, each after the hint (at least 1 s) plus up
 * to 50 %. Ten minutes is what a CI matrix of 10 stacks of 25 keys on one credential needs in the
 * worst case: a create can wait while the other 9 stacks make theirs (9 × 25 × 2 s = 450 s).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  jitter: 0.2,
  retryStatuses: [500, 502, 503, 504],
  rateLimitFloorMs: 1000,
  rateLimitJitter: 0.5,
  rateLimitBudgetMs: 600_000,
};

/** What a call has been through so far, for {@link decideRetry}. */
export interface RetryHistory {
  /** Failed attempts other than 429 (5xx, connection failures), the current one included. */
  failures: number;
  /** Milliseconds since the call's first attempt was sent. */
  elapsedMs: number;
}

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
 * Decides whether a failed attempt is retried, and after how long, given what the call has been
 * through (`history`). `random` returns a number in [0, 1) and exists for deterministic tests.
 */
export function decideRetry(
  method: string,
  outcome: AttemptOutcome,
  history: RetryHistory,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): RetryDecision {
  const idempotent = IDEMPOTENT.has(method.toUpperCase());
  const exhausted = history.failures >= policy.maxAttempts;
  const backoff = () => {
    const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (history.failures - 1));
    return Math.min(policy.maxDelayMs, Math.round(exp * (1 + policy.jitter * random())));
  };

  if (outcome.kind === "status") {
    if (outcome.status === 429) {
      const hint = Math.max(outcome.retryAfterMs ?? 0, outcome.thresholdMs ?? 0, policy.rateLimitFloorMs);
      const delayMs = Math.min(policy.maxDelayMs, Math.round(hint * (1 + policy.rateLimitJitter * random())));
      return history.elapsedMs + delayMs > policy.rateLimitBudgetMs ? { action: "fail" } : { action: "retry", delayMs };
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
