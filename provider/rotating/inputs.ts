/**
 * Resource inputs of `RotatingVastApiKey`: the zod schema (source of the `RotatingKeyInputs`
 * type), built from the same field rules as `VastApiKey` (name, permissions, key params), plus
 * the schedule. Nothing here touches the network: validation happens before any API call.
 */
import { z } from "zod";
import { apiKeyInputsSchema, checkKnownFields, type InputFailure, inputFailuresError, unknownInputError } from "../inputs";

/**
 * Longest base name: Vast allows 255 characters and every generation appends `-<n>`
 * (this leaves room for far more generations than a century of daily rotations).
 */
export const MAX_BASE_NAME_LENGTH = 240;

/** Longest schedule accepted, in days (as `rotateAfterDays`). */
const MAX_DAYS = 36500;

/** `overlapDays` when not given: this fraction of `rotateEveryDays`. */
export const DEFAULT_OVERLAP_FRACTION = 0.25;

const shared = apiKeyInputsSchema.shape;

/** Zod schema of the inputs the provider receives (after the resource class filled the name). */
export const rotatingKeyInputsSchema = z.object({
  name: shared.name
    .refine((s) => s.length > 0, { error: "must not be empty: each key is named <name>-<n>" })
    .refine((s) => s.length <= MAX_BASE_NAME_LENGTH, {
      error: `must be at most ${MAX_BASE_NAME_LENGTH} characters: each key is named <name>-<n> and Vast allows 255`,
    }),
  permissions: shared.permissions,
  keyParams: shared.keyParams,
  rotateEveryDays: z
    .number({ error: "required; a number of days (fractions allowed)" })
    .positive({ error: "must be greater than 0" })
    .max(MAX_DAYS, { error: `must be at most ${MAX_DAYS} days` }),
  overlapDays: z
    .number({ error: "must be a number of days (fractions allowed)" })
    .min(0, { error: "must be 0 or more" })
    .max(MAX_DAYS, { error: `must be at most ${MAX_DAYS} days` })
    .optional(),
});

/** Validated inputs of one rotating key, `overlapDays` resolved. */
export type RotatingKeyInputs = Omit<z.infer<typeof rotatingKeyInputsSchema>, "overlapDays"> & { overlapDays: number };

/** Result of {@link validateRotatingInputs}. */
export interface RotatingValidation {
  /** The inputs as they should be stored: the raw ones with the `overlapDays` default filled in. */
  inputs: Record<string, unknown>;
  /** Parsed inputs when valid and fully known. */
  parsed?: RotatingKeyInputs;
  /** Every failure found (empty when valid). */
  failures: InputFailure[];
  /** Top-level fields still unknown (preview); they were not validated. */
  unknownFields: string[];
}

/**
 * Validates raw provider inputs; fields still unknown during preview are skipped. Fills in
 * `overlapDays` (a quarter of `rotateEveryDays`) when it is absent, and checks that the overlap
 * ends before the next rotation.
 */
export function validateRotatingInputs(raw: Record<string, unknown>): RotatingValidation {
  const checked = checkKnownFields(rotatingKeyInputsSchema, raw);
  const { unknownFields } = checked;
  const data = checked.data;
  if (!data) return { inputs: raw, failures: checked.failures, unknownFields };

  const every = data.rotateEveryDays;
  const unknown = [...unknownFields];
  let overlap = unknownFields.includes("overlapDays") ? undefined : data.overlapDays;
  let inputs = raw;
  if (overlap === undefined && !unknownFields.includes("overlapDays")) {
    // Not given: the default follows rotateEveryDays, and is unknown while it is.
    if (every === undefined) unknown.push("overlapDays");
    else {
      overlap = every * DEFAULT_OVERLAP_FRACTION;
      inputs = { ...raw, overlapDays: overlap };
    }
  }
  const failures: InputFailure[] = [];
  if (every !== undefined && overlap !== undefined && overlap >= every) {
    failures.push({
      property: "overlapDays",
      reason: `must be less than rotateEveryDays (${every}): the previous key is retired before the next rotation`,
    });
  }
  const known = failures.length === 0 && unknown.length === 0 && overlap !== undefined;
  const parsed = known ? ({ ...data, overlapDays: overlap } as RotatingKeyInputs) : undefined;
  return { inputs, ...(parsed ? { parsed } : {}), failures, unknownFields: unknown };
}

/**
 * Validates inputs that must be fully known (create, update) and returns them typed.
 * @throws VastInputError for the first failure (its message lists them all).
 */
export function parseRotatingInputs(raw: Record<string, unknown>): RotatingKeyInputs {
  const result = validateRotatingInputs(raw);
  if (result.failures.length) throw inputFailuresError(result.failures);
  if (!result.parsed) throw unknownInputError(raw);
  return result.parsed;
}
