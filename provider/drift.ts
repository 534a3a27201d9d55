/**
 * Drift report: what a refresh preview of each stack saw of its keys, what the next `pulumi up`
 * would do about time (rotation, retirement), and the keys on each account that no checked stack
 * manages. Pure functions over observations gathered elsewhere (`drift-stacks.ts` reads stacks
 * through the Automation API; `cli/drift.ts` lists the accounts), so that every decision is
 * unit-tested. The semantics are the provider's own, reused rather than restated: permission drift
 * (`permissionDrift`, `viewsDiffer`), rotation by age (`computeDiff`), the rotating plan
 * (`planRotation`), managed and unmanaged keys (`auditKeys`). Key values never reach this module.
 */
import { auditKeys, type KeyAccess, keyAccess, type ManagedKeyRef, ROTATING_KEY_TYPES, type RotatingSlot, SINGLE_KEY_TYPES } from "./audit";
import { computeDiff, permissionDrift } from "./diff";
import type { ApiKeyInfo } from "./keys";
import { canonicalJson } from "./permissions";
import { parseRotatingInputs, type RotatingKeyInputs } from "./rotating/inputs";
import { describePlan, planRotation, previousRetiresAt } from "./rotating/plan";
import { type RotatingKeyState, type TrackedKey, upgradeRotatingState } from "./rotating/state";
import { isNoDocumentView, normalizedView, viewsDiffer, withoutUndefined } from "./state";

type Props = Record<string, unknown>;

const MS_PER_DAY = 86_400_000;

/** Version of the JSON document ({@link DriftReport}); a change of meaning or a removed field bumps it. */
export const DRIFT_REPORT_VERSION = 1;

/** Which key of a resource: `key` for the one key of `VastApiKey` / `vast:index:ApiKey`, else a rotating slot. */
export type KeySlot = "key" | RotatingSlot;

/** The credential a stack is checked with (the one its next `pulumi up` uses). Never the value. */
export interface CredentialInfo {
  /** The Vast account (user id) of the credential. */
  accountId: number;
  /** The id of the credential's own key (the management key). */
  keyId: number;
  /** Where the credential came from, e.g. `stack config vast:apiKey`. */
  source: string;
  /** The API origin. */
  url: string;
}

/** What the refresh preview did with one resource. */
export type RefreshOutcome =
  /** Read from Vast: the outputs a refresh would store, and the inputs it would record. */
  | { kind: "read"; outputs: Props; inputs: Props }
  /** The key is gone: a refresh would drop the resource. */
  | { kind: "gone" }
  /** Not refreshed: recorded in another account than the credential's (see {@link recordedAccountOf}). */
  | { kind: "not-read" };

/** One key resource of a stack. */
export interface ObservedResource {
  /** The resource URN. */
  urn: string;
  /** The type token (one of the four key resource types). */
  type: string;
  /** The resource id (the key id for single keys, a UUID for rotating keys). */
  id: string;
  /**
   * The outputs recorded in state before the check, without key values: for rotating keys,
   * `current` and `previous` as plain objects (`keyId`, `name`, `createdAt`).
   */
  stored: Props;
  /** What the refresh preview saw. */
  refresh: RefreshOutcome;
}

/** One checked stack. */
export interface StackObservation {
  /** The stack name. */
  stack: string;
  /** The credential it was checked with. */
  credential: CredentialInfo;
  /** Its key resources (other resources are ignored). */
  resources: ObservedResource[];
  /** The keys it manages, as `managedKeysFromState` finds them (the same rule as `vast-api-keys audit`). */
  managed: ManagedKeyRef[];
}

/** One account's key list. */
export interface AccountObservation {
  /** The API origin. */
  url: string;
  /** The account (user id). */
  accountId: number;
  /** The keys checked stacks authenticate with on this account (management keys). */
  credentialKeyIds: number[];
  /** The account's live keys, from one list call. */
  keys: ApiKeyInfo[];
}

interface FindingBase {
  /** The key the finding is about. */
  keyId: number;
  /** Which key of the resource. */
  slot: KeySlot;
  /** What was found, in words (names, instants, categories; never values). The key is in `keyId` and `slot`. */
  message: string;
}

