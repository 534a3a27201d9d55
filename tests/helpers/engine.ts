/**
 * A stand-in for the Pulumi engine's deployment logic over one {@link Door}, for tests that need
 * many engine operations (the fault matrix, the model-based test): it calls the provider in the
 * engine's order and records in its state what the engine would record after every success and
 * every failure.
 *
 * - `up`: a preview first (check with the recorded inputs, diff; any failure stops the `up` before
 *   a single step), then the deletes still pending from an earlier `up`, then one step per
 *   declared resource, concurrently as the engine runs them (create; update; replace = create the
 *   new one, delete the old one at the end; same), then the deletes of replaced and removed
 *   resources. A failed step keeps the old state; a failed update that changed something records
 *   the outputs the error carries, with the old inputs; the old resource of a replacement whose
 *   delete did not happen stays pending, and the next `up` deletes it first.
 * - `refresh`: reads every resource (pending deletes included); gone → dropped; read inputs, when
 *   the provider returns some, replace the recorded ones.
 * - `import` (what `pulumi import` and the `import` option do): read without state, check the
 *   program's inputs against the read ones, diff; any change refuses the import.
 *
 * The real engine is exercised by the e2e suite; this keeps many runs fast.
 */
import type { CheckFailure } from "@pulumi/pulumi/dynamic";
import { type Door, type DoorOutputs, type Kind, partialOutputs } from "./doors";

type Props = Record<string, unknown>;

/** A resource as the engine records it. */
export interface EngineResource {
  kind: Kind;
  /** The Pulumi resource name. */
  name: string;
  id: string;
  /** The checked inputs. */
  inputs: Props;
  /** The outputs, as plain values. */
  outs: Props;
  /** Top-level outputs recorded as secrets. */
  secretFields: string[];
}

/** A resource as the program declares it. */
export interface Declared {
  kind: Kind;
  inputs: Props;
}

/** What the program declares: resource name → declaration. */
export type Program = ReadonlyMap<string, Declared>;

/** The provider call that failed. */
export type EngineCall = "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";

/** One failure a user would see. */
export interface EngineError {
  /** The resource it concerns (empty for the provider's configuration). */
  resource: string;
  call: EngineCall;
  error: unknown;
}

/** What one resource's step did. */
export type StepKind = "create" | "update" | "replace" | "same" | "delete" | "read" | "drop" | "import";

/** Result of one engine operation. */
export interface OperationResult {
  /** True when every call succeeded. */
  ok: boolean;
  /** Every failure, in order. */
  errors: EngineError[];
  /** The step each resource took (only steps that were attempted). */
  steps: Map<string, StepKind>;
  /** Resources whose delete was attempted in this operation: removed ones, replaced ones, pending ones. */
  deleting: EngineResource[];
  /** Resources a refresh dropped (the provider found them gone), as they were recorded. */
  dropped: EngineResource[];
}

/** An error with a `code`, or the message of anything else, for logs. */
export function describeError(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === "string" ? `${code}: ${message}` : message;
}

/** Engine-like driver over a door. */
export class Engine {
  /** Live resources by name. */
  readonly state = new Map<string, EngineResource>();
  /** Replaced or removed resources whose delete has not succeeded yet (deleted first by the next `up`). */
  readonly pendingDeletes: EngineResource[] = [];
  /** Every error any operation surfaced, in order. */
  readonly errors: EngineError[] = [];

  /**
   * @param door The door to the provider.
   * @param stackConfig The stack config handed to `configure` at the start of every operation
   *   (as each `pulumi` command starts the provider anew); replace it to change the credential.
   */
  constructor(
    readonly door: Door,
    public stackConfig: Record<string, string>,
  ) {}

  /** Vast key ids of every `ApiKey` resource in state, pending deletes included, ascending. */
  keyIds(): number[] {
    return this.all()
      .filter((r) => r.kind === "ApiKey")
      .map((r) => Number(r.id))
      .sort((a, b) => a - b);
  }

  /** Every recorded resource: live ones, then pending deletes. */
  all(): EngineResource[] {
    return [...this.state.values(), ...this.pendingDeletes];
  }

