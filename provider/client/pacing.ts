/**
 * Client-side pacing: Vast enforces a minimum interval between calls to the same endpoint by
 * the same identity (docs/vast-api.md §6.1) and answers bursts with 429. We space calls ourselves so
 * that concurrent resources in one provider process (the engine runs up to 4 × CPUs of them at
 * once, all in one Node process: docs/design.md, "Process model") queue up instead of stampeding.
 *
 * One {@link Pacer} is shared process-wide (see {@link sharedPacer}); gates are keyed by
 * identity + method + route template, so two credentials never slow each other down.
 */
import { readSettings } from "../settings";

/** Minimum intervals per route, in milliseconds. Each row cites its source. */
export const DEFAULT_INTERVALS_MS: Readonly<Record<string, number>> = {
  // docs/vast-api.md §6.2: OAS create_api_key x-rate-limit threshold 2.0
  "POST /api/v0/auth/apikeys/": 2000,
  // docs/vast-api.md §6.2: OAS show_api_keys threshold 1.0
  "GET /api/v0/auth/apikeys/": 1000,
  // docs/vast-api.md §6.2: OAS-old show_api_key threshold 1.0
  "GET /api/v0/auth/apikeys/{id}/": 1000,
  // docs/vast-api.md §6.2: OAS delete_api_key threshold 2.0
  "DELETE /api/v0/auth/apikeys/{id}/": 2000,
  // docs/vast-api.md §6.2: OAS-old reset_api_key threshold 3
  "PUT /api/v0/commands/reset_apikey/": 3000,
  // docs/vast-api.md §6.2 gives no threshold for users/current; 1 s is our conservative guess
  "GET /api/v0/users/current/": 1000,
};

/**
 * Routes whose requests must not overlap. A create whose response is lost is reconciled by
 * listing keys (`AccountSession` in provider/account.ts; docs/design.md, "Account session"); that
 * is only sound when no other create of ours is in flight.
 */
export const SERIAL_ROUTES: ReadonlySet<string> = new Set(["POST /api/v0/auth/apikeys/"]);

/** Options of a {@link Pacer}. */
export interface PacerOptions {
  /** Override intervals per route key (`"METHOD /route/"`). */
  intervalsMs?: Record<string, number>;
  /** Multiply every interval (e.g. 0 to disable pacing, 0.01 against a fast emulator). Default 1. */
  scale?: number;
  /** Extra spacing added to every interval, to absorb network jitter. Default max(25 ms, 2 %). */
  safetyMarginMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /** Sleep, for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Receives one line per wait, for debug logs. */
  onWait?: (routeKey: string, waitMs: number) => void;
}

/** Counters, for benchmarks and debug logs. */
export interface PacerStats {
  /** Number of acquisitions that had to wait. */
  waits: number;
  /** Total milliseconds spent waiting. */
  waitedMs: number;
  /** Number of intervals learned from 429 responses. */
  learned: number;
}

interface Gate {
  intervalMs: number;
  nextAt: number;
  inFlight: number;
  maxInFlight: number;
  waiters: Array<() => void>;
  chain: Promise<void>;
}

/** Releases a slot taken with {@link Pacer.acquire}. */
export type Release = () => void;

/** Spaces calls per (identity, method, route) and learns intervals from 429 answers. */
export class Pacer {
  private readonly gates = new Map<string, Gate>();
  private readonly opts: Required<Omit<PacerOptions, "safetyMarginMs" | "onWait">> & Pick<PacerOptions, "safetyMarginMs" | "onWait">;
  private readonly counters: PacerStats = { waits: 0, waitedMs: 0, learned: 0 };

  constructor(options: PacerOptions = {}) {
    this.opts = {
      intervalsMs: { ...DEFAULT_INTERVALS_MS, ...options.intervalsMs },
      scale: options.scale ?? 1,
      now: options.now ?? Date.now,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      safetyMarginMs: options.safetyMarginMs,
      onWait: options.onWait,
    };
  }

  /** Current counters (a copy). */
  stats(): PacerStats {
    return { ...this.counters };
  }

  /** The interval currently applied to a route key, in ms (after scaling and learning). */
  intervalFor(identity: string, routeKey: string): number {
    return this.gate(identity, routeKey).intervalMs;
  }

  /**
   * Waits for this caller's turn on the route and returns a release function that must be
   * called when the request has finished. Turns are granted first come, first served.
   */
  async acquire(identity: string, routeKey: string): Promise<Release> {
    const gate = this.gate(identity, routeKey);
    const turn = gate.chain.then(async () => {
      while (gate.inFlight >= gate.maxInFlight) await new Promise<void>((r) => gate.waiters.push(r));
      const now = this.opts.now();
      const wait = gate.nextAt - now;
      if (wait > 0) {
        this.counters.waits++;
        this.counters.waitedMs += wait;
        this.opts.onWait?.(routeKey, wait);
        await this.opts.sleep(wait);
      }
      gate.nextAt = Math.max(this.opts.now(), gate.nextAt) + gate.intervalMs + this.margin(gate.intervalMs);
      gate.inFlight++;
    });
    gate.chain = turn.catch(() => undefined);
    await turn;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      gate.inFlight--;
      gate.waiters.shift()?.();
    };
  }

  /**
   * Records what a 429 taught us: the server's threshold becomes the route's interval if it
   * is longer than ours, and no call goes out before `notBeforeMs` from now.
   */
  learn(identity: string, routeKey: string, thresholdMs: number | undefined, notBeforeMs: number): void {
    const gate = this.gate(identity, routeKey);
    if (thresholdMs !== undefined && thresholdMs > gate.intervalMs) {
      gate.intervalMs = thresholdMs;
      this.counters.learned++;
    }
    gate.nextAt = Math.max(gate.nextAt, this.opts.now() + notBeforeMs);
  }

  private margin(intervalMs: number): number {
    if (intervalMs <= 0) return 0;
    return this.opts.safetyMarginMs ?? Math.max(25, intervalMs * 0.02);
  }

  private gate(identity: string, routeKey: string): Gate {
    const key = `${identity} ${routeKey}`;
    let gate = this.gates.get(key);
    if (!gate) {
      const base = this.opts.intervalsMs[routeKey] ?? 1000;
      gate = {
        intervalMs: base * this.opts.scale,
        nextAt: 0,
        inFlight: 0,
        maxInFlight: SERIAL_ROUTES.has(routeKey) ? 1 : Number.POSITIVE_INFINITY,
        waiters: [],
        chain: Promise.resolve(),
      };
      this.gates.set(key, gate);
    }
    return gate;
  }
}

let shared: Pacer | undefined;

/**
 * The process-wide pacer used by every `VastClient` that is not given its own. Its scale comes
 * from `VAST_PACING_SCALE` (default 1; `0` disables client-side pacing).
 */
export function sharedPacer(): Pacer {
  shared ??= new Pacer({ scale: readSettings().pacingScale });
  return shared;
}