/** One difference between a stack and Vast, or a change the next `pulumi up` makes because time passed. */
export type Finding =
  /** The key was deleted on Vast. */
  | (FindingBase & { kind: "deleted" })
  /** The key's name on Vast differs from the recorded one (`null`: no name). */
  | (FindingBase & { kind: "renamed"; from: string | null; to: string | null })
  /**
   * The key's permissions on Vast differ from those seen at creation. `fullAccess`/`billing`: what
   * it may do now; `added`/`removed`/`changed`: categories (empty lists when either side is full access).
   */
  | (FindingBase & { kind: "rescoped"; fullAccess: boolean; billing: boolean; added: string[]; removed: string[]; changed: string[] })
  /** The key is recorded in another account than the credential's (`VAST_WRONG_ACCOUNT` on refresh and up). */
  | (FindingBase & { kind: "wrong-account"; recordedAccountId: number; credentialAccountId: number })
  /** Rotation is due (`rotateAfterDays`, `rotateEveryDays`) since `since` (`null` when unknown). */
  | (FindingBase & { kind: "rotation-due"; since: string | null })
  /** A rotating resource's old key is due for deletion since `since` (`null` when unknown). */
  | (FindingBase & { kind: "retirement-due"; since: string | null });

/** The kinds of {@link Finding}. */
export type FindingKind = Finding["kind"];

/** One key of a resource. */
export interface ResourceKey {
  /** Vast's key id. */
  keyId: number;
  /** Which key of the resource. */
  slot: KeySlot;
  /** Its name on Vast as last seen (`null`: none). */
  name: string | null;
}

/** One key resource in the report. */
export interface ResourceReport {
  /** The Pulumi resource name. */
  resource: string;
  /** The resource URN. */
  urn: string;
  /** The type token. */
  type: string;
  /** Its keys. */
  keys: ResourceKey[];
  /** What differs (empty: in sync). */
  findings: Finding[];
  /** What the next `pulumi up` would do to its keys, in words (`null`: nothing). */
  nextUp: string | null;
}

/** One stack in the report. */
export interface StackReport {
  /** The stack name. */
  stack: string;
  /** The account the stack was checked against (the credential's). */
  accountId: number;
  /** The credential's own key id. */
  credentialKeyId: number;
  /** Where the credential came from. */
  credentialSource: string;
  /** The API origin. */
  url: string;
  /** Its key resources. */
  resources: ResourceReport[];
  /** The number of findings. */
  findings: number;
}

/** A key on an account that no checked stack manages. */
export interface UnmanagedKey extends KeyAccess {
  /** The account. */
  accountId: number;
  /** The API origin. */
  url: string;
  /** Vast's key id. */
  keyId: number;
  /** Its name (`null`: none). */
  name: string | null;
  /** Creation time, ISO-8601, when Vast reports it. */
  createdAt: string | null;
  /** Age in days at `checkedAt`, when the creation time is known. */
  ageDays: number | null;
  /** A key a checked stack authenticates with: listed, never counted as drift. */
  managementKey: boolean;
}

/** The whole report: also the `--json` document. */
export interface DriftReport {
  /** {@link DRIFT_REPORT_VERSION}. */
  version: number;
  /** The instant the time-based checks used (`VAST_NOW` when set). */
  checkedAt: string;
  /** True when drift was found: the command exits 2. */
  drift: boolean;
  /** Whether unmanaged keys (other than management keys) count as drift. */
  failOnUnmanaged: boolean;
  /** The checked stacks. */
  stacks: StackReport[];
  /** Keys no checked stack manages, per account, oldest id first. */
  unmanaged: UnmanagedKey[];
  /** Counts. */
  summary: { stacks: number; resources: number; keys: number; findings: number; unmanaged: number };
}

/** Options of {@link buildDriftReport}. */
export interface DriftOptions {
  /** The clock (the provider's `now()`, which honours `VAST_NOW`). */
  now: Date;
  /** Whether unmanaged keys count as drift. */
  failOnUnmanaged: boolean;
}

/** True for the four key resource types; every other resource of a stack is ignored. */
export function isKeyResourceType(type: string): boolean {
  return SINGLE_KEY_TYPES.has(type) || ROTATING_KEY_TYPES.has(type);
}

/** The account recorded in a resource's state, if any (state from before accounts were recorded has none). */
export function recordedAccountOf(stored: Props): number | undefined {
  return typeof stored.accountId === "number" ? stored.accountId : undefined;
}

