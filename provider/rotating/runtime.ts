/**
 * The implementation behind `rotatingVastApiKeyProvider` (package path
 * `pulumi-vast-api-keys/rotating`): `configure`, `check`, `diff`, `create`, `read`, `update` and
 * `delete` of `RotatingVastApiKey`. It shares credentials, sessions, pacing and lost-create
 * reconciliation with `VastApiKey` through `currentSession()` of the main runtime: both
 * resources of a stack run in one provider process and one paced client per account.
 *
 * Every step is decided by {@link planRotation} from state and the clock; `update` carries it
 * out in an order that never deletes a key before the step's new key exists, and never leaves a
 * key unknown to Pulumi: the create comes first (if it fails, nothing changed and the engine
 * keeps the old state), then the deletions; a deletion that fails leaves its key recorded in
 * `tracking.retiring` and the update fails with those outputs (a partial failure the engine
 * records), so the next `up` retries it.
 */
import { randomUUID } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { AccountSession } from "../account";
import { now } from "../clock";
import { ErrorCodes, isVastError, VastInputError, VastPartialUpdateError } from "../errors";
import { notice } from "../log";
import { assertConfigured, currentSession } from "../runtime";
import { serverView, withoutUndefined } from "../state";
import { parseRotatingInputs, type RotatingKeyInputs, validateRotatingInputs } from "./inputs";
import { applyPlan, type CreatedGeneration, describePlan, type PlanInputs, planRotation, withoutKeys } from "./plan";
import { declaredSettings, ROTATING_STATE_SCHEMA_VERSION, type RotatingKeyState, type TrackedKey, upgradeRotatingState } from "./state";

type Props = Record<string, unknown>;

/** Receives stack config (`vast:apiKey`, `vast:url`); shared with `VastApiKey`. */
export { configure } from "../runtime";

/**
 * The session for stored keys, after checking that they belong to the credential's account
 * (a credential of another account must never make them look "gone"). Returns the account id.
 */
async function sessionFor(state: RotatingKeyState, action: string): Promise<{ session: AccountSession; accountId: number }> {
  const session = currentSession();
  const accountId = await session.assertAccount(state.accountId, state.current?.keyId ?? state.previous?.keyId ?? 0, action);
  return { session, accountId };
}

/**
 * The account to record: the one in state, else (state from before accounts were recorded) the
 * credential's, but only when this credential actually found or made one of the keys. A key
 * another account's credential cannot see may well exist in the right account.
 */
function recordedAccount(state: RotatingKeyState, credentialAccount: number, sawAKey: boolean): number | undefined {
  return state.accountId ?? (sawAKey ? credentialAccount : undefined);
}

/** Validates inputs before any API call and fills in the `overlapDays` default. */
export async function check(_olds: Props, news: Props): Promise<dynamic.CheckResult> {
  assertConfigured();
  const result = validateRotatingInputs(news);
  return { inputs: result.inputs, failures: result.failures };
}

/**
 * Shows the next step as an in-place update of this resource (never a replacement), with the
 * reason on stderr, which the engine prints in `pulumi preview` and `up` (under the stack, as for
 * `VastApiKey`'s replacement reasons).
 */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
  const state = upgradeRotatingState(olds);
  const plan = planRotation(state, planInputs(news), now());
  if (plan.action !== "none") notice(`vast: rotating key "${state.name}" ${describePlan(plan)}`);
  const providerChanged = olds.__provider !== undefined && news.__provider !== undefined && olds.__provider !== news.__provider;
  const olderShape = olds.schemaVersion !== ROTATING_STATE_SCHEMA_VERSION;
  return { changes: plan.action !== "none" || plan.inPlace.length > 0 || providerChanged || olderShape, replaces: [] };
}

/** Creates generation 1 (`<name>-1`) as `current`. */
export async function create(raw: Props): Promise<dynamic.CreateResult> {
  const inputs = parseRotatingInputs(raw);
  const at = now();
  const session = currentSession();
  const { userId: accountId } = await session.identity();
  const made = await createGeneration(session, inputs, 1, at);
  const state: RotatingKeyState = {
    schemaVersion: ROTATING_STATE_SCHEMA_VERSION,
    accountId,
    ...declaredSettings(inputs),
    generation: 1,
    current: made.ref,
    tracking: { current: made.tracked },
  };
  // The resource outlives its keys, so its id is none of theirs.
  return { id: randomUUID(), outs: toOutputs(state) };
}

/**
 * Refresh: looks both keys up in one key list. A key missing from Vast, or re-scoped or renamed
 * there, is recorded in `tracking` (the consumer-facing `current`/`previous` are left as they
 * were); {@link diff} then reports it and the next `up` repairs it.
 */
export async function read(id: string, props?: Props): Promise<dynamic.ReadResult> {
  if (!props || (props.tracking === undefined && props.current === undefined)) {
    // The id is not echoed: whatever was typed there may be a key value.
    throw new VastInputError("id", "a RotatingVastApiKey cannot be read without its state: it has no lookup by id");
  }
  const state = upgradeRotatingState(props);
  const { session, accountId } = await sessionFor(state, "refresh");
  const [current, previous, ...retiring] = await Promise.all([
    observe(session, state.current, state.tracking.current),
    observe(session, state.previous, state.tracking.previous),
    ...(state.tracking.retiring ?? []).map((r) => observe(session, r, r)),
  ]);
  const seen = [current, previous, ...retiring].some((k) => k !== undefined && !k.gone);
  const next: RotatingKeyState = {
    ...state,
    schemaVersion: ROTATING_STATE_SCHEMA_VERSION,
    accountId: recordedAccount(state, accountId, seen),
    tracking: {
      ...state.tracking,
      current,
      previous,
      ...(state.tracking.retiring ? { retiring: state.tracking.retiring.map((r, i) => ({ ...r, ...retiring[i] })) } : {}),
    },
  };
  return { id, props: toOutputs(next) };
}

