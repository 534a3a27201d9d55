/**
 * Resource inputs of `VastApiKey`: the zod schema (source of the `ApiKeyInputs` type) and the
 * mapping from zod issues to Pulumi check failures `{property, reason}`. Nothing here touches
 * the network: validation always happens before any API call.
 */
import { z } from "zod";
import { VastInputError } from "./errors";
import { permissionDocSchema, unknownCategories } from "./permissions";

/** The value Pulumi substitutes for inputs not yet known during preview. */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Longest accepted `keyParams` string; Vast documents no limit, this bounds accidents. */
export const MAX_KEY_PARAMS_LENGTH = 4096;

// Control characters are refused in names: they cannot be typed in the console and usually
// mean a value was pasted from a file with its newline.
const hasControlChars = (s: string) => [...s].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f);

/** Zod schema of the inputs the provider receives (after the resource class filled defaults). */
export const apiKeyInputsSchema = z.object({
  // "" declares a key without a name, as the Vast console makes them (and as `pulumi import`
  // records them), so that such a key can be declared as it is.
  name: z
    .string({ error: 'required; a string of up to 255 characters ("" for a key without a name)' })
    .max(255, { error: "must be at most 255 characters (Vast's limit)" })
    .refine((s) => !hasControlChars(s), { error: "must not contain control characters such as newlines" }),
  permissions: permissionDocSchema,
  keyParams: z
    .string({ error: "must be a string (Vast passes key params through verbatim)" })
    .max(MAX_KEY_PARAMS_LENGTH, { error: `must be at most ${MAX_KEY_PARAMS_LENGTH} characters` })
    .optional(),
  rotateAfterDays: z
    .number({ error: "must be a number of days" })
    .positive({ error: "must be greater than 0" })
    .max(36500, { error: "must be at most 36500 days" })
    .optional(),
  rotationTrigger: z
    .string({ error: "must be a string; any change replaces the key" })
    .max(1024, { error: "must be at most 1024 characters" })
    .optional(),
  // Strict: a misspelt `key` (`Key`, `value`) would otherwise be dropped and the key adopted
  // without its value ever being checked.
  adopt: z
    .strictObject(
      {
        keyId: z
          .number({ error: "must be the numeric id of an existing key" })
          .int({ error: "must be an integer key id" })
          .positive({ error: "must be a positive key id" }),
        key: z.string({ error: "must be the key's value as a string" }).min(1, { error: "must not be empty" }).optional(),
      },
      { error: "must be an object {keyId, key?}" },
    )
    .optional(),
});

/** Validated inputs of one API key resource. */
export type ApiKeyInputs = z.infer<typeof apiKeyInputsSchema>;

/** One validation failure, in the shape of Pulumi's `CheckFailure`. */
export interface InputFailure {
  /** Dotted path of the offending property, e.g. `permissions.api.misc`. */
  property: string;
  /** The rule that was violated. */
  reason: string;
}

/** Result of {@link validateInputs}. */
export interface ValidationResult {
  /** Parsed inputs when valid and fully known; undefined otherwise. */
  inputs?: ApiKeyInputs;
  /** Every failure found (empty when valid). */
  failures: InputFailure[];
  /** Non-fatal notes, e.g. unknown permission categories. */
  warnings: string[];
  /** True when some inputs are still unknown (preview) and were not validated. */
  hasUnknowns: boolean;
}

/** True if `value` is, or contains, Pulumi's unknown-value sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN_VALUE) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknown);
  return false;
}

/** Result of {@link checkKnownFields}. */
export interface KnownFieldsCheck<T> {
  /** The parsed known fields; undefined when there are failures. */
  data?: Partial<T>;
  /** Every failure found among the known fields (empty when valid). */
  failures: InputFailure[];
  /** Top-level fields still unknown (preview); they were not validated. */
  unknownFields: string[];
}

/**
 * Validates raw provider inputs against an object schema. Fields still unknown during preview
 * are skipped (they are validated again when known); `__provider` is ignored; a field the schema
 * does not know is a failure. Shared by every resource of the package, so all of them report
 * failures the same way.
 */
