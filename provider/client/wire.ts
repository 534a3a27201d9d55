/**
 * Zod schemas of Vast API responses. Strict on the fields we depend on (ids, key values),
 * lenient on everything else, because the API's real field set is uncertain (docs/vast-api.md §10):
 * `rights` may be a JSON string or an object, `created_at` a float epoch or absent, and the list
 * may once have leaked `key` values (which we drop here and never store).
 */
import { z } from "zod";

const keyId = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+$/)
    .transform((s) => Number(s)),
]);

const epochOrString = z.union([z.number(), z.string()]).nullable().optional();

/** One key as seen by the server (list item or show-one). Never carries a key value. */
export interface RemoteKey {
  /** Vast's numeric key id. */
  id: number;
  /** The key's name; `null` when the server has none. */
  name: string | null;
  /** The server's view of the permissions (parsed when it was a JSON string). */
  rights: unknown;
  /** The key params as stored by the server, if reported. */
  keyParams: unknown;
  /** Creation time as ISO-8601, when the server reports it. */
  createdAt: string | undefined;
}

const listItemSchema = z
  .object({
    id: keyId,
    name: z.string().nullable().optional(),
    rights: z.unknown().optional(),
    permissions: z.unknown().optional(),
    key_params: z.unknown().optional(),
    created_at: epochOrString,
  })
  .loose();

/** `GET /api/v0/auth/apikeys/` → `{"apikeys": [...]}` (no underscore; docs/vast-api.md §3.2). */
export const listKeysResponseSchema = z
  .union([z.object({ apikeys: z.array(listItemSchema) }).loose(), z.array(listItemSchema)])
  .transform((body) => (Array.isArray(body) ? body : body.apikeys).map(toRemoteKey));

/** `POST /api/v0/auth/apikeys/` response. The key value is read from `key`, `api_key` or `new_api_key`. */
export const createKeyResponseSchema = z
  .object({
    id: keyId,
    key: z.string().min(1).optional(),
    api_key: z.string().min(1).optional(),
    new_api_key: z.string().min(1).optional(),
    name: z.string().nullable().optional(),
    permissions: z.unknown().optional(),
    rights: z.unknown().optional(),
    key_params: z.unknown().optional(),
    created_at: epochOrString,
  })
  .loose();

/** `GET /api/v0/users/current/`: only the fields we use. */
export const currentUserResponseSchema = z
  .object({
    id: z.number().int().optional(),
    key_id: z.number().int().nullable().optional(),
  })
  .loose();

/** Error bodies: `{success, error, msg}`, `{detail}`, `{message}`, a JSON string, or plain text. */
export interface ErrorBody {
  /** The server's `error` code, e.g. `auth_error`. */
  error?: string;
  /** The human message from `msg`, `message` or `detail` (or the whole plain-text body). */
  message?: string;
  /** `retry_after` from a JSON body, in seconds, if present. */
  retryAfterSeconds?: number;
}

const errorJsonSchema = z
  .object({
    error: z.unknown().optional(),
    msg: z.unknown().optional(),
    message: z.unknown().optional(),
    detail: z.unknown().optional(),
    retry_after: z.unknown().optional(),
  })
  .loose();

/** Parses any error body leniently. Never throws. Long bodies are cut to 300 characters. */
export function parseErrorBody(text: string): ErrorBody {
  const cut = (s: string) => (s.length > 300 ? `${s.slice(0, 300)}…` : s);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    const trimmed = text.trim();
    return trimmed ? { message: cut(trimmed) } : {};
  }
  if (typeof json === "string") return { message: cut(json) };
  const parsed = errorJsonSchema.safeParse(json);
  if (!parsed.success) return {};
  const b = parsed.data;
  const str = (v: unknown) => (typeof v === "string" && v ? cut(v) : undefined);
  const out: ErrorBody = {};
  const error = str(b.error);
  const message = str(b.msg) ?? str(b.message) ?? str(b.detail);
  if (error) out.error = error;
  if (message) out.message = message;
  if (typeof b.retry_after === "number" && b.retry_after >= 0) out.retryAfterSeconds = b.retry_after;
  return out;
}

/** Interprets `rights`: a JSON-encoded string is parsed; anything else is returned as is. */
export function parseRights(value: unknown): unknown {
  if (typeof value !== "string") return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** Converts Vast's float-epoch (or string) timestamps to ISO-8601. */
export function toIsoTime(value: number | string | null | undefined): string | undefined {
  if (value === null || value === undefined || value === "") return undefined;
  if (typeof value === "number") return Number.isFinite(value) ? new Date(value * 1000).toISOString() : undefined;
  const asNumber = Number(value);
  if (Number.isFinite(asNumber)) return new Date(asNumber * 1000).toISOString();
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

function toRemoteKey(item: z.infer<typeof listItemSchema>): RemoteKey {
  // Deliberately copies only known fields: a leaked `key` in a list item goes no further.
  return {
    id: item.id,
    name: item.name ?? null,
    rights: parseRights(item.rights ?? item.permissions),
    keyParams: item.key_params ?? null,
    createdAt: toIsoTime(item.created_at),
  };
}
