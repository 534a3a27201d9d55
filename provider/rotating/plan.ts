/**
 * What a `RotatingVastApiKey` does next, as a pure function of (stored state, declared inputs,
 * now). `diff` calls it to show the step in `pulumi preview`, `update` calls it again to carry
 * the step out, so preview and up decide the same way, from state, without a refresh.
 *
 * Invariants of every plan (unit-tested):
 * - at most one key is created, whatever the number of missed rotation periods;
 * - `current` is never deleted, and is only replaced once its successor exists;
 * - nothing is deleted before the step's create succeeded (`update` creates first);
 * - a key consumers may hold is never deleted before the retirement time published for it
 *   (`retiresPreviousAt`, which never moves earlier); only a key re-scoped outside Pulumi goes
 *   earlier. A `previous` that must leave its slot before then (a roll during its overlap) is kept
 *   in `tracking.retiring` until that time.
 */
import { canonicalJson } from "../permissions";
import { viewsDiffer } from "../state";
import type { RotatingKeyInputs } from "./inputs";
import {
  declaredSettings,
  type KeyRef,
  type RetiringKey,
  ROTATING_STATE_SCHEMA_VERSION,
  type RotatingKeyState,
  type TrackedKey,
} from "./state";

/** The kind of step. */
export type RotationAction =
  /** `current` is older than `rotateEveryDays`: a new key becomes current, the old one previous. */
  | "rotate"
  /** Keys past their retirement (or gone, or re-scoped outside Pulumi) are deleted or forgotten. */
  | "retire"
  /** `name`, `permissions` or `keyParams` changed, or `current` drifted: the same step as a rotation. */
  | "roll"
  /** `current` was deleted outside Pulumi: a new key becomes current, `previous` stays. */
  | "recreate-current"
  /** No key operation (in-place setting changes may remain). */
  | "none";

/** What a step does with the key in the `previous` slot. */
export type PreviousFate =
  /** There is none, or it stays `previous`. */
  | "stays"
  /** It leaves the slot but is kept (in `tracking.retiring`) until its published retirement. */
  | "retiring"
  /** It is deleted in this step (its retirement is due, or it was re-scoped outside Pulumi). */
  | "delete"
  /** It was deleted outside Pulumi: it is forgotten, without an API call. */
  | "forget";

/** The step {@link planRotation} decided. */
export interface RotationPlan {
  /** The kind of step. */
  action: RotationAction;
  /** Create a new key; always the first key operation of the step. */
  createKey: boolean;
  /** The old `current` becomes `previous` (rotate, roll). */
  demoteCurrent: boolean;
  /** What happens to the key in the `previous` slot. */
  previousFate: PreviousFate;
  /** Keys deleted in this step, after the create: ids of `previous` and of retiring keys that are due. */
  deleteKeyIds: number[];
  /** Retiring keys deleted outside Pulumi, forgotten without an API call. */
  forgetKeyIds: number[];
  /** Generation (`<n>`) of the key to create. */
  generation: number;
  /** Vast name of the key to create, when known. */
  newKeyName: string | undefined;
  /** When the demoted key will be retired (`now + overlapDays`), when known. */
  retiresPreviousAt: string | undefined;
  /** Why, in words: key names, ids, ages and instants, never values. Empty for `none`. */
  reasons: string[];
  /** Settings that change in place, without a key operation. */
  inPlace: string[];
}

/** Declared inputs as far as they are known: fields still unknown in preview are listed. */
export type PlanInputs = Partial<RotatingKeyInputs> & { unknownFields?: readonly string[] };

const MS_PER_DAY = 86_400_000;
const SHAPING_FIELDS = ["name", "permissions", "keyParams"] as const;
const SCHEDULE_FIELDS = ["rotateEveryDays", "overlapDays"] as const;

/**
 * The retirement instant published for `previous` (ms), or NaN when none can be told: the later of
 * the stored `retiresPreviousAt` and `rotatedAt + overlapDays`, so that a changed schedule can
 * extend the overlap but never shorten one already published to consumers.
 */