export function checkKnownFields<S extends z.ZodObject>(schema: S, raw: Record<string, unknown>): KnownFieldsCheck<z.infer<S>> {
  const { __provider: _ignored, ...rest } = raw;
  // A misspelt field (`rotateAfterDay`) would otherwise be dropped without a word, and the
  // setting the user meant silently not applied. Engine bookkeeping fields start with "__".
  const allowed = Object.keys(schema.shape);
  const strays: InputFailure[] = Object.keys(rest)
    .filter((k) => !allowed.includes(k) && !k.startsWith("__") && rest[k] !== undefined)
    .map((k) => ({ property: k, reason: `unknown field; the fields are ${allowed.join(", ")}` }));
  const unknownFields = Object.keys(rest).filter((k) => allowed.includes(k) && containsUnknown(rest[k]));
  const known = unknownFields.length ? schema.omit(Object.fromEntries(unknownFields.map((k) => [k, true])) as never) : schema;
  const parsed = known.safeParse(rest);
  if (!parsed.success || strays.length) {
    return { failures: [...strays, ...(parsed.success ? [] : parsed.error.issues.map(toFailure))], unknownFields };
  }
  return { data: parsed.data as unknown as Partial<z.infer<S>>, failures: [], unknownFields };
}

/**
 * The error for a non-empty list of failures: the first failure's property and rule, with a
 * message listing them all.
 */
export function inputFailuresError(failures: readonly InputFailure[]): VastInputError {
  const first = failures[0] ?? { property: "inputs", reason: "invalid" };
  const err = new VastInputError(first.property, first.reason);
  err.message = failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
  return err;
}

/** The error for inputs that must be known (create, update) but are not yet. */
export function unknownInputError(raw: Record<string, unknown>): VastInputError {
  const field = Object.keys(raw).find((k) => k !== "__provider" && containsUnknown(raw[k])) ?? "inputs";
  return new VastInputError(field, "value is still unknown; it must be known before the key can be created");
}

/**
 * Validates raw provider inputs. Fields still unknown during preview are skipped (they are
 * validated again when known); `__provider` is ignored.
 */
export function validateInputs(raw: Record<string, unknown>): ValidationResult {
  const checked = checkKnownFields(apiKeyInputsSchema, raw);
  const hasUnknowns = checked.unknownFields.length > 0;
  if (!checked.data) return { failures: checked.failures, warnings: [], hasUnknowns };
  const value = checked.data;
  const warnings = value.permissions
    ? unknownCategories(value.permissions).map(
        (c) => `permissions.api.${c}: category is not documented by Vast; it is sent as-is (check the spelling)`,
      )
    : [];
  if (hasUnknowns) return { failures: [], warnings, hasUnknowns: true };
  return { inputs: value as ApiKeyInputs, failures: [], warnings, hasUnknowns: false };
}

/**
 * Validates inputs that must be fully known (create, update) and returns them typed.
 * @throws VastInputError for the first failure (its message lists them all).
 */
export function parseInputs(raw: Record<string, unknown>): ApiKeyInputs {
  const result = validateInputs(raw);
  if (result.failures.length) throw inputFailuresError(result.failures);
  if (!result.inputs) throw unknownInputError(raw);
  return result.inputs;
}

function toFailure(issue: z.core.$ZodIssue): InputFailure {
  const path = issue.path.map((p) => String(p));
  if (issue.code === "unrecognized_keys") {
    // Names only, never values: a misplaced field may hold a key value.
    const where = path.length ? path.join(".") : "inputs";
    return { property: where, reason: `unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}` };
  }
  if (issue.code === "invalid_key") {
    // Zod reports the offending record key as the last path element; the rule is in the
    // nested issue's message.
    const nested = issue.issues[0]?.message ?? issue.message;
    return { property: path.join("."), reason: nested };
  }
  return { property: path.join(".") || "inputs", reason: issue.message };
}
