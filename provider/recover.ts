/**
 * Recovery after an interrupted update (docs/interrupted-updates.md): which keys on Vast were made
 * by operations the engine began and never saw finish. A runner killed mid-`pulumi up` leaves
 * those operations in the state as `pending_operations`, with their inputs; a create that reached
 * Vast made a key whose value only the dead process saw. Such a key is found by its name, by being
 * newer than the state's last checkpoint, and by being named by no resource of the state. Pure
 * functions; the command line is `cli/recover.ts`. Never handles key values.
 */
import { z } from "zod";
import { deploymentOf, managedKeysFromState, ROTATING_KEY_TYPES, SINGLE_KEY_TYPES, type StateResource } from "./audit";
import type { ApiKeyInfo } from "./keys";

/**
 * How much earlier than the state's last checkpoint a key may have been created and still be
 * counted: the clocks of the machine that ran Pulumi and of Vast may differ, and a create may
 * finish on Vast just before another step's checkpoint is written.
 */
export const CLOCK_ALLOWANCE_MS = 60_000;

/** What became of one pending operation. */
export type RecoveryOutcome =
  /** Its key exists on Vast and nothing records it: delete it (`--delete`). */
  | "left-behind"
  /** No key of its name appeared: the create never reached Vast. */
  | "not-created"
  /** More keys of its name appeared than operations could have made: none is deleted. */
  | "ambiguous"
  /** The operation makes no key (a delete, an in-place update, an adoption, a read). */
  | "no-key-made"
  /** The key name cannot be told (encrypted, or the rotating key's generation is unreadable). */
  | "unknown-name";

/** What happens, or happened, to one key. */
export type KeyAction = "delete" | "deleted" | "already-gone" | "keep";

/** A key on Vast attributed to (or in question for) a pending operation. */
export interface RecoveryKey {
  /** Vast's key id. */
  id: number;
  /** Its name on Vast. */
  name: string;
  /** When Vast created it (ISO-8601). */
  createdAt: string;
  /** `delete` (left behind), `deleted` / `already-gone` (after `--delete`), `keep` (ambiguous). */
  action: KeyAction;
}

/** One pending operation of the state and what was found for it. */
export interface PendingRecovery {
  /** The resource's URN. */
  urn: string;
  /** The resource's name (last URN segment). */
  resource: string;
  /** The resource's type token. */
  type: string;
  /** Pulumi's operation: `creating`, `updating`, `deleting`, ... */
  operation: string;
  /** The name the key this operation makes has on Vast, when it makes one and it can be told. */
  keyName?: string;
  /** The finding. */
  outcome: RecoveryOutcome;
  /** The keys behind the finding (`left-behind`: one; `ambiguous`: every candidate). */
  keys: RecoveryKey[];
  /** Why, in words (for `no-key-made`, `unknown-name`, `ambiguous`). */
  note?: string;
}

/** The whole finding for one state document. */
export interface RecoveryPlan {
  /** Where the state came from (file name). */
  source: string;
  /** Stack names of the pending operations. */
  stacks: string[];
  /** When the state was last written, if recorded. */
  checkpointAt: string | undefined;
  /** Keys created before this instant (ISO-8601) were never considered (unset: nothing was pending). */
  since: string | undefined;
  /** One entry per pending operation, in the state's order. */
  pending: PendingRecovery[];
}

const pendingSchema = z
  .object({
    type: z.string(),
    resource: z.object({ urn: z.string(), type: z.string(), inputs: z.record(z.string(), z.unknown()).nullish() }).loose(),
  })
  .loose();
type PendingOperation = z.infer<typeof pendingSchema>;

const generationSchema = z.object({ generation: z.number().int().min(0) }).loose();

/** Options of {@link planRecovery}. */
export interface PlanRecoveryOptions {
  /** The key the caller authenticates with: never a candidate. */
  selfKeyId?: number | undefined;
  /** Consider keys created from this instant on (default: the last checkpoint minus {@link CLOCK_ALLOWANCE_MS}). */
  since?: Date | undefined;
}

/**
 * Matches the state's pending operations with the account's keys. A key is left behind by an
 * operation when its name is the one the operation's create gives, it was created at or after
 * `since`, no resource of the state names its id (so its value was never recorded), and it is
 * not the caller's own key. When a name has more such keys than pending operations that make it,
 * none of them is attributed (`ambiguous`).
 * @throws Error naming `source` when the document is not a Pulumi state, a pending operation is
 * malformed, or no `since` can be told (no checkpoint time recorded and none given).
 */