export function previousRetiresAt(state: RotatingKeyState, overlapDays: number | undefined): number {
  // An overlap still unknown (preview) could extend the published time: nothing can be told yet.
  if (overlapDays === undefined) return Number.NaN;
  const published = state.retiresPreviousAt === undefined ? Number.NaN : Date.parse(state.retiresPreviousAt);
  const computed = state.rotatedAt === undefined ? Number.NaN : Date.parse(state.rotatedAt) + overlapDays * MS_PER_DAY;
  if (Number.isNaN(published)) return computed;
  if (Number.isNaN(computed)) return published;
  return Math.max(published, computed);
}

/**
 * Decides the next step. Priority: a missing `current` is recreated; else changed settings or a
 * drifted `current` roll; else an old `current` rotates; else keys past their retirement (or
 * gone, or re-scoped) are retired. Every step also retires what is due at the same time.
 */
export function planRotation(state: RotatingKeyState, inputs: PlanInputs, now: Date): RotationPlan {
  const unknown = new Set(inputs.unknownFields ?? []);
  const t = now.getTime();
  const { current, previous } = state;
  const tracked = state.tracking;
  const every = unknown.has("rotateEveryDays") ? undefined : inputs.rotateEveryDays;
  const overlap = unknown.has("overlapDays") ? undefined : inputs.overlapDays;
  const generation = state.generation + 1;
  const baseName = unknown.has("name") ? undefined : inputs.name;
  const newKeyName = baseName === undefined ? undefined : `${baseName}-${generation}`;
  const newLabel = newKeyName === undefined ? "a new key" : `"${newKeyName}"`;
  const retiresPreviousAt = overlap === undefined ? undefined : new Date(t + overlap * MS_PER_DAY).toISOString();

  const inPlace: string[] = [];
  for (const f of SCHEDULE_FIELDS) {
    if (unknown.has(f)) inPlace.push(`${f} is not known yet`);
    else if (inputs[f] !== state[f]) inPlace.push(`${f} changed from ${state[f]} to ${inputs[f]}`);
  }

  const settingChanges: string[] = [];
  for (const f of SHAPING_FIELDS) {
    if (unknown.has(f)) settingChanges.push(`${f} is not known yet`);
    else if (canonicalJson(state[f] ?? null) !== canonicalJson(inputs[f] ?? null)) settingChanges.push(`${f} changed`);
  }
  const currentDrift: string[] = [];
  const tc = tracked.current;
  if (current && tc && !tc.gone) {
    if (rightsDrifted(tc)) currentDrift.push(`the permissions of current key ${label(current)} were changed outside Pulumi`);
    if (tc.serverName !== undefined && tc.serverName !== current.name) {
      currentDrift.push(`current key ${label(current)} was renamed outside Pulumi (to ${JSON.stringify(tc.serverName)})`);
    }
  }

  // Whether `previous` must go now, and why.
  const tp = tracked.previous;
  const previousEnds = previous ? previousRetiresAt(state, overlap) : Number.NaN;
  let previousDue: { reason: string; fate: "delete" | "forget" } | undefined;
  if (previous) {
    if (tp?.gone) previousDue = { reason: `previous key ${label(previous)} was deleted outside Pulumi: forgetting it`, fate: "forget" };
    else if (tp && rightsDrifted(tp)) {
      previousDue = {
        reason: `the permissions of previous key ${label(previous)} were changed outside Pulumi: retiring it now`,
        fate: "delete",
      };
    } else if (state.rotatedAt === undefined || t >= previousEnds) {
      const when = Number.isFinite(previousEnds) ? ` at ${new Date(previousEnds).toISOString()}` : "";
      const days = overlap === undefined ? "" : ` (overlapDays ${overlap})`;
      previousDue = { reason: `the overlap of previous key ${label(previous)} ended${when}${days}: retiring it`, fate: "delete" };
    }
  }

  // Keys that left the `previous` slot earlier: deleted once their own retirement is due.
  const deleteRetiring: number[] = [];
  const forgetKeyIds: number[] = [];
  const retiringReasons: string[] = [];
  for (const r of tracked.retiring ?? []) {
    if (r.gone) {
      forgetKeyIds.push(r.keyId);
      retiringReasons.push(`retired key ${label(r)} was deleted outside Pulumi: forgetting it`);
    } else if (rightsDrifted(r)) {
      deleteRetiring.push(r.keyId);
      retiringReasons.push(`the permissions of retired key ${label(r)} were changed outside Pulumi: deleting it now`);
    } else if (t >= Date.parse(r.retiresAt)) {
      deleteRetiring.push(r.keyId);
      retiringReasons.push(`the overlap of retired key ${label(r)} ended at ${r.retiresAt}: deleting it`);
    }
  }

  const base = { generation, newKeyName, inPlace, forgetKeyIds };
  const none: RotationPlan = {
    ...base,
    action: "none",
    createKey: false,
    demoteCurrent: false,
    previousFate: "stays",
    deleteKeyIds: [],
    forgetKeyIds: [],
    retiresPreviousAt: undefined,
    reasons: [],
  };
  const deletions = (fate: PreviousFate) => [...(fate === "delete" && previous ? [previous.keyId] : []), ...deleteRetiring];

  // 1. No usable current key: make one; `previous` keeps its own schedule.
  if (!current || tc?.gone) {
    const reasons = [
      current
        ? `current key ${label(current)} was deleted outside Pulumi: creating ${newLabel} as current`
        : `there is no current key: creating ${newLabel} as current`,
      ...settingChanges.map((r) => `${r} (the new key gets the declared settings)`),
    ];
    const fate: PreviousFate = previousDue?.fate ?? "stays";
    if (previousDue) reasons.push(previousDue.reason);
    reasons.push(...retiringReasons);
    return {
      ...none,
      ...base,
      action: "recreate-current",
      createKey: true,
      previousFate: fate,
      deleteKeyIds: deletions(fate),
      reasons,
    };
  }

  // 2./3. Roll or rotate: the same step.
  const ageDays = (t - Date.parse(current.createdAt)) / MS_PER_DAY;
  const rotationDue = every !== undefined && Number.isFinite(ageDays) && ageDays >= every;
  if (settingChanges.length || currentDrift.length || rotationDue) {
    const rolling = settingChanges.length > 0 || currentDrift.length > 0;
    const reasons = [...settingChanges, ...currentDrift];
    if (rotationDue) reasons.push(ageReason(current, ageDays, every));
    const until = retiresPreviousAt ? ` until ${retiresPreviousAt} (overlapDays ${overlap})` : "";
    reasons.push(`${newLabel} becomes current; ${label(current)} stays valid as previous${until}`);
    // The old `previous` must leave its slot: deleted if due, else kept until its published time.
    let fate: PreviousFate = "stays";
    if (previous) {
      if (previousDue) {
        fate = previousDue.fate;
        reasons.push(previousDue.reason);
      } else {
        fate = "retiring";
        const ends = Number.isFinite(previousEnds) ? ` until ${new Date(previousEnds).toISOString()}, as published` : "";
        reasons.push(`previous key ${label(previous)} stays valid${ends}, then is deleted`);
      }
    }
    reasons.push(...retiringReasons);
    return {
      ...none,
      ...base,
      action: rolling ? "roll" : "rotate",
      createKey: true,
      demoteCurrent: true,
      previousFate: fate,
      deleteKeyIds: deletions(fate),
      retiresPreviousAt,
      reasons,
    };
  }

  // 4. Retire.
  if (previousDue || retiringReasons.length) {
    const fate: PreviousFate = previousDue?.fate ?? "stays";
    return {
      ...none,
      ...base,
      action: "retire",
      previousFate: fate,
      deleteKeyIds: deletions(fate),
      reasons: [...(previousDue ? [previousDue.reason] : []), ...retiringReasons],
    };
  }
  return none;
}

