/**
 * What a user relies on, checked after every command of the model-based test against the
 * emulator's admin view (every key, deleted ones included), the engine's state and everything
 * the provider said (errors, stderr, outputs). Each check throws a {@link Violation} naming the
 * invariant and the keys involved.
 */
import { presets } from "pulumi-vast-api-keys";
import type { KeyRecord } from "../../../emulator/store";
import { describeError, type OperationResult } from "../engine";
import { count, keysOf, liveIds, type Model, type NamedKey, namedKeys, type Real, type Snapshot } from "./world";

type Props = Record<string, unknown>;

/** A broken invariant. */
export class Violation extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`invariant "${invariant}" broken: ${detail}`);
  }
}

/** What one command did, as the invariants see it. */
export interface Observation {
  before: Snapshot;
  after: Snapshot;
  namedBefore: NamedKey[];
  namedAfter: NamedKey[];
  /** The engine operation the command ran, if any. */
  op?: OperationResult;
  /** Keys the command itself deleted out of band. */
  deletedByTest: Set<number>;
  /** Errors the command saw outside `op` (the no-change check after an `up`). */
  otherErrors: unknown[];
  /** Where this command's stderr starts in the run's capture. */
  stderrFrom: number;
}

/** Canonical JSON: object keys sorted, so documents compare by meaning, not by key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Props).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

const FULL_ACCESS = canonical(presets.fullAccess());

/** True when a key on Vast has the declared permissions: the same document, or none (full access) for presets.fullAccess(). */
export function rightsMatch(key: KeyRecord, declared: unknown): boolean {
  if (key.permissions === null) return canonical(declared) === FULL_ACCESS;
  return canonical(key.permissions) === canonical(declared);
}

/** The checks every command ends with. */
export function checkInvariants(m: Model, r: Real, o: Observation): void {
  const live = liveIds(o.after);
  const byId = new Map(o.after.keys.map((k) => [k.id, k]));
  const managementKeys = new Set([r.account.keyId, r.other.keyId]);
  const namedIds = new Set(o.namedAfter.map((n) => n.keyId));

  // No orphan: every live key the stack made (in either account) is named by its state.
  const orphans = o.after.keys.filter(
    (k) => k.deletedAt === null && !managementKeys.has(k.id) && !m.outOfBand.has(k.id) && !namedIds.has(k.id) && !m.stranded.has(k.id),
  );
  if (orphans.length) throw new Violation("no orphan", `live keys the stack made are in no state entry: ${describeKeys(orphans)}`);

  // The management keys and every key the stack neither made nor took are never deleted.
  for (const id of managementKeys) {
    if (!live.has(id)) throw new Violation("management key kept", `management key ${id} was deleted`);
  }
  for (const id of m.outOfBand.keys()) {
    if (!live.has(id) && !m.taken.has(id) && !m.deletedOutOfBand.has(id)) {
      throw new Violation("foreign keys kept", `key ${id}, made outside the stack and never adopted or imported, was deleted`);
    }
  }

  // A key consumers hold is never deleted early: `current` and an ApiKey's key while they are, a
  // `previous` or retiring key until the latest retirement time published for it.
  const beforeLive = liveIds(o.before);
  const deleting = o.op?.deleting ?? [];
  for (const id of beforeLive) {
    if (live.has(id) || o.deletedByTest.has(id) || m.rescoped.has(id)) continue;
    for (const holder of o.namedBefore.filter((n) => n.keyId === id && !n.gone && !n.pending)) {
      const released = deleting.some((d) => d.name === holder.resource && keysOf(d).some((k) => k.keyId === id));
      if (released) continue;
      const published = Math.max(m.published.get(id) ?? Number.NEGATIVE_INFINITY, holder.retiresAt ?? Number.NEGATIVE_INFINITY);
      const until = holder.role === "key" || holder.role === "current" ? Number.POSITIVE_INFINITY : published;
      if (m.now < until) {
        const when = Number.isFinite(until) ? `before its published retirement ${new Date(until).toISOString()}` : "while it is in use";
        throw new Violation(
          "held keys kept",
          `key ${id} (${holder.role} of ${holder.resource}) was deleted ${when}; the provider's clock is ${new Date(m.now).toISOString()}`,
        );
      }
    }
  }

  // The state names live keys: only keys deleted out of band since the last full refresh may be missing.
  for (const n of o.namedAfter) {
    if (n.gone) {
      if (live.has(n.keyId) && !m.stranded.has(n.keyId)) {
        throw new Violation("gone means gone", `${n.resource} records its ${n.role} key ${n.keyId} as deleted, but it is live`);
      }
      continue;
    }
    if (!live.has(n.keyId) && !m.deletedSinceRefresh.has(n.keyId)) {
      throw new Violation(
        "state names live keys",
        `${n.resource}${n.pending ? " (pending delete)" : ""} names ${n.role} key ${n.keyId}, which is deleted (not by the test)`,
      );
    }
  }

  // The account recorded for a resource is the account its keys live in.
  for (const n of o.namedAfter) {
    const key = byId.get(n.keyId);
    if (n.accountId !== undefined && key && key.userId !== n.accountId) {
      throw new Violation(
        "account recorded right",
        `${n.resource} records account ${n.accountId}, but its ${n.role} key ${n.keyId} lives in account ${key.userId}`,
      );
    }
  }

  checkSecrets(r, o);
}

