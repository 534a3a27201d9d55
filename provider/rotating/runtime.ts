/**
 * The implementation behind `rotatingVastApiKeyProvider` (package path
 * `pulumi-vast-api-keys/rotating`): `configure`, `check`, `diff`, `create`, `read`, `update` and
 * `delete` of `RotatingVastApiKey`. It shares credentials, sessions, pacing and lost-create
 * reconciliation with `VastApiKey` through `currentSession()` of the main runtime: both
 * resources of a stack run in one provider process and one paced client per account.
 *
 * Every step is decided by {@link planRotation} from state and the clock; `update` carries it
 * out in an order that never leaves a key unknown to Pulumi: the only deletion (of `previous`)
 * comes first, and creating the new key is the last fallible operation, so when anything fails
 * the engine keeps the old state and nothing exists on Vast that state does not name.
 */
import { randomUUID } from "node:crypto";
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { AccountSession } from "../account";
import { now } from "../clock";
import { VastInputError } from "../errors";
import { notice } from "../log";
import { currentSession } from "../runtime";
import { serverView, withoutUndefined } from "../state";
import { parseRotatingInputs, type RotatingKeyInputs, validateRotatingInputs } from "./inputs";
import { applyPlan, type CreatedGeneration, describePlan, type PlanInputs, planRotation } from "./plan";
import {
  declaredSettings,
  type KeyRef,
  ROTATING_STATE_SCHEMA_VERSION,
  type RotatingKeyState,
  type TrackedKey,
  upgradeRotatingState,
} from "./state";

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

/** Validates inputs before any API call and fills in the `overlapDays` default. */
export async function check(_olds: Props, news: Props): Promise<dynamic.CheckResult> {
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
    throw new VastInputError("id", `RotatingVastApiKey ${id} cannot be read without its state: it has no lookup by id`);
  }
  const state = upgradeRotatingState(props);
  const { session, accountId } = await sessionFor(state, "refresh");
  const [current, previous] = await Promise.all([
    observe(session, state.current, state.tracking.current),
    observe(session, state.previous, state.tracking.previous),
  ]);
  const next: RotatingKeyState = {
    ...state,
    schemaVersion: ROTATING_STATE_SCHEMA_VERSION,
    accountId,
    tracking: { ...state.tracking, current, previous },
  };
  return { id, props: toOutputs(next) };
}

/**
 * Carries out the planned step: delete `previous` (if planned), then create the new key (if
 * planned) as the last fallible operation; everything after it is bookkeeping.
 */
export async function update(_id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
  const state = upgradeRotatingState(olds);
  const inputs = parseRotatingInputs(news);
  const at = now();
  const plan = planRotation(state, inputs, at);
  const { session, accountId } = await sessionFor(state, "update");
  if (plan.deletePrevious && state.previous) await session.deleteKey(state.previous.keyId, accountId);
  const created = plan.createKey ? await createGeneration(session, inputs, plan.generation, at) : undefined;
  return { outs: toOutputs({ ...applyPlan(state, plan, inputs, at, created), accountId }) };
}

/** Destroy: deletes `previous`, then `current`; keys already gone count as deleted. */
export async function remove(_id: string, props: Props): Promise<void> {
  const state = upgradeRotatingState(props);
  const session = currentSession();
  const keys = [
    { ref: state.previous, tracked: state.tracking.previous },
    { ref: state.current, tracked: state.tracking.current },
  ];
  for (const { ref, tracked } of keys) if (ref && !tracked?.gone) await session.deleteKey(ref.keyId, state.accountId);
}

export { remove as delete };

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
  const rights = serverView(created.serverPermissions);
  return {
    // The provider's clock, not Vast's: schedules must follow VAST_NOW in tests and dry runs.
    ref: { keyId: created.id, key: created.key, createdAt: at.toISOString(), name },
    tracked: { keyId: created.id, serverName: name, serverRights: rights, serverRightsBaseline: rights },
  };
}

async function observe(session: AccountSession, ref: KeyRef | undefined, tracked: TrackedKey | undefined): Promise<TrackedKey | undefined> {
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
  const tracking = withoutUndefined({ current: state.tracking.current, previous: state.tracking.previous });
  return withoutUndefined({ ...state, tracking });
}