/** A key just created for a plan: what `current` and `tracking.current` will hold. */
export interface CreatedGeneration {
  /** The consumer-facing record. */
  ref: KeyRef;
  /** The provider's record. */
  tracked: TrackedKey;
}

/**
 * The state after a plan was carried out, before its deletions: the created key as `current`
 * (the old one demoted if planned), `previous` moved out of its slot if planned, the schedule
 * recomputed from the inputs. Keys the plan deletes are listed in `tracking.retiring` (due), so
 * that a deletion that fails leaves them recorded; {@link withoutKeys} removes the deleted ones.
 * @throws Error when the plan creates a key and `created` is missing (a programming error).
 */
export function applyPlan(
  state: RotatingKeyState,
  plan: RotationPlan,
  inputs: RotatingKeyInputs,
  at: Date,
  created?: CreatedGeneration,
): RotatingKeyState {
  if (plan.createKey && !created) throw new Error("applyPlan: the plan creates a key but none was given");
  const published = previousRetiresAt(state, inputs.overlapDays);
  let retiring = (state.tracking.retiring ?? []).filter((r) => !plan.forgetKeyIds.includes(r.keyId));
  let next: RotatingKeyState = { ...state, ...declaredSettings(inputs), schemaVersion: ROTATING_STATE_SCHEMA_VERSION };
  if (state.previous && plan.previousFate !== "stays") {
    if (plan.previousFate !== "forget") {
      // Deleted in this step: due now (if the deletion fails, the next step retries it).
      // Retiring: kept until the time published for it.
      const retiresAt = plan.previousFate === "delete" || !Number.isFinite(published) ? at.getTime() : published;
      retiring = [...retiring, retiringEntry(state.previous, state.tracking.previous, new Date(retiresAt))];
    }
    const { previous: _p, retiresPreviousAt: _r, ...rest } = next;
    const { previous: _t, ...tracking } = next.tracking;
    next = { ...rest, tracking };
  }
  if (plan.createKey && created) {
    next = { ...next, generation: plan.generation, current: created.ref, tracking: { ...next.tracking, current: created.tracked } };
    if (plan.demoteCurrent && state.current) {
      next.previous = state.current;
      next.rotatedAt = at.toISOString();
      next.retiresPreviousAt = new Date(at.getTime() + inputs.overlapDays * MS_PER_DAY).toISOString();
      next.tracking.previous = state.tracking.current ?? { keyId: state.current.keyId };
    }
  }
  // A previous that stays follows a longer overlap, never a shorter one (see previousRetiresAt).
  if (next.previous && !plan.demoteCurrent && Number.isFinite(published)) next.retiresPreviousAt = new Date(published).toISOString();
  const { retiring: _old, ...tracking } = next.tracking;
  next.tracking = retiring.length ? { ...tracking, retiring } : tracking;
  return next;
}

