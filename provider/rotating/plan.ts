/**
 * What a `RotatingVastApiKey` does next, as a pure function of (stored state, declared inputs,
 * now). `diff` calls it to show the step in `pulumi preview`, `update` calls it again to carry
 * the step out, so preview and up decide the same way, from state, without a refresh.
 *
 * Invariants of every plan (unit-tested):
 * - at most one key is deleted, and only `previous` (never `current`);
 * - `current` is never touched before its successor exists, so a declared key is valid at
 *   every moment;
 * - at most one key is created, whatever the number of missed rotation periods.
 */
import { canonicalJson } from "../permissions";
import type { RotatingKeyInputs } from "./inputs";
import { declaredSettings, type KeyRef, ROTATING_STATE_SCHEMA_VERSION, type RotatingKeyState, type TrackedKey } from "./state";

/** The kind of step. */
export type RotationAction =
  /** `current` is older than `rotateEveryDays`: a new key becomes current, the old one previous. */
  | "rotate"
  /** `previous` is past its overlap, or gone or re-scoped outside Pulumi: it is dropped. */
  | "retire"
  /** `name`, `permissions` or `keyParams` changed, or `current` drifted: the same step as a rotation. */
  | "roll"
  /** `current` was deleted outside Pulumi: a new key becomes current, `previous` stays. */
  | "recreate-current"
  /** No key operation (in-place setting changes may remain). */
  | "none";

/** The step {@link planRotation} decided. */
export interface RotationPlan {
  /** The kind of step. */
  action: RotationAction;
  /** Delete `previous` on Vast in this step (at most one deletion per step). */
  deletePrevious: boolean;
  /** Drop `previous` from state (deleted here, or already gone). */
  dropPrevious: boolean;
  /** Create a new key; always the last operation of the step. */
  createKey: boolean;
  /** The old `current` becomes `previous` (rotate, roll). */
  demoteCurrent: boolean;
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
 * Decides the next step. Priority: a missing `current` is recreated; else changed settings or a
 * drifted `current` roll; else an old `current` rotates; else a `previous` past its overlap (or
 * gone, or re-scoped) is retired. Rotate, roll and recreate also delete a `previous` that is due
 * for retirement in the same step; rotate and roll delete any `previous`, since only two keys
 * are kept.
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

  // Why `previous` should go now, if it should.
  const tp = tracked.previous;
  let previousDue: { reason: string; onVast: boolean } | undefined;
  if (previous) {
    const endsAt = state.rotatedAt !== undefined && overlap !== undefined ? Date.parse(state.rotatedAt) + overlap * MS_PER_DAY : Number.NaN;
    if (tp?.gone) previousDue = { reason: `previous key ${label(previous)} was deleted outside Pulumi: forgetting it`, onVast: false };
    else if (tp && rightsDrifted(tp)) {
      previousDue = {
        reason: `the permissions of previous key ${label(previous)} were changed outside Pulumi: retiring it now`,
        onVast: true,
      };
    } else if (state.rotatedAt === undefined || (Number.isFinite(endsAt) && t >= endsAt)) {
      const when = Number.isFinite(endsAt) ? ` at ${new Date(endsAt).toISOString()}` : "";
      previousDue = {
        reason: `the overlap of previous key ${label(previous)} ended${when} (overlapDays ${overlap}): retiring it`,
        onVast: true,
      };
    }
  }

  const base = { generation, newKeyName, inPlace };
  const none: RotationPlan = {
    ...base,
    action: "none",
    deletePrevious: false,
    dropPrevious: false,
    createKey: false,
    demoteCurrent: false,
    retiresPreviousAt: undefined,
    reasons: [],
  };

