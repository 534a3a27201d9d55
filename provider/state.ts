/**
 * The outputs a `VastApiKey` keeps in Pulumi state, their schema version, and the upgrade of
 * older shapes. The serialized provider in old state runs *this* code (it only `require`s the
 * package), so every shape ever written must stay readable; a shape written by a newer version
 * is refused instead of being silently downgraded.
 */
import { z } from "zod";
import { ErrorCodes, VastError } from "./errors";
import type { ApiKeyInputs } from "./inputs";
import { canonicalJson, type PermissionDoc, presets } from "./permissions";

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
 * - `serverRights`: canonical JSON of the server's latest view of the permissions
 *   ({@link NO_DOCUMENT_VIEW} for a key without a document; absent while none was seen; `null`
 *   only in state written before that view existed, see {@link recordedView});
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
  const state = readStoredState(raw, {
    schema: apiKeyOutputsSchema,
    version: STATE_SCHEMA_VERSION,
    what: "this key",
    remedy:
      "Run `pulumi refresh`: it rebuilds the state from Vast, keeping every field that is still readable (the key value included, if intact).",
  });
  return withViews(state);
}

/** The recorded views in their current meaning (see {@link recordedView}). */
function withViews<T extends Partial<ApiKeyOutputs>>(state: T): T {
  return withoutUndefined({
    ...state,
    serverRights: recordedView(state.serverRights, state.adopted),
    serverRightsBaseline: recordedView(state.serverRightsBaseline, state.adopted),
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
  return withViews(out as Partial<ApiKeyOutputs>);
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
 * The server's view of a key that has no permission document (Vast lists `rights: null`; an
 * empty document means the same): **full access**, which is what keys made in the Vast console
 * are. It is a view of its own, so that a change to or from it is drift like any other
 * (docs/vast-api.md §5.8). It is the canonical JSON of `null`, so views stay plain JSON.
 */
export const NO_DOCUMENT_VIEW = "null";

/**
 * The server's view of a key's permissions in one canonical form, so that views from different
 * endpoints (create response, key list) or from older state compare equal when they mean the
 * same: a JSON-encoded string is decoded (twice at most, for double encoding), a document
 * `{"api": X}` is reduced to X, and object keys are sorted. A key without a document, or with an
 * empty one, is {@link NO_DOCUMENT_VIEW} (full access). Only call it on a view the server sent:
 * "the server said nothing" is `undefined` in state, never this.
 */
export function serverView(rights: unknown): string {
  let v = rights;
  for (let i = 0; i < 2 && typeof v === "string"; i++) {
    try {
      v = JSON.parse(v);
    } catch {
      break;
    }
  }
  if (typeof v === "object" && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    if (keys.length === 1 && keys[0] === "api") v = (v as { api: unknown }).api;
  }
  const empty = v === null || v === undefined || v === "" || (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0);
  return empty ? NO_DOCUMENT_VIEW : canonicalJson(v);
}

/** True when a recorded view says the key has no permission document (full access). */
export function isNoDocumentView(view: string | null | undefined): boolean {
  return view === NO_DOCUMENT_VIEW;
}

/**
 * A permission document a program can declare for a key whose server view is `view`: the view
 * wrapped in `{"api": ...}`, and `presets.fullAccess()` for a key without a document (an empty
 * document is refused as input, because Vast reads it as full access). Used where inputs are
 * rebuilt from Vast (import, lookups), so that declaring the key as it is shows no changes.
 */
export function declarableDocument(view: string): PermissionDoc {
  if (isNoDocumentView(view)) return presets.fullAccess();
  const parsed: unknown = JSON.parse(view);
  return { api: parsed } as PermissionDoc;
}

/**
 * A recorded view in its current meaning: canonical again (older versions kept a less reduced
 * form), `undefined` when none was recorded (see {@link recordedView} for `null`).
 */
export function normalizedView(view: unknown, adopted = false): string | undefined {
  if (typeof view === "string") return serverView(view);
  return view === null ? recordedView(null, adopted) : undefined;
}

/**
 * True when both views were recorded and differ: the key was re-scoped outside Pulumi (to or
 * from "no document" included). Drift is always "latest view differs from baseline", never "the
 * server differs from the user's document" (the server may expand or normalise it).
 */
export function viewsDiffer(latest: unknown, baseline: unknown, adopted = false): boolean {
  const a = normalizedView(latest, adopted);
  const b = normalizedView(baseline, adopted);
  return a !== undefined && b !== undefined && a !== b;
}

/**
 * Reads recorded views of older state. Before {@link NO_DOCUMENT_VIEW} existed, `null` meant
 * "no view", except for an adopted key, whose view came from the key list and was `null` only
 * for a key without a document.
 */
export function recordedView(view: string | null | undefined, adopted: boolean | undefined): string | undefined {
  if (view === null) return adopted ? NO_DOCUMENT_VIEW : undefined;
  return view;
}
