/**
 * The public Vast API of the emulator as a pure function: request in, response out, over the
 * {@link Store}. Rate limits, faults and sockets are the server's business (`server.ts`).
 * Bodies and statuses follow docs/vast-api.md §3 and §9.2.
 */
import type { EmulatorOptions } from "./options";
import { allows, isSubset, isValidPermissionFormat, ROUTES, type RouteSpec } from "./scopes";
import type { KeyRecord, Store } from "./store";

/** A parsed public request. */
export interface ApiRequest {
  /** HTTP method. */
  method: string;
  /** Path without query string. */
  path: string;
  /** Key from `Authorization: Bearer`, if sent. */
  bearer: string | undefined;
  /** Key from the `api_key` query parameter, if sent. */
  queryKey: string | undefined;
  /** Parsed JSON body; `undefined` when none was sent. */
  body: unknown;
  /** True when a body was sent but is not JSON. */
  bodyInvalid: boolean;
}

/** A response to send. */
export interface ApiResponse {
  /** HTTP status. */
  status: number;
  /** JSON body (any JSON value, a bare string included). */
  json: unknown;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

/** The route a request addresses, after the trailing-slash rule. */
export interface MatchedRoute {
  /** The route table entry. */
  spec: RouteSpec;
  /** `"METHOD template"`, the key for rate limits and faults. */
  routeKey: string;
  /** Numeric id captured from the path, if any. */
  id: number | undefined;
  /** False when the path exists but the method does not (405). */
  methodAllowed: boolean;
}

/** Matches a path against the route table. Missing trailing slashes are accepted for GET only. */
export function matchRoute(method: string, path: string, options: EmulatorOptions): MatchedRoute | undefined {
  const candidates = [path];
  if (!path.endsWith("/") && method === "GET" && options.acceptMissingSlashOnGet) candidates.push(`${path}/`);
  for (const candidate of candidates) {
    for (const spec of ROUTES) {
      const m = spec.pattern.exec(candidate);
      if (!m) continue;
      return {
        spec,
        routeKey: `${method} ${spec.template}`,
        id: m[1] === undefined ? undefined : Number(m[1]),
        methodAllowed: method in spec.methods,
      };
    }
  }
  return undefined;
}

const json = (status: number, body: unknown, headers?: Record<string, string>): ApiResponse => ({
  status,
  json: body,
  ...(headers ? { headers } : {}),
});

/** The auth-error body Vast sends for an invalid or deleted key (docs/vast-api.md §2.3). */
export const AUTH_ERROR_BODY = { success: false, error: "auth_error", msg: "Invalid user key" };

/** A list item as Vast shows it: no key value (unless the leak variant is on). */
export function listItem(k: KeyRecord, options: EmulatorOptions): Record<string, unknown> {
  const rights = k.permissions === null ? null : rightsForm(k.permissions, options.rightsAs);
  return {
    id: k.id,
    user_id: k.userId,
    name: k.name,
    rights,
    key_params: k.keyParams ?? null,
    created_at: k.createdAt,
    team_id: null,
    team_name: null,
    ...(options.leakKeyInList ? { key: k.key } : {}),
  };
}

function rightsForm(doc: Record<string, unknown>, form: EmulatorOptions["rightsAs"]): unknown {
  if (form === "object") return doc;
  if (form === "string") return JSON.stringify(doc);
  const categories = (doc.api ?? {}) as Record<string, unknown>;
  const reversed = Object.fromEntries(Object.entries(categories).reverse());
  return JSON.stringify(reversed, null, 1);
}

/**
 * Handles an authenticated public call. `staleList` answers a list from the state before the
 * latest change (fault injection).
 */
export function handleApi(
  req: ApiRequest,
  route: MatchedRoute,
  store: Store,
  options: EmulatorOptions,
  faults: { staleList?: boolean } = {},
): ApiResponse {
  if (!route.methodAllowed) {
    return json(
      405,
      { success: false, error: "method_not_allowed", msg: `Method ${req.method} not allowed on ${route.spec.template}` },
      {
        allow: Object.keys(route.spec.methods).join(", "),
      },
    );
  }
  if (options.requireBearerForList && route.routeKey === "GET /api/v0/auth/apikeys/" && req.bearer === undefined) {
    return json(400, { msg: "API Key not provided as bearer token." });
  }
  const presented = req.bearer ?? req.queryKey;
  const caller = presented ? store.keyByValue(presented) : undefined;
  if (!caller) return json(options.badKeyStatus, AUTH_ERROR_BODY);

  const [category, endpoint] = route.spec.methods[req.method] as readonly [string, string];
  if (!allows(caller.permissions, category, endpoint)) {
    return json(403, { success: false, error: "forbidden", msg: `This API key lacks the ${category} permission for this endpoint.` });
  }

  switch (route.routeKey) {
    case "GET /api/v0/auth/apikeys/": {
      const keys = faults.staleList ? store.staleKeysOf(caller.userId) : store.liveKeysOf(caller.userId);
      return json(200, { apikeys: keys.map((k) => listItem(k, options)) });
    }
    case "POST /api/v0/auth/apikeys/":
      return createKey(req, caller, store, options);
    case "GET /api/v0/auth/apikeys/{id}/": {
      const key = route.id === undefined ? undefined : store.keyById(route.id);
      if (!key || key.deletedAt !== null) return json(404, { msg: "API Key not found." });
      if (key.userId !== caller.userId) return json(403, { msg: "You do not have permission to access this key." });
      return json(200, listItem(key, options));
    }
    case "DELETE /api/v0/auth/apikeys/{id}/": {
      const key = route.id === undefined ? undefined : store.keyById(route.id);
      if (!key || key.deletedAt !== null) return json(404, { msg: "API Key not found." });
      if (key.userId !== caller.userId) return json(403, { msg: "You do not have permission to delete this API Key." });
      store.deleteKey(key.id);
      return json(200, "Successfully Deleted API Key");
    }
    case "PUT /api/v0/commands/reset_apikey/": {
      const body = req.body as { client_id?: unknown } | undefined;
      if (req.bodyInvalid || !body || body.client_id !== "me") {
        return json(400, { success: false, error: "invalid_args", msg: 'client_id must be "me"' });
      }
      const fresh = store.resetKey(caller.id);
      return json(200, { success: true, sent: true, key: fresh, new_api_key: fresh });
    }
    case "GET /api/v0/users/current/": {
      const user = store.user(caller.userId);
      return json(200, {
        id: caller.userId,
        key_id: caller.id,
        email: user?.email ?? null,
        balance: user?.balance ?? 0,
        credit: user?.balance ?? 0,
        ssh_key: null,
        sid: `emulator-${caller.userId}`,
      });
    }
    default:
      return json(404, { success: false, error: "not_found", msg: `No handler for ${route.routeKey}` });
  }
}

function createKey(req: ApiRequest, caller: KeyRecord, store: Store, options: EmulatorOptions): ApiResponse {
  const invalidArgs = (msg: string) => json(400, { success: false, error: "invalid_args", msg });
  if (req.bodyInvalid) return invalidArgs("Request body is not valid JSON.");
  if (!req.body || typeof req.body !== "object" || Array.isArray(req.body)) return invalidArgs("Request body must be a JSON object.");
  const body = req.body as { name?: unknown; permissions?: unknown; key_params?: unknown };

  if (body.name !== undefined && body.name !== null && typeof body.name !== "string") return invalidArgs("name must be a string.");
  if (typeof body.name === "string" && body.name.length > 255) return invalidArgs("name must be at most 255 characters.");
  if (options.strictName && (typeof body.name !== "string" || body.name === "")) return invalidArgs("name is required.");

  let permissions: Record<string, unknown> | null = null;
  if (body.permissions !== undefined && body.permissions !== null) {
    if (!isValidPermissionFormat(body.permissions)) {
      return json(400, { success: false, error: "invalid_permissions", msg: "Invalid permission format" });
    }
    const doc = body.permissions as Record<string, unknown>;
    permissions = Object.keys(doc).length === 0 ? null : doc;
  }
  if (!isSubset(permissions, caller.permissions)) {
    return json(403, { success: false, error: "forbidden", msg: "Permissions cannot be greater than what you already possess." });
  }
  const record = store.createKey(caller.userId, typeof body.name === "string" ? body.name : null, permissions, body.key_params ?? null);
  return json(200, {
    id: record.id,
    [options.createKeyField]: record.key,
    permissions: options.createPermissionsFalse ? false : (record.permissions ?? {}),
    name: record.name,
    created_at: record.createdAt,
  });
}
