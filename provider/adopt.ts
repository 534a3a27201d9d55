/**
 * Adoption: taking an existing Vast key under management instead of creating one. Pulumi
 * cannot `import` dynamic resources (docs/design.md, "Import and adoption"), so `VastApiKey` takes
 * `adopt: { keyId, key? }` and `create` verifies the key rather than making a new one.
 */
import type { AccountSession } from "./account";
import { VastClient } from "./client/client";
import { ErrorCodes, VastAdoptError, VastAuthError, VastForbiddenError } from "./errors";
import type { ApiKeyInputs } from "./inputs";
import { notice } from "./log";
import { canonicalJson, isFullAccessDocument } from "./permissions";
import { type ApiKeyOutputs, declaredFields, isNoDocumentView, STATE_SCHEMA_VERSION, serverView } from "./state";

/**
 * Verifies that key `adopt.keyId` exists, that `adopt.key` (when given) authenticates as that
 * very key, and that the declared name, permissions and key params match the server's. Returns
 * the outputs of the adopted key. Makes no change on Vast.
 * @throws VastAdoptError `VAST_ADOPT_FAILED` naming the property and what to do.
 */
export async function adoptKey(session: AccountSession, inputs: ApiKeyInputs): Promise<ApiKeyOutputs> {
  const adopt = inputs.adopt;
  if (!adopt) throw new VastAdoptError(ErrorCodes.adoptFailed, "adopt: missing");
  const { keyId } = adopt;
  const remote = await session.findKey(keyId);
  if (!remote) {
    throw new VastAdoptError(
      ErrorCodes.adoptFailed,
      `adopt.keyId: key ${keyId} does not exist in this account (or was deleted); list keys with \`vast-api-keys audit\`. ` +
        "If this resource adopted it earlier and it was deleted since, remove `adopt` to create a new key.",
    );
  }
  if (adopt.key !== undefined) await verifyValue(session.client.baseUrl, adopt.key, keyId);

  const mismatches: string[] = [];
  const remoteName = remote.name ?? "";
  if (remoteName !== inputs.name) {
    mismatches.push(
      remoteName === ""
        ? `name: key ${keyId} has no name on Vast; declare name: "" to adopt it as it is`
        : `name: declared ${JSON.stringify(inputs.name)}, key ${keyId} is named ${JSON.stringify(remoteName)}`,
    );
  }
  const serverRights = serverView(remote.rights);
  if (isNoDocumentView(serverRights)) {
    // No document is full access (what the console makes): adopting it under a narrower
    // declaration would show a least-privilege key to state, drift detection and the policy pack.
    if (!isFullAccessDocument(inputs.permissions)) {
      mismatches.push(
        `permissions: key ${keyId} has no permission document on Vast, which is full access; declare presets.fullAccess() ` +
          "(every documented category) to adopt it as it is",
      );
    }
  } else if (serverRights !== serverView(inputs.permissions)) {
    mismatches.push(`permissions: declared ${canonicalJson(inputs.permissions)}, key ${keyId} has ${serverRights}`);
  }
  if (typeof remote.keyParams === "string" && remote.keyParams !== (inputs.keyParams ?? "")) {
    mismatches.push(`keyParams: declared value differs from key ${keyId}'s`);
  }
  if (mismatches.length) {
    throw new VastAdoptError(
      ErrorCodes.adoptFailed,
      `cannot adopt key ${keyId}: ${mismatches.join("; ")}. Vast keys are immutable: declare the key as it is, ` +
        "or remove `adopt` to create a new key with the declared settings (then delete the old one).",
    );
  }
  return {
    ...declaredFields(inputs),
    schemaVersion: STATE_SCHEMA_VERSION,
    keyId,
    key: adopt.key,
    createdAt: remote.createdAt ?? new Date().toISOString(),
    serverRights,
    serverRightsBaseline: serverRights,
    adopted: true,
  };
}

async function verifyValue(baseUrl: string, key: string, keyId: number): Promise<void> {
  const probe = new VastClient({ baseUrl, apiKey: key });
  let who: Awaited<ReturnType<VastClient["currentUser"]>>;
  try {
    who = await probe.currentUser();
  } catch (err) {
    if (err instanceof VastAuthError) {
      throw new VastAdoptError(
        ErrorCodes.adoptFailed,
        `adopt.key: Vast rejects this value (invalid or deleted key); check the value of key ${keyId}`,
      );
    }
    if (err instanceof VastForbiddenError) {
      // Least-privilege keys (the ones handed to CI and autoscalers) lack user_read, so they
      // cannot ask who they are. The value authenticates (a bad value is a 401), which is all
      // that can be checked; it is kept, and the user is told what was not verified.
      notice(
        `vast: warning: adopt.key authenticates but lacks user_read, so it could not be verified to be key ${keyId}'s value; it is stored as given`,
      );
      return;
    }
    throw err;
  }
  if (who.keyId === undefined) {
    throw new VastAdoptError(
      ErrorCodes.adoptFailed,
      `adopt.key: Vast did not report which key this value belongs to; omit adopt.key to adopt key ${keyId} without its value`,
    );
  }
  if (who.keyId !== keyId) {
    throw new VastAdoptError(ErrorCodes.adoptFailed, `adopt.key: this value belongs to key ${who.keyId}, not to adopt.keyId ${keyId}`);
  }
}