/** No key value, the management keys' included, in an error, on stderr or in an output that is not secret. */
export function checkSecrets(r: Real, o: Observation): void {
  const values = o.after.keys.map((k) => k.key).filter((v) => v.length >= 8);
  const texts: Array<[string, string]> = [["stderr", r.stderr.text().slice(o.stderrFrom)]];
  for (const e of [...(o.op?.errors.map((x) => x.error) ?? []), ...o.otherErrors]) texts.push(["an error", errorText(e)]);
  for (const res of r.engine.all()) {
    for (const [field, value] of Object.entries(res.outs)) {
      if (!res.secretFields.includes(field)) texts.push([`output ${res.name}.${field} (not secret)`, JSON.stringify(value) ?? ""]);
    }
  }
  for (const [where, text] of texts) {
    const leaked = values.find((v) => text.includes(v));
    if (leaked) {
      const key = o.after.keys.find((k) => k.key === leaked);
      throw new Violation("secrets stay secret", `the value of key ${key?.id} appears in ${where}`);
    }
  }
}

/** Everything an error shows: message, code, own fields (but not the outputs a partial failure carries), cause. */
function errorText(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) return String(err);
  const { properties: _outputs, ...fields } = err as Error & Props;
  const cause = depth < 3 && err.cause !== undefined ? ` cause: ${errorText(err.cause, depth + 1)}` : "";
  return `${describeError(err)} ${JSON.stringify(fields)}${cause}`;
}

/**
 * After a successful `up`: the state tells the truth. Each resource's key (a rotating key's
 * `current`) exists with the declared name and permissions, unless the test deleted or re-scoped
 * it since the last full refresh (the engine cannot know yet).
 */
export function checkStateMatchesVast(m: Model, r: Real, after: Snapshot): number {
  const byId = new Map(after.keys.map((k) => [k.id, k]));
  let checked = 0;
  for (const res of r.engine.state.values()) {
    const declared = m.program.get(res.name);
    if (!declared || (typeof res.outs.accountId === "number" && res.outs.accountId !== r.account.userId)) continue;
    const [main] = keysOf(res).filter((k) => k.role === "key" || k.role === "current");
    if (!main) throw new Violation("state matches Vast", `${res.name} names no key after a successful up`);
    if (m.deletedSinceRefresh.has(main.keyId) || m.rescopedSinceRefresh.has(main.keyId)) continue;
    const key = byId.get(main.keyId);
    if (!key || key.deletedAt !== null)
      throw new Violation("state matches Vast", `${res.name}'s key ${main.keyId} is not live after a successful up`);
    const inputs = declared.inputs;
    const name = typeof inputs.name === "string" ? inputs.name : res.name;
    const nameOk = res.kind === "ApiKey" ? (key.name ?? "") === name : new RegExp(`^${escapeRegExp(name)}-[0-9]+$`).test(key.name ?? "");
    if (!nameOk) {
      throw new Violation(
        "state matches Vast",
        `${res.name} declares name ${JSON.stringify(name)}, its key ${key.id} is named ${JSON.stringify(key.name)}`,
      );
    }
    if (!rightsMatch(key, inputs.permissions)) {
      throw new Violation(
        "state matches Vast",
        `${res.name} declares permissions ${canonical(inputs.permissions)}, its key ${key.id} has ${key.permissions === null ? "no document (full access)" : canonical(key.permissions)}`,
      );
    }
    checked++;
  }
  return checked;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function describeKeys(keys: KeyRecord[]): string {
  return keys.map((k) => `${k.id} (${JSON.stringify(k.name)}, account ${k.userId})`).join(", ");
}

/** Updates what the model learns from the state after a command: keys taken, retirement times published. */
export function learn(m: Model, r: Real): NamedKey[] {
  const named = namedKeys(r.engine);
  m.unbound = r.engine.all().filter((res) => res.outs.accountId === undefined).length;
  for (const n of named) {
    if (m.outOfBand.has(n.keyId) && !m.taken.has(n.keyId)) {
      m.taken.add(n.keyId);
      count(r, "keys made out of band taken over (adopted or imported)");
    }
    if (n.retiresAt !== undefined && !n.gone) m.published.set(n.keyId, Math.max(m.published.get(n.keyId) ?? 0, n.retiresAt));
  }
  return named;
}