export function planRecovery(state: unknown, source: string, account: ApiKeyInfo[], options: PlanRecoveryOptions = {}): RecoveryPlan {
  const deployment = deploymentOf(state, source);
  const checkpointMs = deployment.checkpointAt === undefined ? Number.NaN : Date.parse(deployment.checkpointAt);
  const sinceMs = options.since?.getTime() ?? checkpointMs - CLOCK_ALLOWANCE_MS;
  if (!Number.isFinite(sinceMs) && deployment.pendingOperations.length > 0) {
    throw new Error(`${source}: the state records no checkpoint time; give --since`);
  }

  const named = namedKeyIds(state, source, deployment.resources);
  const byUrn = new Map(deployment.resources.map((r) => [r.urn, r]));
  const pending = deployment.pendingOperations.map((raw, i) => {
    const op = pendingSchema.safeParse(raw);
    if (!op.success) throw new Error(`${source}: pending operation ${i + 1} is not one Pulumi writes (no type or resource)`);
    return describe(op.data, byUrn.get(op.data.resource.urn));
  });

  const candidates = (name: string) =>
    account
      .filter((k) => k.name === name && !named.has(k.id) && k.id !== options.selfKeyId)
      .flatMap((k) => {
        const created = k.createdAt === undefined ? Number.NaN : Date.parse(k.createdAt);
        return k.createdAt !== undefined && created >= sinceMs ? [{ id: k.id, name, createdAt: k.createdAt }] : [];
      })
      .sort((a, b) => a.id - b.id);
  const byName = new Map<string, PendingRecovery[]>();
  for (const p of pending) if (p.keyName !== undefined) byName.set(p.keyName, [...(byName.get(p.keyName) ?? []), p]);
  for (const [name, ops] of byName) {
    const found = candidates(name);
    if (found.length > ops.length) {
      for (const op of ops) {
        op.outcome = "ambiguous";
        op.keys = found.map((k) => ({ ...k, action: "keep" }));
        op.note = `${found.length} keys named "${name}" appeared for ${ops.length === 1 ? "one pending operation" : `${ops.length} pending operations`}: none is deleted; check them by hand`;
      }
      continue;
    }
    ops.forEach((op, i) => {
      const key = found[i];
      op.outcome = key ? "left-behind" : "not-created";
      op.keys = key ? [{ ...key, action: "delete" }] : [];
    });
  }
  const stacks = [...new Set(pending.map((p) => /^urn:pulumi:([^:]+)::/.exec(p.urn)?.[1] ?? "?"))];
  const since = Number.isFinite(sinceMs) ? new Date(sinceMs).toISOString() : undefined;
  return { source, stacks, checkpointAt: deployment.checkpointAt, since, pending };
}

/** Every key id a resource of the state names: managed keys, both keys of rotating keys, and lookups. */
function namedKeyIds(state: unknown, source: string, resources: StateResource[]): Set<number> {
  const ids = new Set(managedKeysFromState(state, source).map((m) => m.id));
  for (const r of resources) if (SINGLE_KEY_TYPES.has(r.type) && r.id && /^\d+$/.test(r.id)) ids.add(Number(r.id));
  return ids;
}

/** The key name an operation's create gives, or why there is none. */
function describe(op: PendingOperation, stored: StateResource | undefined): PendingRecovery {
  const { urn, type } = op.resource;
  const resource = urn.split("::").pop() ?? urn;
  const base = { urn, resource, type, operation: op.type, keys: [] };
  const noKey = (note: string): PendingRecovery => ({ ...base, outcome: "no-key-made", note });
  const inputs = op.resource.inputs ?? {};
  const declared = inputs.name === undefined ? resource : inputs.name;
  if (typeof declared !== "string") {
    return { ...base, outcome: "unknown-name", note: "its name input is a secret here, so its key cannot be told from others" };
  }
  if (SINGLE_KEY_TYPES.has(type)) {
    if (op.type !== "creating") return noKey(noKeyReason(op.type));
    if (inputs.adopt !== undefined) return noKey("it adopts an existing key and makes none");
    return { ...base, keyName: declared, outcome: "not-created" };
  }
  if (ROTATING_KEY_TYPES.has(type)) {
    // Keys of a rotating key are named `<name>-<generation>`: the first is `-1`, each rotation or roll adds one.
    if (op.type === "creating") return { ...base, keyName: `${declared}-1`, outcome: "not-created" };
    if (op.type !== "updating") return noKey(noKeyReason(op.type));
    const generation = generationSchema.safeParse(stored?.outputs);
    if (!generation.success) {
      return { ...base, outcome: "unknown-name", note: "the state's outputs of this rotating key hold no readable generation" };
    }
    return { ...base, keyName: `${declared}-${generation.data.generation + 1}`, outcome: "not-created" };
  }
  return noKey("not a Vast API key resource");
}