/** `state` without the retiring keys whose ids are given (they were deleted). */
export function withoutKeys(state: RotatingKeyState, deleted: readonly number[]): RotatingKeyState {
  const left = (state.tracking.retiring ?? []).filter((r) => !deleted.includes(r.keyId));
  const { retiring: _old, ...tracking } = state.tracking;
  return { ...state, tracking: left.length ? { ...tracking, retiring: left } : tracking };
}

/** A one-line summary for logs and `pulumi preview`, e.g. `will rotate: …`. */
export function describePlan(plan: RotationPlan): string {
  const onlyPrevious = plan.previousFate !== "stays" && plan.reasons.length === 1;
  const verb = {
    rotate: "rotate",
    roll: "roll to a new key",
    retire: onlyPrevious ? "retire its previous key" : "retire old keys",
    "recreate-current": "recreate its current key",
    none: "change settings in place",
  }[plan.action];
  return `will ${verb}: ${(plan.action === "none" ? plan.inPlace : plan.reasons).join("; ")}`;
}

function retiringEntry(ref: KeyRef, tracked: TrackedKey | undefined, retiresAt: Date): RetiringKey {
  const { gone: _g, ...seen } = tracked ?? { keyId: ref.keyId };
  return { ...seen, keyId: ref.keyId, name: ref.name, createdAt: ref.createdAt, retiresAt: retiresAt.toISOString() };
}

function label(k: { name: string; keyId: number }): string {
  return `"${k.name}" (id ${k.keyId})`;
}

function rightsDrifted(k: { serverRights?: string | null | undefined; serverRightsBaseline?: string | null | undefined }): boolean {
  return viewsDiffer(k.serverRights, k.serverRightsBaseline);
}

function ageReason(current: KeyRef, ageDays: number, every: number | undefined): string {
  // Due at age >= every: at age 2 × every the key is one period overdue.
  const overdue = every ? Math.floor(ageDays / every) - 1 : 0;
  const note = overdue >= 1 ? ` (${overdue} period${overdue === 1 ? "" : "s"} overdue; one rotation catches up)` : "";
  return `current key ${label(current)} is ${ageDays.toFixed(2)} days old, rotateEveryDays is ${every}${note}`;
}
