/**
 * The implementation behind the serialized provider shim: `configure`, `check`, `diff`,
 * `create`, `read`, `update` and `delete` of `VastApiKey`. The shim in Pulumi state does
 * `require("pulumi-vast-api-keys/runtime")`, so this module (not a frozen copy) serves every
 * operation, including `refresh` and `destroy` of resources created by older versions.
 *
 * Module-level state (sessions, caches, the pacer) is shared by all resources of one provider
 * process, which is what pacing and single-flight listing need (docs/design.md, "Process model").
 */
import type * as dynamic from "@pulumi/pulumi/dynamic";
import type { AccountSession } from "./account";
import { adoptKey } from "./adopt";
import { now } from "./clock";
import { resolveCredentials } from "./credentials";
import { computeDiff, REPLACING_FIELDS } from "./diff";
import { watchEngineIfDynamicProviderHost } from "./engine-liveness";
import { ErrorCodes, type VastConfigError, VastError, VastInputError } from "./errors";
import { parseInputs, validateInputs } from "./inputs";
import { notice } from "./log";
import { canonicalJson } from "./permissions";
import { openSession } from "./session";
import { checkVastConfig, type ProviderConfig, pickVastConfig, configError as stackConfigError, vastEntries } from "./stack-config";
import {
  type ApiKeyOutputs,
  declarableDocument,
  declaredFields,
  STATE_SCHEMA_VERSION,
  salvageState,
  serverView,
  upgradeState,
  withoutUndefined,
} from "./state";

type Props = Record<string, unknown>;

// In the engine's dynamic-provider host, stop calling Vast once that engine is gone (loaded on the
// first resource call, before any key is created; both dynamic resources load this module).
watchEngineIfDynamicProviderHost();

let stackConfig: ProviderConfig = {};
let configError: VastConfigError | undefined;
const sessions = new Map<string, AccountSession>();

/**
 * Receives stack config from the engine (never stored in state) and validates every `vast:*`
 * key, as the plugin does: an unknown key or an empty value is refused, never ignored, since
 * ignoring it would fall back to another credential. The refusal is remembered and raised by
 * every later call (the engine calls `configure` once per process, and a throw here would only
 * fail the first call).
 */
export async function configure(req: dynamic.ConfigureRequest): Promise<void> {
  const entries = vastConfigEntries(req.config);
  const failures = checkVastConfig(entries);
  configError = failures.length ? stackConfigError(failures) : undefined;
  stackConfig = failures.length ? {} : pickVastConfig(entries);
}

/**
 * The `vast:*` entries of the stack config, keyed without the namespace. The SDK's config object
 * holds the whole stack config (`rawConfig`, since @pulumi/pulumi 3.139); its public interface
 * only looks keys up, so without it only the two known keys can be checked.
 */
function vastConfigEntries(config: dynamic.Config): Record<string, unknown> {
  const raw = (config as { rawConfig?: unknown }).rawConfig;
  if (raw !== null && typeof raw === "object") return vastEntries(raw as Record<string, unknown>);
  return withoutUndefined({ apiKey: config.get("vast:apiKey"), url: config.get("vast:url") });
}

/** Throws the configuration error recorded by {@link configure}, if any. */
export function assertConfigured(): void {
  if (configError) throw configError;
}

/**
 * The session for the currently resolved credentials (created on first use, then reused by
 * every resource in this process). Exported for tools and tests.
 */
export function currentSession(): AccountSession {
  assertConfigured();
  const creds = resolveCredentials({ stackConfig });
  const id = `${creds.baseUrl}\u0000${creds.apiKey}`;
  let session = sessions.get(id);
  if (!session) {
    session = openSession(creds);
    sessions.set(id, session);
  }
  return session;
}

/**
 * Validates inputs before any API call; unknown values (preview) are tolerated. Warnings about
 * undocumented categories are raised program-side by `VastApiKey`, attached to the resource.
 *
 * `adopt` only ever applies to a resource's first create: once the resource exists (`olds` are
 * its recorded inputs), it is dropped from the inputs, so that a replacement (rotation, a changed
 * permission) creates a new key instead of adopting the very key it is about to delete.
 */
export async function check(olds: Props, news: Props): Promise<dynamic.CheckResult> {
  assertConfigured();
  const failures = validateInputs(news).failures;
  if (news.adopt === undefined || !resourceExists(olds)) return { inputs: news, failures };
  const { adopt: _used, ...inputs } = news;
  return { inputs, failures };
}

/** True when `olds` are the recorded inputs of an existing resource (empty for a new one). */
function resourceExists(olds: Props | undefined): boolean {
  return Object.keys(olds ?? {}).some((k) => k !== "__provider");
}

/** Decides between no change, an in-place update, and a replacement. */
export async function diff(_id: string, olds: Props, news: Props): Promise<dynamic.DiffResult> {
  const d = computeDiff(olds, news, now());
  if (d.replaces.length) notice(`vast: key "${String(olds.name)}" will be replaced: ${d.reasons.join("; ")}`);
  return { changes: d.changes, replaces: d.replaces };
}