  // 1. No usable current key: make one; `previous` keeps its own schedule.
  if (!current || tc?.gone) {
    const reasons = [
      current
        ? `current key ${label(current)} was deleted outside Pulumi: creating ${newLabel} as current`
        : `there is no current key: creating ${newLabel} as current`,
      ...settingChanges.map((r) => `${r} (the new key gets the declared settings)`),
    ];
    if (previousDue) reasons.push(previousDue.reason);
    return {
      ...none,
      action: "recreate-current",
      createKey: true,
      deletePrevious: previousDue?.onVast ?? false,
      dropPrevious: previousDue !== undefined,
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
    if (previous) {
      if (previousDue) reasons.push(previousDue.reason);
      else {
        const ends = state.retiresPreviousAt ? `, before its overlap ends at ${state.retiresPreviousAt}` : "";
        reasons.push(`previous key ${label(previous)} is deleted first${ends} (only two keys are kept)`);
      }
    }
    return {
      ...none,
      action: rolling ? "roll" : "rotate",
      createKey: true,
      demoteCurrent: true,
      deletePrevious: previous !== undefined && previousDue?.onVast !== false,
      dropPrevious: previous !== undefined,
      retiresPreviousAt,
      reasons,
    };
  }

  // 4. Retire.
  if (previousDue) {
    return { ...none, action: "retire", deletePrevious: previousDue.onVast, dropPrevious: true, reasons: [previousDue.reason] };
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
 * The state after a plan was carried out: `previous` dropped if planned, the created key as
 * `current` (the old one demoted if planned), the schedule recomputed from the inputs.
 * @throws Error when the plan creates a key and `created` is missing (a programming error).
 */
export function applyPlan(
  state: RotatingKeyState,
  plan: RotationPlan,
  inputs: RotatingKeyInputs,
  at: Date,
  created?: CreatedGeneration,
): RotatingKeyState {
  let next: RotatingKeyState = { ...state, ...declaredSettings(inputs), schemaVersion: ROTATING_STATE_SCHEMA_VERSION };
  if (plan.dropPrevious) {
    const { previous: _p, retiresPreviousAt: _r, ...rest } = next;
    const { previous: _t, ...tracking } = next.tracking;
    next = { ...rest, tracking };
  }
  if (plan.createKey) {
    if (!created) throw new Error("applyPlan: the plan creates a key but none was given");
    const demoted = plan.demoteCurrent ? state.current : undefined;
    next = { ...next, generation: plan.generation, current: created.ref, tracking: { ...next.tracking, current: created.tracked } };
    if (demoted) {
      next.previous = demoted;
      next.rotatedAt = at.toISOString();
      next.tracking.previous = state.tracking.current ?? { keyId: demoted.keyId };
    }
  }
  // Also follows a changed overlapDays when no key was touched.
  if (next.previous && next.rotatedAt)
    next.retiresPreviousAt = new Date(Date.parse(next.rotatedAt) + inputs.overlapDays * MS_PER_DAY).toISOString();
  return next;
}

/** A one-line summary for logs and `pulumi preview`, e.g. `will rotate: …`. */
export function describePlan(plan: RotationPlan): string {
  const verb = {
    rotate: "rotate",
    roll: "roll to a new key",
    retire: "retire its previous key",
    "recreate-current": "recreate its current key",
    none: "change settings in place",
  }[plan.action];
  return `will ${verb}: ${(plan.action === "none" ? plan.inPlace : plan.reasons).join("; ")}`;
}

function label(k: KeyRef): string {
  return `"${k.name}" (id ${k.keyId})`;
}

function rightsDrifted(k: { serverRights?: string | null | undefined; serverRightsBaseline?: string | null | undefined }): boolean {
  return typeof k.serverRights === "string" && typeof k.serverRightsBaseline === "string" && k.serverRights !== k.serverRightsBaseline;
}

function ageReason(current: KeyRef, ageDays: number, every: number | undefined): string {
  const periods = every ? Math.floor(ageDays / every) : 1;
  const overdue = periods >= 2 ? ` (${periods} periods overdue; one rotation catches up)` : "";
  return `current key ${label(current)} is ${ageDays.toFixed(2)} days old, rotateEveryDays is ${every}${overdue}`;
}