/**
 * Carries out the planned step: create the new key (if planned) first, so that nothing is
 * deleted unless it succeeded; then the planned deletions. A deletion that fails keeps its key
 * in `tracking.retiring` and fails the update with the outputs as they now are (the engine
 * records them: the new key is never lost), so the next `up` retries it.
 */
export async function update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
  const state = upgradeRotatingState(olds);
  const inputs = parseRotatingInputs(news);
  const at = now();
  const plan = planRotation(state, inputs, at);
  const { session, accountId } = await sessionFor(state, "update");
  // State from before accounts were recorded takes this credential's account only if it finds one
  // of the keys: what state says of them, or a key this step makes (made wherever the credential
  // points), proves nothing about the account they live in.
  const seen = state.accountId !== undefined || (await findsAnyKey(session, state));
  const created = plan.createKey ? await createGeneration(session, inputs, plan.generation, at) : undefined;
  const applied = applyPlan(state, plan, inputs, at, created);
  const deleted: number[] = [];
  const failures: string[] = [];
  for (const keyId of plan.deleteKeyIds) {
    try {
      await session.deleteKey(keyId, accountId);
      deleted.push(keyId);
    } catch (err) {
      failures.push(`key ${keyId}: ${isVastError(err) ? `${err.code}: ` : ""}${err instanceof Error ? err.message : String(err)}`);
    }
  }
  const outs = toOutputs({ ...withoutKeys(applied, deleted), accountId: recordedAccount(state, accountId, seen) });
  if (failures.length) {
    throw new VastPartialUpdateError(
      ErrorCodes.stepIncomplete,
      `rotating key "${inputs.name}": ${created ? `created key ${created.ref.keyId} ("${created.ref.name}"), but ` : ""}could not delete ${failures.length === 1 ? "an old key" : "old keys"} (${failures.join("; ")}). ` +
        "State records every key; the next `pulumi up` deletes what is left.",
      id,
      // The dynamic-provider host reads the provider from the recorded outputs.
      withoutUndefined({ ...outs, __provider: news.__provider }),
      failures,
    );
  }
  return { outs };
}

/** Destroy: deletes retiring keys, `previous`, then `current`; keys already gone count as deleted. */
export async function remove(_id: string, props: Props): Promise<void> {
  const state = upgradeRotatingState(props);
  const session = currentSession();
  const keys = [
    ...(state.tracking.retiring ?? []).map((r) => ({ ref: r, tracked: r })),
    { ref: state.previous, tracked: state.tracking.previous },
    { ref: state.current, tracked: state.tracking.current },
  ];
  for (const { ref, tracked } of keys) if (ref && !tracked?.gone) await session.deleteKey(ref.keyId, state.accountId);
}

export { remove as delete };

/** True when the credential's account holds the state's `current` or `previous` key. */
async function findsAnyKey(session: AccountSession, state: RotatingKeyState): Promise<boolean> {
  for (const ref of [state.current, state.previous]) if (ref && (await session.findKey(ref.keyId))) return true;
  return false;
}

/** Turns possibly-unknown raw inputs (preview) into what {@link planRotation} needs. */
function planInputs(news: Props): PlanInputs {
  const v = validateRotatingInputs(news);
  if (v.parsed) return v.parsed;
  if (v.failures.length) throw new VastInputError(v.failures[0]?.property ?? "inputs", v.failures[0]?.reason ?? "invalid");
  // Known fields are valid (check passed); unknown ones are listed so the plan can say so.
  return { ...(v.inputs as Partial<RotatingKeyInputs>), unknownFields: v.unknownFields };
}

async function createGeneration(
  session: AccountSession,
  inputs: RotatingKeyInputs,
  generation: number,
  at: Date,
): Promise<CreatedGeneration> {
  const name = `${inputs.name}-${generation}`;
  const created = await session.createKey({ name, permissions: inputs.permissions, keyParams: inputs.keyParams });
  const rights = created.serverPermissions === undefined ? undefined : serverView(created.serverPermissions);
  return {
    // The provider's clock, not Vast's: schedules must follow VAST_NOW in tests and dry runs.
    ref: { keyId: created.id, key: created.key, createdAt: at.toISOString(), name },
    tracked: { keyId: created.id, serverName: name, serverRights: rights, serverRightsBaseline: rights },
  };
}

async function observe(
  session: AccountSession,
  ref: { keyId: number } | undefined,
  tracked: TrackedKey | undefined,
): Promise<TrackedKey | undefined> {
  if (!ref) return undefined;
  if (tracked?.gone) return tracked;
  const remote = await session.findKey(ref.keyId);
  if (!remote) return { ...tracked, keyId: ref.keyId, gone: true };
  const rights = serverView(remote.rights);
  return {
    ...tracked,
    keyId: ref.keyId,
    serverName: remote.name,
    serverRights: rights,
    // The first view we see becomes the baseline when create did not get one.
    serverRightsBaseline: tracked?.serverRightsBaseline ?? rights,
  };
}

function toOutputs(state: RotatingKeyState): Props {
  const { current, previous, retiring } = state.tracking;
  const tracking = withoutUndefined({
    ...state.tracking,
    current: current && withoutUndefined(current),
    previous: previous && withoutUndefined(previous),
    retiring: retiring?.length ? retiring.map((r) => withoutUndefined(r)) : undefined,
  });
  return withoutUndefined({ ...state, tracking });
}
