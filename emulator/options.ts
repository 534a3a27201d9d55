/**
 * Emulator options: the documented default behaviour (docs/vast-api.md §9.2) and, where the
 * evidence conflicts, switches for each variant so clients can be tested against all of them.
 */

/** Rate-limit behaviour (docs/vast-api.md §6). */
export interface RateLimitOptions {
  /** Enforce minimum intervals at all. Default true. */
  enabled: boolean;
  /** Multiplies every threshold (0.01 for fast tests). Default 1. */
  scale: number;
  /** 429 body: JSON `{"detail": ...}` (default) or the plain-text variant. */
  body: "json" | "text";
  /** Also send `Retry-After` and a JSON `retry_after` (unmerged-docs variant). Default false. */
  retryAfter: boolean;
  /** Count rejected requests as "the last request" too (stricter). Default false. */
  countRejected: boolean;
}

/** All emulator switches. */
export interface EmulatorOptions {
  /** Status for an unknown, missing or deleted key: 401 (default) or 404, both with the auth_error body. */
  badKeyStatus: 401 | 404;
  /**
   * How the list returns `rights`: a JSON-encoded string (default, per OAS), an object, or
   * `categories-string`: a JSON string of the categories only (no `api` wrapper), keys in another
   * order and spaced. The last differs from the create response in form, not in meaning, which is
   * what a client comparing the two must tolerate (docs/vast-api.md §5.8).
   */
  rightsAs: "string" | "object" | "categories-string";
  /** Emulate the historic leak of key values in the list (docs/vast-api.md §3.2). Default false. */
  leakKeyInList: boolean;
  /** List without a Bearer header answers 400 "API Key not provided as bearer token." (OAS). Default false. */
  requireBearerForList: boolean;
  /** Reject a create without a name (400 invalid_args). Default false: accepted. */
  strictName: boolean;
  /** Field that carries the new key value in the create response. Default `key`. */
  createKeyField: "key" | "api_key" | "new_api_key";
  /** Answer `"permissions": false` in the create response (OAS variant). Default false. */
  createPermissionsFalse: boolean;
  /** Accept GET paths without the trailing slash (docs/vast-api.md §1). Default true; never for other methods. */
  acceptMissingSlashOnGet: boolean;
  /**
   * Milliseconds added to the real time wherever the emulator stamps a time (`created_at`, deletion
   * times), so that tests moving the provider's clock (`VAST_NOW`) can move Vast's with it. Rate
   * limits keep the real time. Default 0.
   */
  clockOffsetMs: number;
  /** Rate limiting. */
  rateLimit: RateLimitOptions;
  /** Thresholds in seconds per "METHOD template" (docs/vast-api.md §6.2). */
  thresholds: Record<string, number>;
}

/** The documented defaults. */
export function defaultOptions(): EmulatorOptions {
  return {
    badKeyStatus: 401,
    rightsAs: "string",
    leakKeyInList: false,
    requireBearerForList: false,
    strictName: false,
    createKeyField: "key",
    createPermissionsFalse: false,
    acceptMissingSlashOnGet: true,
    clockOffsetMs: 0,
    rateLimit: { enabled: true, scale: 1, body: "json", retryAfter: false, countRejected: false },
    thresholds: {
      "POST /api/v0/auth/apikeys/": 2.0,
      "GET /api/v0/auth/apikeys/": 1.0,
      "GET /api/v0/auth/apikeys/{id}/": 1.0,
      "DELETE /api/v0/auth/apikeys/{id}/": 2.0,
      "PUT /api/v0/commands/reset_apikey/": 3.0,
    },
  };
}

/** Deep-merges a partial options object (one level for `rateLimit` and `thresholds`). */
export function mergeOptions(base: EmulatorOptions, patch: DeepPartialOptions | undefined): EmulatorOptions {
  if (!patch) return base;
  return {
    ...base,
    ...patch,
    rateLimit: { ...base.rateLimit, ...patch.rateLimit },
    thresholds: { ...base.thresholds, ...patch.thresholds },
  } as EmulatorOptions;
}

/** Options where every field, and every rate-limit field, is optional. */
export type DeepPartialOptions = Partial<Omit<EmulatorOptions, "rateLimit" | "thresholds">> & {
  rateLimit?: Partial<RateLimitOptions>;
  thresholds?: Record<string, number>;
};
