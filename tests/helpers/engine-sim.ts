/**
 * A small stand-in for the Pulumi engine's bookkeeping, for fault tests that need many runs:
 * it calls the provider concurrently as the engine does, keeps what the engine would keep in
 * state after each success or failure, and re-runs failed steps as a user re-running `up` would.
 * (The real engine is exercised by the e2e suite; this keeps the fault matrix fast.)
 */
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";

/** A resource as the engine records it. */
export interface SimResource {
  id: string;
  outs: Record<string, unknown>;
}

/** Engine-like driver over a provider. */
export class EngineSim {
  /** Live resources by name. */
  readonly state = new Map<string, SimResource>();
  /** Replaced resources whose delete has not succeeded yet (the engine retries them). */
  readonly pendingDeletes: SimResource[] = [];
  /** Every error a step surfaced to the user. */
  readonly errors: unknown[] = [];

  constructor(private readonly provider: ResourceProvider) {}

  /** Ids the engine believes exist on Vast. */
  believedIds(): number[] {
    return [...this.state.values(), ...this.pendingDeletes].map((r) => Number(r.id)).sort((a, b) => a - b);
  }

  /** Creates every named resource not yet in state; returns how many steps failed. */
  async createAll(inputs: Record<string, Record<string, unknown>>): Promise<number> {
    const todo = Object.entries(inputs).filter(([name]) => !this.state.has(name));
    const results = await Promise.allSettled(
      todo.map(async ([name, props]) => {
        const created = await this.provider.create(props);
        this.state.set(name, { id: created.id, outs: created.outs as Record<string, unknown> });
      }),
    );
    return this.record(results);
  }

  /** Refreshes every resource; a read without id drops it, as `pulumi refresh` does. */
  async readAll(): Promise<number> {
    const results = await Promise.allSettled(
      [...this.state.entries()].map(async ([name, r]) => {
        const read = await this.provider.read?.(r.id, r.outs);
        if (!read?.id) this.state.delete(name);
        else this.state.set(name, { id: read.id, outs: read.props as Record<string, unknown> });
      }),
    );
    return this.record(results);
  }

  /** Replaces resources (create the new one first, then delete the old one). */
  async replace(inputs: Record<string, Record<string, unknown>>): Promise<number> {
    const results = await Promise.allSettled(
      Object.entries(inputs).map(async ([name, props]) => {
        const old = this.state.get(name);
        const created = await this.provider.create(props);
        this.state.set(name, { id: created.id, outs: created.outs as Record<string, unknown> });
        if (old) {
          this.pendingDeletes.push(old);
          await this.provider.delete?.(old.id, old.outs);
          this.forget(old);
        }
      }),
    );
    return this.record(results);
  }

  /** Deletes everything (pending deletes included); failed deletes stay recorded. */
  async deleteAll(): Promise<number> {
    const all = [...[...this.state.entries()].map(([name, r]) => ({ name, r })), ...this.pendingDeletes.map((r) => ({ name: "", r }))];
    const results = await Promise.allSettled(
      all.map(async ({ name, r }) => {
        await this.provider.delete?.(r.id, r.outs);
        if (name) this.state.delete(name);
        else this.forget(r);
      }),
    );
    return this.record(results);
  }

  /** Repeats a step until it succeeds (at most `rounds` times), like re-running `pulumi up`. */
  async converge(step: () => Promise<number>, rounds = 6): Promise<void> {
    for (let i = 0; i < rounds; i++) if ((await step()) === 0) return;
    throw new Error(`did not converge after ${rounds} runs; last errors: ${this.errors.slice(-3).map(String).join(" | ")}`);
  }

  private forget(r: SimResource): void {
    const i = this.pendingDeletes.indexOf(r);
    if (i >= 0) this.pendingDeletes.splice(i, 1);
  }

  private record(results: PromiseSettledResult<unknown>[]): number {
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    for (const f of failed) this.errors.push(f.reason);
    return failed.length;
  }
}