/**
 * True when a resource is recorded in another account than `accountId`: refreshing or updating it
 * with that credential fails (`VAST_WRONG_ACCOUNT`), so the check does not refresh it.
 */
export function inOtherAccount(stored: Props, accountId: number): boolean {
  const recorded = recordedAccountOf(stored);
  return recorded !== undefined && recorded !== accountId;
}

/** Builds the report; see {@link DriftReport}. */
export function buildDriftReport(stacks: StackObservation[], accounts: AccountObservation[], options: DriftOptions): DriftReport {
  const stackReports = stacks.map((s): StackReport => {
    const resources = s.resources.map((r) => checkResource(r, s.credential, options.now));
    return {
      stack: s.stack,
      accountId: s.credential.accountId,
      credentialKeyId: s.credential.keyId,
      credentialSource: s.credential.source,
      url: s.credential.url,
      resources,
      findings: resources.reduce((n, r) => n + r.findings.length, 0),
    };
  });
  const unmanaged = unmanagedKeys(
    accounts,
    stacks.flatMap((s) => s.managed),
    options.now,
  );
  const findings = stackReports.reduce((n, s) => n + s.findings, 0);
  const resources = stackReports.flatMap((s) => s.resources);
  const counted = unmanaged.filter((k) => !k.managementKey).length;
  return {
    version: DRIFT_REPORT_VERSION,
    checkedAt: options.now.toISOString(),
    drift: findings > 0 || (options.failOnUnmanaged && counted > 0),
    failOnUnmanaged: options.failOnUnmanaged,
    stacks: stackReports,
    unmanaged,
    summary: {
      stacks: stackReports.length,
      resources: resources.length,
      keys: resources.reduce((n, r) => n + r.keys.length, 0),
      findings,
      unmanaged: counted,
    },
  };
}

/** The command's exit code for a report: 2 when drift was found, else 0. */
export function exitCodeOf(report: DriftReport): 0 | 2 {
  return report.drift ? 2 : 0;
}

/** Keys on the accounts that no checked stack manages, with the management keys marked. */
function unmanagedKeys(accounts: AccountObservation[], managed: ManagedKeyRef[], now: Date): UnmanagedKey[] {
  return accounts.flatMap((a) =>
    auditKeys(a.keys, managed, { now, selfKeyId: a.credentialKeyIds }).unmanaged.map(
      (k): UnmanagedKey => ({
        accountId: a.accountId,
        url: a.url,
        keyId: k.id,
        name: k.name,
        createdAt: k.createdAt ?? null,
        ageDays: k.ageDays ?? null,
        fullAccess: k.fullAccess,
        billing: k.billing,
        managementKey: k.isAuditCredential,
      }),
    ),
  );
}

/** What identifies a resource in the report. */
type ResourceBase = Pick<ResourceReport, "resource" | "urn" | "type">;

function checkResource(r: ObservedResource, credential: CredentialInfo, now: Date): ResourceReport {
  const base: ResourceBase = { resource: r.urn.split("::").pop() ?? r.urn, urn: r.urn, type: r.type };
  const keys = ROTATING_KEY_TYPES.has(r.type) ? rotatingKeys(rotatingKeyViews(rotatingState(r))) : [singleKey(r)];
  const recorded = recordedAccountOf(r.stored);
  if (recorded !== undefined && recorded !== credential.accountId) {
    const findings = keys.map(
      (k): Finding => ({
        kind: "wrong-account",
        keyId: k.keyId,
        slot: k.slot,
        recordedAccountId: recorded,
        credentialAccountId: credential.accountId,
        message: `recorded in Vast account ${recorded}, not in the credential's account ${credential.accountId}: \`pulumi up\` fails (VAST_WRONG_ACCOUNT); not read`,
      }),
    );
    return { ...base, keys, findings, nextUp: "fails with VAST_WRONG_ACCOUNT" };
  }
  if (r.refresh.kind === "not-read") {
    // Only resources of another account are left out of the refresh preview.
    throw new Error(`${r.urn} was not refreshed, but it is not recorded in another account`);
  }
  return ROTATING_KEY_TYPES.has(r.type) ? checkRotating(r, base, now) : checkSingle(r, base, keys, now);
}

