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
import { AccountSession } from "./account";
import { adoptKey } from "./adopt";
import { VastClient } from "./client/client";
import { now } from "./clock";
import { resolveCredentials } from "./credentials";
import { computeDiff, REPLACING_FIELDS } from "./diff";
import { ErrorCodes, VastError, VastInputError } from "./errors";
import { parseInputs, validateInputs } from "./inputs";
import { notice, stderrLogger } from "./log";
import { canonicalJson } from "./permissions";
import { readSettings } from "./settings";
import {
  type ApiKeyOutputs,
  declaredFields,
  STATE_SCHEMA_VERSION,
  salvageState,
  serverView,
  upgradeState,
  withoutUndefined,
} from "./state";

type Props = Record<string, unknown>;

let stackConfig: { apiKey?: string | undefined; url?: string | undefined } = {};
const sessions = new Map<string, AccountSession>();

/** Receives stack config (`vast:apiKey`, `vast:url`) from the engine. Never stored in state. */
export async function configure(req: dynamic.ConfigureRequest): Promise<void> {
  stackConfig = { apiKey: req.config.get("vast:apiKey"), url: req.config.get("vast:url") };
}

/**
 * The session for the currently resolved credentials (created on first use, then reused by
 * every resource in this process). Exported for tools and tests.
 */
export function currentSession(): AccountSession {
  const creds = resolveCredentials({ stackConfig });
  const settings = readSettings();
  const id = `${creds.baseUrl}\u0000${creds.apiKey}`;
  let session = sessions.get(id);
  if (!session) {
    const logger = stderrLogger(settings.debug);
    const client = new VastClient({
      baseUrl: creds.baseUrl,
      apiKey: creds.apiKey,
      timeoutMs: settings.timeoutMs,
      // The 429 floor is a pacing constant, so it scales with VAST_PACING_SCALE too.
      retry: {
        maxAttempts: settings.maxAttempts,
        rateLimitFloorMs: 1000 * settings.pacingScale,
        rateLimitBudgetMs: settings.retryBudgetMs,
      },
      logger,
    });
    // After a create with an unknown outcome, the lost request may still be processed by Vast
    // for about as long as we waited for it: the key list is watched for twice that long, and
    // the wait ends as soon as the lost key shows.
    session = new AccountSession({
      client,
      listCacheMs: settings.listCacheMs,
      logger,
      credentialSource: creds.sourceDetail,
      settleMs: 2 * settings.timeoutMs,
      pollIntervalMs: 1000 * settings.pacingScale,
    });
    sessions.set(id, session);
  }
  return session;
}

/**
 * Validates inputs before any API call; unknown values (preview) are tolerated. Warnings about
 * undocumented categories are raised program-side by `VastApiKey`, attached to the resource.
 */
export async function check(_olds: Props, news: Props): Promise<dynamic.CheckResult> {
  return { inputs: news, failures: validateInputs(news).failures };
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
  const serverRights = serverView(created.serverPermissions);
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
    permissions: old?.permissions ?? remote.rights,
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
  if (!/^[1-9][0-9]{0,15}$/.test(id)) throw new VastInputError("id", `must be a numeric Vast key id (got "${id}")`);
  return Number(id);
}
