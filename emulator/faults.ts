/**
 * Scripted fault injection, per route and per call count: "the 3rd create answers 503",
 * "the next list is stale", "commit the create, then drop the response".
 */

/** What a fault does to the request it hits. */
export type FaultAction =
  /** Answer this status (e.g. 500, 502, 503, 504, 429) without processing the request. */
  | { type: "status"; status: number }
  /** Reset the connection before processing (nothing is committed). */
  | { type: "reset" }
  /** Process the request (commit), then reset the connection without answering. */
  | { type: "reset-after-commit" }
  /** Process the request (commit), then never answer; the client must time out. */
  | { type: "drop-after-commit" }
  /** Process the request (commit), then answer 200 with a body that names no id (`{"success": true}`). */
  | { type: "garbled-after-commit" }
  /** Wait, then process and answer normally (slow responses). */
  | { type: "delay"; ms: number }
  /** Answer a list from the keys as they were before the latest change (stale read). */
  | { type: "stale-list" };

/** A scripted fault. */
export interface FaultSpec {
  /** `"METHOD /route/template/"` as in the route table, or `"*"` for any public route. */
  route: string;
  /** Let this many matching calls through first. Default 0. */
  skip?: number;
  /** Hit this many matching calls, then disappear. Default 1. */
  times?: number;
  /** What to do. */
  action: FaultAction;
}

interface Pending {
  spec: FaultSpec;
  skipLeft: number;
  timesLeft: number;
}

/** The queue of pending faults. */
export class FaultPlan {
  private pending: Pending[] = [];

  /** Adds faults. Each counts matching calls on its own; the first one due wins. */
  add(specs: FaultSpec[]): void {
    for (const spec of specs) {
      this.pending.push({ spec, skipLeft: spec.skip ?? 0, timesLeft: spec.times ?? 1 });
    }
  }

  /** Removes every pending fault. */
  clear(): void {
    this.pending = [];
  }

  /** Pending faults with their remaining counts. */
  list(): Array<FaultSpec & { remaining: number; skipRemaining: number }> {
    return this.pending.map((p) => ({ ...p.spec, remaining: p.timesLeft, skipRemaining: p.skipLeft }));
  }

  /** Returns the fault for this call, if any, and updates the counters. */
  take(routeKey: string): FaultAction | undefined {
    for (const p of this.pending) {
      if (p.spec.route !== "*" && p.spec.route !== routeKey) continue;
      if (p.skipLeft > 0) {
        p.skipLeft--;
        continue;
      }
      p.timesLeft--;
      if (p.timesLeft <= 0) this.pending = this.pending.filter((x) => x !== p);
      return p.spec.action;
    }
    return undefined;
  }
}