function singleKey(r: ObservedResource): ResourceKey {
  const seen = r.refresh.kind === "read" ? r.refresh.outputs : r.stored;
  return { keyId: Number(r.id), slot: "key", name: typeof seen.name === "string" ? seen.name : null };
}

function checkSingle(r: ObservedResource, base: ResourceBase, keys: ResourceKey[], now: Date): ResourceReport {
  const keyId = Number(r.id);
  const at = { keyId, slot: "key" as const };
  if (r.refresh.kind !== "read") {
    return { ...base, keys, findings: [deleted(at)], nextUp: "creates a new key" };
  }
  const { outputs, inputs } = r.refresh;
  const findings: Finding[] = [];
  if (typeof inputs.name === "string" && typeof outputs.name === "string" && inputs.name !== outputs.name) {
    findings.push(renamed(at, inputs.name, outputs.name));
  }
  const adopted = outputs.adopted === true;
  const latest = normalizedView(outputs.serverRights, adopted);
  // permissionDrift only ever reports a latest view it has.
  if (latest !== undefined && permissionDrift(outputs) !== undefined) {
    findings.push(rescoped(at, normalizedView(outputs.serverRightsBaseline, adopted), latest));
  }
  const diff = computeDiff(outputs, inputs, now);
  if (diff.replaces.includes("rotateAfterDays")) {
    const days = Number(inputs.rotateAfterDays);
    const due = Date.parse(String(outputs.createdAt)) + days * MS_PER_DAY;
    findings.push(rotationDue(at, due, `rotateAfterDays ${days}`));
  }
  const nextUp = diff.replaces.length ? `replaces the key: ${diff.reasons.join("; ")}` : null;
  return { ...base, keys, findings, nextUp };
}

