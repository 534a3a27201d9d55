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

/**
 * Version of the output shape written by this package version.
 * - 1: the first shape.
 * - 2: adds `accountId`, the Vast account the key belongs to (filled in by the next read or update
 *   of a version-1 key, from the credential that finds it).
 */
export const STATE_SCHEMA_VERSION = 2;

/** Zod schema of the stored outputs. Unknown extra fields are kept. */
export const apiKeyOutputsSchema = z
  .object({
    schemaVersion: z.number().int().positive(),
    keyId: z.number().int().positive(),
    accountId: z.number().int().nonnegative().optional(),
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
 * - `accountId`: the Vast account (user id) the key lives in; absent only in state written
 *   before version 2 until the next read or update records it;
 * - `serverRights`: canonical JSON of the server's latest view of the permissions;
 * - `serverRightsBaseline`: the same, as first seen (at create, or the first read): drift is
 *   "latest differs from baseline", never "server differs from the user's document".
 */
export type ApiKeyOutputs = z.infer<typeof apiKeyOutputsSchema>;

/** How to read one resource type's stored outputs (see {@link readStoredState}). */
export interface StoredStateSpec<S extends z.ZodType> {
  /** The outputs' schema at the current version. */
  schema: S;
  /** The version this package writes. */
  version: number;
  /** What the state belongs to, for messages ("this key", "this rotating key"). */
  what: string;
  /** What to do about unreadable state, appended to its message. */
  remedy: string;
}

/**
 * Validates stored outputs of any resource type of this package. A missing version counts as 1;
 * `__provider` is dropped; a newer version is refused rather than silently downgraded.
 * @throws VastError `VAST_STATE_TOO_NEW` for state written by a newer package version,
 *   `VAST_STATE_UNREADABLE` for state that does not parse (paths and rules only: it holds secrets).
 */
export function readStoredState<S extends z.ZodType>(raw: Record<string, unknown>, spec: StoredStateSpec<S>): z.output<S> {
  const version = typeof raw.schemaVersion === "number" ? raw.schemaVersion : 1;
  if (version > spec.version) {
    throw new VastError(
      ErrorCodes.stateTooNew,
      `${spec.what}'s state was written by a newer pulumi-vast-api-keys (state schema ${version}, this version reads up to ${spec.version}); upgrade the package instead of downgrading`,
    );
  }
  const { __provider: _p, ...rest } = raw;
  const parsed = spec.schema.safeParse({ ...rest, schemaVersion: version });
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.code}`).join("; ");
    throw new VastError(ErrorCodes.stateUnreadable, `the stored state of ${spec.what} is unreadable (${where}). ${spec.remedy}`);
  }
  return parsed.data;
}

/**
 * Validates stored outputs and upgrades older shapes to the current one.
 * @throws VastError `VAST_STATE_TOO_NEW` for state written by a newer package version.
 */
export function upgradeState(raw: Record<string, unknown>): ApiKeyOutputs {
  return readStoredState(raw, {
    schema: apiKeyOutputsSchema,
    version: STATE_SCHEMA_VERSION,
    what: "this key",
    remedy:
      "Run `pulumi refresh`: it rebuilds the state from Vast, keeping every field that is still readable (the key value included, if intact).",
  });
}

/**
 * Rebuilds what can be saved from state that does not parse as a whole: every field that
 * parses on its own is kept, the rest is dropped (read then fills it from Vast). Used by
 * `read` only, which is how `pulumi refresh` repairs unreadable state.
 */
export function salvageState(raw: Record<string, unknown>): Partial<ApiKeyOutputs> {
  const out: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(apiKeyOutputsSchema.shape)) {
    const r = (schema as z.ZodType).safeParse(raw[field]);
    if (r.success && r.data !== undefined) out[field] = r.data;
  }
  return out as Partial<ApiKeyOutputs>;
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

/**
 * The server's view of a key's permissions in one canonical form, so that views from different
 * endpoints (create response, key list) or from older state compare equal when they mean the
 * same: a JSON-encoded string is decoded (twice at most, for double encoding), a document
 * `{"api": X}` is reduced to X, and object keys are sorted. `null` when the server reported none.
 */
export function serverView(rights: unknown): string | null {
  let v = rights;
  for (let i = 0; i < 2 && typeof v === "string"; i++) {
    try {
      v = JSON.parse(v);
    } catch {
      break;
    }
  }
  if (v === null || v === undefined) return null;
  if (typeof v === "object" && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "api") v = (v as { api: unknown }).api;
  }
  return canonicalJson(v);
}
