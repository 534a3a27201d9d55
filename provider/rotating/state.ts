/**
 * The outputs a `RotatingVastApiKey` keeps in Pulumi state, their schema version, and the
 * upgrade of older shapes. As for `VastApiKey` (provider/state.ts), the serialized provider in
 * old state runs this code, so every shape ever written must stay readable, and a shape written
 * by a newer version is refused instead of being silently downgraded.
 */
import { z } from "zod";
import { readStoredState } from "../state";
import type { RotatingKeyInputs } from "./inputs";

/**
 * Version of the output shape written by this package version.
 * - 1: the first shape.
 * - 2: adds `accountId`, the Vast account both keys live in (recorded by the next read or update
 *   of version-1 state that finds one of its keys).
 * - 3: adds `tracking.retiring`, keys kept until their published retirement (an older version
 *   would lose track of them, so it must refuse this state).
 */
export const ROTATING_STATE_SCHEMA_VERSION = 3;

/** One Vast key as consumers see it: the `current` and `previous` outputs (secret as a whole). */
export const keyRefSchema = z
  .object({
    keyId: z.number().int().positive(),
    key: z.string().optional(),
    createdAt: z.string(),
    name: z.string(),
  })
  .loose();

/**
 * What the provider last saw of one key on Vast. Kept apart from `current`/`previous` so that it
 * stays readable without decrypting secrets (audits), and so the consumer-facing shape stays small.
 */
export const trackedKeySchema = z
  .object({
    keyId: z.number().int().positive(),
    /** The key was missing from Vast's key list at the last refresh. */
    gone: z.boolean().optional(),
    /** The name on Vast at the last refresh (`null`: none). */
    serverName: z.string().nullable().optional(),
    /** Canonical JSON of the server's latest view of the permissions. */
    serverRights: z.string().nullable().optional(),
    /** The same as first seen; drift is "latest differs from baseline". */
    serverRightsBaseline: z.string().nullable().optional(),
  })
  .loose();

/**
 * A key that left the `previous` slot before the retirement time published for it (a roll during
 * its overlap), or whose deletion failed: kept, ids and names only (no value), until it is due,
 * then deleted. Non-secret, so audits can read it.
 */
export const retiringKeySchema = trackedKeySchema.extend({
  /** The key's name on Vast when it was made. */
  name: z.string(),
  /** When the key was made (provider clock). */
  createdAt: z.string(),
  /** When it is deleted: the retirement time published for it while it was `previous`. */
  retiresAt: z.string(),
});

/** Zod schema of the stored outputs. Unknown extra fields are kept. */
export const rotatingKeyStateSchema = z
  .object({
    schemaVersion: z.number().int().positive(),
    /** The Vast account (user id) the keys live in; a credential of another account is refused. */
    accountId: z.number().int().nonnegative().optional(),
    /** Settings of the current key (the declared ones when it was created). */
    name: z.string(),
    permissions: z.unknown(),
    keyParams: z.string().optional(),
    rotateEveryDays: z.number().positive(),
    overlapDays: z.number().min(0),
    /** The `<n>` of the newest key ever created for this resource. */
    generation: z.number().int().min(0),
    current: keyRefSchema.optional(),
    previous: keyRefSchema.optional(),
    /** When the last rotation or roll happened (provider clock). */
    rotatedAt: z.string().optional(),
    /** When `previous` is retired: `rotatedAt + overlapDays`. */
    retiresPreviousAt: z.string().optional(),
    tracking: z
      .object({
        current: trackedKeySchema.optional(),
        previous: trackedKeySchema.optional(),
        /** Keys past `previous`, kept until their published retirement (absent when none). */
        retiring: z.array(retiringKeySchema).optional(),
      })
      .loose(),
  })
  .loose();

/** One key as exposed in `current` / `previous`. */
export type KeyRef = z.infer<typeof keyRefSchema>;
/** The provider's record of one key on Vast. */
export type TrackedKey = z.infer<typeof trackedKeySchema>;
/** A key kept until its published retirement. */
export type RetiringKey = z.infer<typeof retiringKeySchema>;
/** Stored outputs of one `RotatingVastApiKey`. */
export type RotatingKeyState = z.infer<typeof rotatingKeyStateSchema>;

/**
 * Validates stored outputs and upgrades older shapes to the current one.
 * @throws VastError `VAST_STATE_TOO_NEW` for state written by a newer package version.
 */
export function upgradeRotatingState(raw: Record<string, unknown>): RotatingKeyState {
  return readStoredState(raw, {
    schema: rotatingKeyStateSchema,
    version: ROTATING_STATE_SCHEMA_VERSION,
    what: "this rotating key",
    remedy: "Its keys are still on Vast: find them with `vast-api-keys audit` (names <name>-<n>).",
  });
}

/** The declared settings every state echoes (diff and delete only see outputs). */
export function declaredSettings(inputs: RotatingKeyInputs) {
  return {
    name: inputs.name,
    permissions: inputs.permissions,
    keyParams: inputs.keyParams,
    rotateEveryDays: inputs.rotateEveryDays,
    overlapDays: inputs.overlapDays,
  };
}
