/**
 * What a permission document grants, read from a policy's view of the resource's props. The
 * documented categories come from the package itself (`presets.fullAccess()` lists them), so the
 * pack follows the package when Vast documents more.
 *
 * Reads go through the SDK's unknown-checking proxy: touching a value that is unknown at preview
 * throws the SDK's `UnknownValueError` (reported as an advisory, and the policy runs again at
 * `up`). Presence checks (`Object.hasOwn`) never touch values, so a document whose answer is
 * already known (e.g. it lists `billing_write`) is judged even when other parts are unknown.
 */
import { presets } from "pulumi-vast-api-keys";

/** The categories Vast documents, in the package's order. */
export const DOCUMENTED_CATEGORIES: readonly string[] = Object.keys(presets.fullAccess().api);

/**
 * The `api` object of a permission document, or `undefined` when there is none: Vast treats a
 * key without a document as a full-access key (docs.vast.ai, API keys: "Defaults to full access").
 */
function apiOf(permissions: unknown): Record<string, unknown> | undefined {
  if (permissions === undefined || permissions === null || typeof permissions !== "object") return undefined;
  const api = (permissions as { api?: unknown }).api;
  return api !== null && typeof api === "object" ? (api as Record<string, unknown>) : undefined;
}

/** True when the document has no `api` part, which Vast reads as full access. */
export function lacksDocument(permissions: unknown): boolean {
  return apiOf(permissions) === undefined;
}

/** True when the document grants any part of `category` (the whole category or some of its endpoints). */
export function grantsCategory(permissions: unknown, category: string): boolean {
  const api = apiOf(permissions);
  return api === undefined || Object.hasOwn(api, category);
}

/** True when `category` is granted whole: body `{}` or a `"*"` child. */
function grantsWhole(api: Record<string, unknown>, category: string): boolean {
  const body = api[category];
  return body !== null && typeof body === "object" && (Object.keys(body).length === 0 || Object.hasOwn(body, "*"));
}

/** True when the document grants every documented category whole, or has no document at all. */
export function grantsFullAccess(permissions: unknown): boolean {
  const api = apiOf(permissions);
  if (api === undefined) return true;
  if (!DOCUMENTED_CATEGORIES.every((c) => Object.hasOwn(api, c))) return false;
  return DOCUMENTED_CATEGORIES.every((c) => grantsWhole(api, c));
}