  /** `pulumi up` of `program`. */
  async up(program: Program): Promise<OperationResult> {
    const op = this.operation();
    if (!(await this.configure(op))) return this.finish(op);

    // Preview: every resource is checked (and diffed) before anything changes.
    const plans = new Map<string, { declared: Declared; inputs: Props; step: StepKind }>();
    for (const [name, declared] of program) {
      const planned = await this.plan(op, name, declared);
      if (planned) plans.set(name, { declared, ...planned });
    }
    if (op.errors.length) return this.finish(op);

    // Deletes left over from an earlier `up` come first.
    for (const pending of [...this.pendingDeletes]) {
      op.deleting.push(pending);
      if (!(await this.deleteRecorded(op, pending))) return this.finish(op);
    }

    const replaced: EngineResource[] = [];
    await Promise.all(
      [...plans].map(async ([name, { declared, inputs, step }]) => {
        op.steps.set(name, step);
        const old = this.state.get(name);
        if (step === "same" && old) {
          this.state.set(name, { ...old, inputs });
          return;
        }
        if (step === "update" && old) {
          try {
            const updated = await this.door.update(declared.kind, name, old.id, old.outs, inputs);
            this.state.set(name, { ...old, inputs, ...this.recorded(declared.kind, updated) });
          } catch (error) {
            op.errors.push({ resource: name, call: "update", error });
            // Something changed before the failure: the engine records the outputs it carries, with the old inputs.
            const partial = partialOutputs(error);
            if (partial) this.state.set(name, { ...old, ...this.recorded(declared.kind, partial) });
          }
          return;
        }
        try {
          const made = await this.door.create(declared.kind, name, inputs);
          this.state.set(name, { kind: declared.kind, name, id: made.id, inputs, ...this.recorded(declared.kind, made) });
          if (old) replaced.push(old);
        } catch (error) {
          op.errors.push({ resource: name, call: "create", error });
        }
      }),
    );

    const removed = [...this.state.values()].filter((r) => !program.has(r.name));
    if (op.errors.length) {
      // Replaced resources stay, marked for deletion by the next `up`; removed ones stay as they are.
      this.pendingDeletes.push(...replaced);
      return this.finish(op);
    }
    for (const r of removed) this.state.delete(r.name);
    this.pendingDeletes.push(...replaced, ...removed);
    await Promise.all(
      [...replaced, ...removed].map(async (r) => {
        op.deleting.push(r);
        op.steps.set(r.name, op.steps.get(r.name) ?? "delete");
        if (!(await this.deleteRecorded(op, r)) && removed.includes(r)) {
          // A removed resource whose delete failed stays in state, as it was.
          this.pendingDeletes.splice(this.pendingDeletes.indexOf(r), 1);
          this.state.set(r.name, r);
        }
      }),
    );
    return this.finish(op);
  }

  /** `pulumi refresh`: reads every recorded resource; a resource that is gone is dropped. */
  async refresh(): Promise<OperationResult> {
    const op = this.operation();
    if (!(await this.configure(op))) return this.finish(op);
    await Promise.all(
      this.all().map(async (r) => {
        try {
          const read = await this.door.read(r.kind, r.name, r.id, r.outs);
          const pendingAt = this.pendingDeletes.indexOf(r);
          if (!read) {
            op.steps.set(r.name, "drop");
            op.dropped.push(r);
            if (pendingAt >= 0) this.pendingDeletes.splice(pendingAt, 1);
            else this.state.delete(r.name);
            return;
          }
          op.steps.set(r.name, "read");
          const next: EngineResource = { ...r, id: read.id, inputs: read.inputs ?? r.inputs, ...this.recorded(r.kind, read) };
          if (pendingAt >= 0) this.pendingDeletes[pendingAt] = next;
          else this.state.set(r.name, next);
        } catch (error) {
          op.errors.push({ resource: r.name, call: "read", error });
        }
      }),
    );
    return this.finish(op);
  }

  /**
   * What `pulumi refresh --preview-only` followed by `pulumi preview` would show, recording
   * nothing: per resource, whether it is gone and whether its diff against the recorded inputs
   * has changes (with the replaced properties).
   */
  async refreshPreview(
    only: (r: EngineResource) => boolean = () => true,
  ): Promise<{ errors: EngineError[]; changes: Map<string, string> }> {
    const op = this.operation();
    const changes = new Map<string, string>();
    if (await this.configure(op)) {
      for (const r of [...this.state.values()].filter(only)) {
        try {
          const read = await this.door.read(r.kind, r.name, r.id, r.outs);
          if (!read) {
            changes.set(r.name, "gone");
            continue;
          }
          const d = await this.door.diff(r.kind, r.name, read.id, read.outs, r.inputs);
          if (d.changes) changes.set(r.name, d.replaces.length ? `replace (${d.replaces.join(", ")})` : "update");
        } catch (error) {
          op.errors.push({ resource: r.name, call: "read", error });
        }
      }
    }
    this.errors.push(...op.errors);
    return { errors: op.errors, changes };
  }