/** A rotating resource's state as a refresh would store it: refreshed tracking, `current`/`previous` from state. */
function rotatingState(r: ObservedResource): RotatingKeyState {
  const outputs = r.refresh.kind === "read" ? r.refresh.outputs : r.stored;
  // A refresh never changes `current` / `previous` (secret, hence masked in engine events).
  const merged = { ...outputs, current: r.stored.current, previous: r.stored.previous };
  try {
    return upgradeRotatingState(merged);
  } catch (err) {
    throw new Error(`${r.urn}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

interface RotatingKeyView {
  slot: RotatingSlot;
  keyId: number;
  /** The name the provider gave it. */
  name: string;
  tracked: TrackedKey | undefined;
}

function rotatingKeyViews(state: RotatingKeyState): RotatingKeyView[] {
  const t = state.tracking;
  return [
    ...(state.current ? [{ slot: "current" as const, keyId: state.current.keyId, name: state.current.name, tracked: t.current }] : []),
    ...(state.previous ? [{ slot: "previous" as const, keyId: state.previous.keyId, name: state.previous.name, tracked: t.previous }] : []),
    ...(t.retiring ?? []).map((k) => ({ slot: "retiring" as const, keyId: k.keyId, name: k.name, tracked: k })),
  ];
}

/** The keys of a rotating resource, each with its name on Vast as last seen. */
function rotatingKeys(views: RotatingKeyView[]): ResourceKey[] {
  return views.map((k) => ({ keyId: k.keyId, slot: k.slot, name: k.tracked?.serverName !== undefined ? k.tracked.serverName : k.name }));
}

function checkRotating(r: ObservedResource, base: ResourceBase, now: Date): ResourceReport {
  const state = rotatingState(r);
  const views = rotatingKeyViews(state);
  const findings: Finding[] = [];
  for (const k of views) {
    const at = { keyId: k.keyId, slot: k.slot };
    const tracked = k.tracked;
    if (tracked?.gone) {
      findings.push(deleted(at));
      continue;
    }
    if (tracked?.serverName !== undefined && tracked.serverName !== k.name) findings.push(renamed(at, k.name, tracked.serverName));
    const latest = normalizedView(tracked?.serverRights);
    if (latest !== undefined && viewsDiffer(tracked?.serverRights, tracked?.serverRightsBaseline)) {
      findings.push(rescoped(at, normalizedView(tracked?.serverRightsBaseline), latest));
    }
  }
  // What the next `up` does with the declared settings as recorded (the program is not run).
  const plan = planRotation(state, settingsOf(state), now);
  const t = now.getTime();
  const { current, previous } = state;
  if (current && !state.tracking.current?.gone && (plan.action === "rotate" || plan.action === "roll")) {
    const due = Date.parse(current.createdAt) + state.rotateEveryDays * MS_PER_DAY;
    if (t >= due) findings.push(rotationDue({ keyId: current.keyId, slot: "current" }, due, `rotateEveryDays ${state.rotateEveryDays}`));
  }
  const timely = (id: number, tracked: TrackedKey | undefined) =>
    plan.deleteKeyIds.includes(id) && !(tracked && viewsDiffer(tracked.serverRights, tracked.serverRightsBaseline));
  if (previous && timely(previous.keyId, state.tracking.previous)) {
    const ends = previousRetiresAt(state, state.overlapDays);
    findings.push(retirementDue({ keyId: previous.keyId, slot: "previous" }, ends, `overlapDays ${state.overlapDays}`));
  }
  for (const k of state.tracking.retiring ?? []) {
    if (timely(k.keyId, k)) findings.push(retirementDue({ keyId: k.keyId, slot: "retiring" }, Date.parse(k.retiresAt), "as published"));
  }
  return { ...base, keys: rotatingKeys(views), findings, nextUp: plan.action === "none" ? null : describePlan(plan) };
}

/**
 * The declared settings as state records them: what the next `up` declares if the program is
 * unchanged (they were validated when declared; parsing them again only types them).
 */
function settingsOf(state: RotatingKeyState): RotatingKeyInputs {
  return parseRotatingInputs(
    withoutUndefined({
      name: state.name,
      permissions: state.permissions,
      keyParams: state.keyParams,
      rotateEveryDays: state.rotateEveryDays,
      overlapDays: state.overlapDays,
    }),
  );
}

type At = { keyId: number; slot: KeySlot };

function deleted(at: At): Finding {
  return { kind: "deleted", ...at, message: "deleted on Vast" };
}

function renamed(at: At, from: string | null, to: string | null): Finding {
  const show = (n: string | null) => (n === null ? "(no name)" : JSON.stringify(n));
  return { kind: "renamed", ...at, from, to, message: `renamed on Vast: ${show(from)} → ${show(to)}` };
}

/** Describes a permission change from view `before` (unknown when none was recorded) to `after` (see `serverView`). */
function rescoped(at: At, before: string | undefined, after: string): Finding {
  const access = keyAccess(JSON.parse(after));
  const cats = (view: string | undefined): Record<string, unknown> | undefined => {
    if (view === undefined || isNoDocumentView(view)) return undefined;
    const v: unknown = JSON.parse(view);
    return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  };
  const a = cats(before);
  const b = cats(after);
  const added = a && b ? Object.keys(b).filter((c) => !Object.hasOwn(a, c)) : [];
  const removed = a && b ? Object.keys(a).filter((c) => !Object.hasOwn(b, c)) : [];
  const changed = a && b ? Object.keys(b).filter((c) => Object.hasOwn(a, c) && canonicalJson(a[c]) !== canonicalJson(b[c])) : [];
  let what: string;
  if (isNoDocumentView(after)) what = "no permission document now, which is FULL ACCESS";
  else if (before !== undefined && isNoDocumentView(before)) what = `had full access, now limited to ${Object.keys(b ?? {}).join(", ")}`;
  else {
    const parts = [...added.map((c) => `+${c}`), ...removed.map((c) => `-${c}`), ...changed.map((c) => `~${c}`)];
    what = parts.length ? parts.join(", ") : "its permission document changed";
  }
  const billing = access.billing && !access.fullAccess ? " (holds billing rights)" : "";
  return { kind: "rescoped", ...at, ...access, added, removed, changed, message: `re-scoped on Vast: ${what}${billing}` };
}

function rotationDue(at: At, due: number, rule: string): Finding {
  const since = Number.isFinite(due) ? new Date(due).toISOString() : null;
  return { kind: "rotation-due", ...at, since, message: `rotation due since ${since ?? "an unknown time"} (${rule})` };
}

function retirementDue(at: At, due: number, rule: string): Finding {
  const since = Number.isFinite(due) ? new Date(due).toISOString() : null;
  return { kind: "retirement-due", ...at, since, message: `retirement due since ${since ?? "an unknown time"} (${rule})` };
}
