/**
 * The outputs a `VastApiKey` keeps in Pulumi state, their schema version, and the upgrade of
 * older shapes. The serialized provider in old state runs *this* code (it only `require`s the
 * package), so every shape ever written must stay readable; a shape written by a newer version
 * is refused instead of being silently downgraded.
 */
import { z } from "zod";
import { ErrorCodes, VastError } from "./errors";
import type { ApiKeyInputs } from "./inputs";
import { canonicalJson } from "./permissions";

/** Version of the output shape written by this package version. */
export const STATE_SCHEMA_VERSION = 1;

/** Zod schema of the stored outputs. Unknown extra fields are kept. */
export const apiKeyOutputsSchema = z
  .object({
    schemaVersion: z.number().int().positive(),
    keyId: z.number().int().positive(),
    name: z.string(),
    permissions: z.unknown(),
    keyParams: z.string().optional(),
    key: z.string().optional(),
    createdAt: z.string(),
    serverRights: z.string().nullable().optional(),
    serverRightsBaseline: z.string().nullable().optional(),
    rotateAfterDays: z.number().optional(),
    rotationTrigger: z.string().optional(),
    adopted: z.boolean().optional(),
  })
  .loose();

/**
 * Outputs of one managed key.
 * - `serverRights`: canonical JSON of the server's latest view of the permissions;
 * - `serverRightsBaseline`: the same, as first seen (at create, or the first read): drift is
 *   "latest differs from baseline", never "server differs from the user's document".
 */
export type ApiKeyOutputs = z.infer<typeof apiKeyOutputsSchema>;

/**
 * Validates stored outputs and upgrades older shapes to the current one.
 * @throws VastError `VAST_STATE_TOO_NEW` for state written by a newer package version.
 */
export function upgradeState(raw: Record<string, unknown>): ApiKeyOutputs {
  const version = typeof raw.schemaVersion === "number" ? raw.schemaVersion : 1;
  if (version > STATE_SCHEMA_VERSION) {
    throw new VastError(
      ErrorCodes.stateTooNew,
      `this resource's state was written by a newer pulumi-vast-api-keys (state schema ${version}, this version reads up to ${STATE_SCHEMA_VERSION}); upgrade the package instead of downgrading`,
    );
  }
  const { __provider: _p, ...rest } = raw;
  const parsed = apiKeyOutputsSchema.safeParse({ ...rest, schemaVersion: version });
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new VastError(ErrorCodes.badResponse, `stored state of this key is unreadable (${where}); run \`pulumi refresh\``);
  }
  return parsed.data;
}

/** Removes `undefined` members: the engine's protobuf encoding rejects them ("Unexpected struct type"). */
export function withoutUndefined<T extends Record<string, unknown>>(obj: T): T {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as T;
}

/** The declared fields every key echoes into its outputs (diff and delete only see outputs). */
export function declaredFields(inputs: ApiKeyInputs) {
  return {
    name: inputs.name,
    permissions: inputs.permissions,
    keyParams: inputs.keyParams,
    rotateAfterDays: inputs.rotateAfterDays,
    rotationTrigger: inputs.rotationTrigger,
  };
}

/** The server's view of a key's permissions in canonical form; `null` when it reported none. */
export function serverView(rights: unknown): string | null {
  return rights === null || rights === undefined ? null : canonicalJson(rights);
}