  /**
   * `pulumi import` of Vast key `id` as resource `name`, declared by the program as `declared`:
   * read without state, check, diff; the import is refused when the declaration does not match.
   */
  async import(name: string, declared: Declared, id: string): Promise<OperationResult> {
    const op = this.operation();
    if (!(await this.configure(op))) return this.finish(op);
    op.steps.set(name, "import");
    try {
      const read = await this.door.read(declared.kind, name, id);
      if (!read) throw new Error(`cannot import ${name}: the provider found no resource with id ${id}`);
      const checked = await this.door.check(declared.kind, name, read.inputs ?? {}, declared.inputs);
      if (checked.failures.length) throw checkFailure(checked.failures);
      const d = await this.door.diff(declared.kind, name, read.id, read.outs, checked.inputs);
      if (d.changes) {
        throw new Error(
          `inputs to import do not match the existing resource (${d.replaces.join(", ") || "update"}); importing it would fail`,
        );
      }
      this.state.set(name, { kind: declared.kind, name, id: read.id, inputs: checked.inputs, ...this.recorded(declared.kind, read) });
    } catch (error) {
      op.errors.push({ resource: name, call: "read", error });
    }
    return this.finish(op);
  }

  /** A read by id without state (`VastApiKey.get`, `ApiKey.get`): records nothing. */
  async lookup(kind: Kind, name: string, id: string): Promise<OperationResult> {
    const op = this.operation();
    if (!(await this.configure(op))) return this.finish(op);
    try {
      await this.door.read(kind, name, id);
    } catch (error) {
      op.errors.push({ resource: name, call: "read", error });
    }
    return this.finish(op);
  }

  /** Repeats an operation until it succeeds (at most `rounds` times), like re-running `pulumi up`. */
  async converge(operation: () => Promise<OperationResult>, rounds = 6): Promise<void> {
    let last: OperationResult | undefined;
    for (let i = 0; i < rounds; i++) {
      last = await operation();
      if (last.ok) return;
    }
    const errors = last?.errors.slice(-3).map((e) => describeError(e.error)) ?? [];
    throw new Error(`did not converge after ${rounds} runs; last errors: ${errors.join(" | ")}`);
  }

  private operation(): OperationResult {
    return { ok: false, errors: [], steps: new Map(), deleting: [], dropped: [] };
  }

  private finish(op: OperationResult): OperationResult {
    this.errors.push(...op.errors);
    op.ok = op.errors.length === 0;
    return op;
  }

  private async configure(op: OperationResult): Promise<boolean> {
    try {
      await this.door.configure(this.stackConfig);
      return true;
    } catch (error) {
      op.errors.push({ resource: "", call: "configure", error });
      return false;
    }
  }

  /** Check (and diff, for a recorded resource): the step the resource takes, or undefined after a failure. */
  private async plan(op: OperationResult, name: string, declared: Declared): Promise<{ inputs: Props; step: StepKind } | undefined> {
    const old = this.state.get(name);
    try {
      const checked = await this.door.check(declared.kind, name, old?.inputs ?? {}, declared.inputs);
      if (checked.failures.length) throw checkFailure(checked.failures);
      if (!old) return { inputs: checked.inputs, step: "create" };
      if (old.kind !== declared.kind) throw new Error(`${name} changed type; the model never does that`);
      try {
        const d = await this.door.diff(declared.kind, name, old.id, old.outs, checked.inputs);
        return { inputs: checked.inputs, step: d.replaces.length ? "replace" : d.changes ? "update" : "same" };
      } catch (error) {
        op.errors.push({ resource: name, call: "diff", error });
        return undefined;
      }
    } catch (error) {
      op.errors.push({ resource: name, call: "check", error });
      return undefined;
    }
  }

  /** Deletes a resource that is (or was) recorded; on success it is forgotten. */
  private async deleteRecorded(op: OperationResult, r: EngineResource): Promise<boolean> {
    try {
      await this.door.delete(r.kind, r.name, r.id, r.outs);
      const at = this.pendingDeletes.indexOf(r);
      if (at >= 0) this.pendingDeletes.splice(at, 1);
      return true;
    } catch (error) {
      op.errors.push({ resource: r.name, call: "delete", error });
      return false;
    }
  }

  /** Outputs and their secret fields as the engine records them (the program's class adds its own). */
  private recorded(kind: Kind, result: DoorOutputs): Pick<EngineResource, "outs" | "secretFields"> {
    const secretFields = [...new Set([...result.secretFields, ...this.door.programSecretOutputs[kind]])].sort();
    return { outs: result.outs, secretFields };
  }
}

/** The error the engine shows for check failures: every property and rule. */
function checkFailure(failures: readonly CheckFailure[]): Error & { failures: readonly CheckFailure[] } {
  return Object.assign(new Error(failures.map((f) => `${f.property}: ${f.reason}`).join("; ")), { failures });
}