/** Creates (or adopts) a key and returns every output, the key value included. */
export async function create(raw: Props): Promise<dynamic.CreateResult> {
  const inputs = parseInputs(raw);
  const session = currentSession();
  // Established first: it names the credential in use and records the account in state.
  const { userId: accountId } = await session.identity();
  if (inputs.adopt) {
    const outs = await adoptKey(session, inputs);
    return { id: String(outs.keyId), outs: withoutUndefined({ ...outs, accountId }) };
  }
  const created = await session.createKey({
    name: inputs.name,
    permissions: inputs.permissions,
    keyParams: inputs.keyParams,
  });
  // A create answer without a view records none; the first read then sets the baseline.
  const serverRights = created.serverPermissions === undefined ? undefined : serverView(created.serverPermissions);
  const outs: ApiKeyOutputs = {
    ...declaredFields(inputs),
    schemaVersion: STATE_SCHEMA_VERSION,
    keyId: created.id,
    accountId,
    key: created.key,
    createdAt: created.createdAt ?? new Date().toISOString(),
    serverRights,
    serverRightsBaseline: serverRights,
  };
  return { id: String(created.id), outs: withoutUndefined(outs) };
}

/**
 * Reads the key from the list endpoint. Gone → no id (the engine drops it on refresh).
 * Present → the server's view, the key value carried from state, and the old inputs, so that
 * `pulumi refresh` reports drift through {@link diff}. A key recorded under another account
 * than the credential's is an error, never "gone". State that no longer parses is rebuilt from
 * Vast, keeping every readable field (this is how `pulumi refresh` repairs it).
 */
export async function read(id: string, props: Props = {}): Promise<dynamic.ReadResult> {
  const keyId = parseKeyId(id);
  const managed = props.keyId !== undefined || props.permissions !== undefined;
  const old = managed ? readableState(props, keyId) : undefined;
  const session = currentSession();
  const accountId = await session.assertAccount(old?.accountId, keyId, "refresh");
  const remote = await session.findKey(keyId);
  if (!remote) return {};
  const serverRights = serverView(remote.rights);
  const outs: ApiKeyOutputs = {
    schemaVersion: STATE_SCHEMA_VERSION,
    keyId,
    accountId,
    name: remote.name ?? old?.name ?? "",
    // Without state (import, lookup): the server's view as a document the program can declare,
    // so that declaring the key as it is (full access included) shows no changes.
    permissions: old?.permissions ?? declarableDocument(serverRights),
    keyParams: old ? old.keyParams : typeof remote.keyParams === "string" ? remote.keyParams : undefined,
    key: old?.key,
    createdAt: remote.createdAt ?? old?.createdAt ?? new Date(0).toISOString(),
    serverRights,
    // The first view we see becomes the baseline when create did not get one.
    serverRightsBaseline: old?.serverRightsBaseline ?? serverRights,
    rotateAfterDays: old?.rotateAfterDays,
    rotationTrigger: old?.rotationTrigger,
    adopted: old?.adopted,
  };
  const inputs = withoutUndefined({
    __provider: props.__provider,
    name: old?.name ?? outs.name,
    permissions: outs.permissions,
    keyParams: outs.keyParams,
    rotateAfterDays: outs.rotateAfterDays,
    rotationTrigger: outs.rotationTrigger,
  });
  return { id: String(keyId), props: withoutUndefined(outs), inputs };
}

/** Upgraded state, or what can be salvaged from unreadable state (with a warning). */
function readableState(props: Props, keyId: number): Partial<ApiKeyOutputs> {
  try {
    return upgradeState(props);
  } catch (err) {
    if (!(err instanceof VastError) || err.code !== ErrorCodes.stateUnreadable) throw err;
    notice(
      `vast: warning: the stored state of key ${keyId} was unreadable; rebuilt it from Vast, keeping the fields that were still readable`,
    );
    return salvageState(props);
  }
}

/**
 * In-place update, reached only for changes that do not replace the key (new provider code,
 * `rotateAfterDays`, an older state shape). Returns the full outputs: anything missing here
 * would vanish from state. State from before accounts were recorded gets its account here when
 * the credential in use can see the key.
 */
export async function update(id: string, olds: Props, news: Props): Promise<dynamic.UpdateResult> {
  const old = upgradeState(olds);
  const inputs = parseInputs(news);
  const stale = REPLACING_FIELDS.filter((f) => canonicalJson(old[f] ?? null) !== canonicalJson(inputs[f] ?? null));
  if (stale.length) {
    throw new VastInputError(stale.join(", "), "cannot change in place (Vast keys are immutable); the key must be replaced");
  }
  const session = currentSession();
  const keyId = parseKeyId(id);
  const current = await session.assertAccount(old.accountId, keyId, "update");
  // Not visible to this credential (deleted, or in another account): record no account.
  const accountId = old.accountId ?? ((await session.findKey(keyId)) ? current : undefined);
  const outs: ApiKeyOutputs = { ...old, schemaVersion: STATE_SCHEMA_VERSION, accountId, rotateAfterDays: inputs.rotateAfterDays };
  return { outs: withoutUndefined(outs) };
}

/**
 * Deletes the key; already gone is success. Refused for the provider's own key, for any key
 * while the provider's own key cannot be established, and for a key of another account.
 */
export async function remove(id: string, props: Props): Promise<void> {
  await currentSession().deleteKey(parseKeyId(id), recordedAccount(props));
}

/** The account recorded in raw state, if any (delete must work even when the rest is unreadable). */
function recordedAccount(props: Props): number | undefined {
  return typeof props.accountId === "number" ? props.accountId : undefined;
}

export { remove as delete };

function parseKeyId(id: string): number {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) {
    // Never echoed: the console shows a key's value next to its id, and a value pasted here
    // would otherwise land in CI logs.
    throw new VastInputError(
      "id",
      `must be Vast's numeric key id, e.g. 1234 (got ${id.length} characters that are not one; not shown, in case it is a key value)`,
    );
  }
  return Number(id);
}