function noKeyReason(operation: string): string {
  if (operation === "deleting") return "a delete: the next refresh finds out whether the key is gone";
  if (operation === "updating") return "an in-place update of a single key makes no key";
  return `a ${operation} operation makes no key`;
}

/** The plan after `--delete`: each deleted key marked with what the API said. */
export function withDeletions(plan: RecoveryPlan, results: ReadonlyMap<number, "deleted" | "already-gone">): RecoveryPlan {
  return {
    ...plan,
    pending: plan.pending.map((p) => ({ ...p, keys: p.keys.map((k) => ({ ...k, action: results.get(k.id) ?? k.action })) })),
  };
}

/** Ids of the keys to delete: left behind, attributed to exactly one operation each. */
export function keysToDelete(plan: RecoveryPlan): number[] {
  return plan.pending.flatMap((p) => (p.outcome === "left-behind" ? p.keys.filter((k) => k.action === "delete").map((k) => k.id) : []));
}

/**
 * True while something needs a look: a key left behind still on Vast, ambiguous candidates, or an
 * operation whose key cannot be told (an encrypted name).
 */
export function unresolved(plan: RecoveryPlan): boolean {
  return plan.pending.some((p) => p.outcome === "unknown-name" || p.keys.some((k) => k.action === "delete" || k.action === "keep"));
}

/** The commands the user runs next, in order (`stateFile`: the file given to `--state`). */
export function nextCommands(plan: RecoveryPlan, stateFile: string): string[] {
  const next: string[] = [];
  if (keysToDelete(plan).length > 0) next.push(`vast-api-keys recover --state ${stateFile} --delete`);
  if (plan.pending.length > 0) next.push("pulumi refresh --yes --clear-pending-creates", "pulumi up");
  return next;
}

/** A plain-text report for humans, ending with the commands to run next. */
export function formatRecovery(plan: RecoveryPlan, stateFile: string): string {
  const out: string[] = [];
  if (plan.pending.length === 0) {
    out.push(`${plan.source}: no pending operations; no update of this stack was interrupted (or they were already cleared).`);
    return `${out.join("\n")}\n`;
  }
  out.push(
    `${plan.source}: ${plan.pending.length} pending operation${plan.pending.length === 1 ? "" : "s"} of stack ${plan.stacks.join(", ")} from an interrupted update` +
      `${plan.checkpointAt ? ` (last checkpoint ${plan.checkpointAt})` : ""}; looking at keys created since ${plan.since} that the state does not name.`,
  );
  const say: Record<RecoveryOutcome, (p: PendingRecovery) => string> = {
    "left-behind": (p) =>
      p.keys.map((k) => `key ${k.id} "${k.name}" (created ${k.createdAt}) was left behind: ${verb(k.action)}`).join("; "),
    "not-created": (p) => `no key "${p.keyName}": the create did not reach Vast`,
    ambiguous: (p) => `${p.note}: ${p.keys.map((k) => `key ${k.id} (created ${k.createdAt})`).join(", ")}`,
    "no-key-made": (p) => `nothing to do (${p.note})`,
    "unknown-name": (p) => `cannot tell its key (${p.note}); look for it with \`vast-api-keys audit\``,
  };
  for (const p of plan.pending) out.push(`  ${p.operation.padEnd(9)} ${p.resource} (${p.type}): ${say[p.outcome](p)}`);
  const next = nextCommands(plan, stateFile);
  if (plan.pending.some((p) => p.outcome === "not-created")) {
    out.push(
      `A key made before ${plan.since ?? "the last checkpoint"} is not looked at: if an earlier interrupted update was never recovered, run again with --since <when that update began>.`,
    );
  }
  out.push("Next, in order:", ...next.map((c) => `  ${c}`));
  return `${out.join("\n")}\n`;
}

function verb(action: KeyAction): string {
  if (action === "delete") return "delete it with --delete";
  if (action === "deleted") return "deleted";
  if (action === "already-gone") return "already gone";
  return "kept";
}
