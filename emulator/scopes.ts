/**
 * Scope rules of the emulator (docs/vast-api.md §1 SCOPES, §5.7):
 *
 * - no document, `{}`, or a document without `api` = full access;
 * - `{"api": {...}}` grants exactly the listed categories; a category body `{}` grants the whole
 *   category; a non-empty body grants only the endpoint permissions it lists (or everything with
 *   a `"*"` child). Vast publishes no endpoint names for the key routes, so the emulator uses
 *   the names in {@link ROUTES} (our choice, documented in docs/emulator.md);
 * - a new key may not exceed its creator's rights (the emulator rejects with 403 rather than
 *   clipping: the removed 2023 CLI help said "Permissions cannot be greater than what you
 *   already possess").
 */
import { canonicalJson } from "../provider/permissions";

/** A public route: pattern, allowed methods, and per method the scope and endpoint name. */
export interface RouteSpec {
  /** Route template as written in SCOPES. */
  template: string;
  /** Matches a concrete path (with trailing slash); captures the id if any. */
  pattern: RegExp;
  /** Method → [category, endpoint permission name]. */
  methods: Record<string, readonly [string, string]>;
}

/** The routes the emulator serves, with SCOPES' categories. */
export const ROUTES: readonly RouteSpec[] = [
  {
    template: "/api/v0/auth/apikeys/",
    pattern: /^\/api\/v0\/auth\/apikeys\/$/,
    methods: { GET: ["user_read", "api.apikeys.list"], POST: ["user_write", "api.apikeys.create"] },
  },
  {
    template: "/api/v0/auth/apikeys/{id}/",
    pattern: /^\/api\/v0\/auth\/apikeys\/(\d+)\/$/,
    methods: { GET: ["user_read", "api.apikeys.show"], DELETE: ["user_write", "api.apikeys.delete"] },
  },
  {
    template: "/api/v0/commands/reset_apikey/",
    pattern: /^\/api\/v0\/commands\/reset_apikey\/$/,
    methods: { PUT: ["user_write", "api.apikeys.reset"] },
  },
  {
    template: "/api/v0/users/current/",
    pattern: /^\/api\/v0\/users\/current\/$/,
    methods: { GET: ["user_read", "api.user.show"] },
  },
];

type Doc = Record<string, unknown> | null;

function apiOf(doc: Doc): Record<string, unknown> | undefined {
  if (!doc || typeof doc !== "object") return undefined;
  const api = (doc as { api?: unknown }).api;
  return api && typeof api === "object" ? (api as Record<string, unknown>) : undefined;
}

/** True when the document means full access. */
export function isFullAccess(doc: Doc): boolean {
  return apiOf(doc) === undefined;
}

/** True when `doc` allows `endpoint` of `category`. */
export function allows(doc: Doc, category: string, endpoint: string): boolean {
  const api = apiOf(doc);
  if (!api) return true;
  const body = api[category];
  if (!body || typeof body !== "object") return false;
  const children = Object.keys(body);
  return children.length === 0 || children.includes("*") || children.includes(endpoint);
}

/**
 * True when every right in `child` is also held by `parent`. Constrained endpoints must be
 * granted identically (or the parent must hold the whole category).
 */
export function isSubset(child: Doc, parent: Doc): boolean {
  if (isFullAccess(parent)) return true;
  const c = apiOf(child);
  const p = apiOf(parent);
  if (!c || !p) return false;
  for (const [category, cBody] of Object.entries(c)) {
    const pBody = p[category];
    if (!pBody || typeof pBody !== "object") return false;
    const pChildren = pBody as Record<string, unknown>;
    if (Object.keys(pChildren).length === 0 || "*" in pChildren) continue;
    const cChildren = (cBody ?? {}) as Record<string, unknown>;
    if (Object.keys(cChildren).length === 0) return false;
    for (const [endpoint, cEndpoint] of Object.entries(cChildren)) {
      if (!(endpoint in pChildren)) return false;
      const pEndpoint = pChildren[endpoint] as Record<string, unknown>;
      if (Object.keys(pEndpoint ?? {}).length && canonicalJson(pEndpoint) !== canonicalJson(cEndpoint)) return false;
    }
  }
  return true;
}

/** Minimal structural validation of a permission document, as the server's 400 suggests. */
export function isValidPermissionFormat(doc: unknown): boolean {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) return false;
  const keys = Object.keys(doc);
  if (keys.length === 0) return true;
  const api = (doc as { api?: unknown }).api;
  if (!api || typeof api !== "object" || Array.isArray(api)) return false;
  return Object.values(api).every((body) => body !== null && typeof body === "object" && !Array.isArray(body));
}
