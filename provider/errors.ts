/**
 * The one error hierarchy of the package. Every error carries a stable `code` (a `VAST_*`
 * string) that callers and tests may rely on; messages may change, codes may not.
 *
 * Identity survives duplicate copies of this module (two versions of the package in one
 * process) because {@link isVastError} checks a `Symbol.for` brand, not `instanceof`.
 *
 * No error built here ever stores a request's `Authorization` header, a create-response body
 * or any key value: messages are assembled from status codes, paths and the server's short
 * `msg`, after {@link redactSecrets} has scrubbed known secrets from it.
 */

const BRAND = Symbol.for("pulumi-vast-api-keys.VastError");

/** Stable error codes, listed in docs/rate-limits-and-errors.md. */
export const ErrorCodes = {
  /** No API key could be found in any configured source. */
  missingCredentials: "VAST_MISSING_CREDENTIALS",
  /** The API base URL is malformed, or plain http to a non-loopback host. */
  invalidUrl: "VAST_INVALID_URL",
  /** Stack config `vast:*` is unusable: an unknown key (a typo such as `vast:apikey`) or an empty value. */
  invalidConfig: "VAST_INVALID_CONFIG",
  /** A rotation step made its new key but could not delete an old one; state records it and the next `up` retries. */
  stepIncomplete: "VAST_STEP_INCOMPLETE",
  /** An environment tunable (e.g. `VAST_TIMEOUT_MS`) has an invalid value. */
  invalidSetting: "VAST_INVALID_SETTING",
  /** A resource input failed validation (before any API call). */
  invalidInput: "VAST_INVALID_INPUT",
  /** The server rejected the credential (401, or 404 with an `auth_error` body). */
  auth: "VAST_AUTH_FAILED",
  /** The credential is valid but lacks the permission for this call (403). */
  forbidden: "VAST_FORBIDDEN",
  /** The addressed object does not exist (404 that is not an auth error). */
  notFound: "VAST_NOT_FOUND",
  /** The server refused the request as malformed (400, e.g. `invalid_permissions`). */
  badRequest: "VAST_BAD_REQUEST",
  /** Still rate limited (429) after every retry. */
  rateLimited: "VAST_RATE_LIMITED",
  /** The server failed (5xx) and retries, if allowed, did not help. */
  server: "VAST_SERVER_ERROR",
  /** Any other unexpected HTTP status. */
  unexpectedStatus: "VAST_UNEXPECTED_STATUS",
  /** The connection failed or was reset. */
  connection: "VAST_CONNECTION_FAILED",
  /** The server did not answer within the timeout. */
  timeout: "VAST_TIMEOUT",
  /** A create may or may not have happened (lost response); it must be reconciled, not retried. */
  outcomeUnknown: "VAST_OUTCOME_UNKNOWN",
  /** The server answered 2xx with a body we cannot use (e.g. no key value in a create response). */
  badResponse: "VAST_BAD_RESPONSE",
  /** The provider refused an operation that would cut off its own credential. */
  refusedSelfDelete: "VAST_REFUSED_SELF_DELETE",
  /** A create could not be reconciled after an unknown outcome; a key may need manual cleanup. */
  reconcileFailed: "VAST_RECONCILE_FAILED",
  /** Adopting an existing key failed (unknown id, wrong value, or mismatching declaration). */
  adoptFailed: "VAST_ADOPT_FAILED",
  /** Several keys could be the one a lost create made; none was deleted (the message lists them). */
  reconcileAmbiguous: "VAST_RECONCILE_AMBIGUOUS",
  /** The key the provider authenticates with could not be established, so a delete was refused. */
  identityUnverified: "VAST_IDENTITY_UNVERIFIED",
  /** The key belongs to another Vast account than the credential in use. */
  wrongAccount: "VAST_WRONG_ACCOUNT",
  /** The state in Pulumi was written by a newer version of this package. */
  stateTooNew: "VAST_STATE_TOO_NEW",
  /** The stored state of a key does not parse; `pulumi refresh` rebuilds it from Vast. */
  stateUnreadable: "VAST_STATE_UNREADABLE",
  /** `vast-api-keys drift` could not check a stack (unknown stack, backend, passphrase, a failed refresh preview). */
  checkFailed: "VAST_CHECK_FAILED",
  /** The Pulumi engine that started the provider is gone; the call was not sent and the process exits. */
  engineGone: "VAST_ENGINE_GONE",
} as const;

/** One of the stable `VAST_*` codes. */
export type VastErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** Base class of every error thrown by this package. */
export class VastError extends Error {
  /** Stable, documented error code. */
  readonly code: VastErrorCode;

  constructor(code: VastErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True for any error from this package, even from another copy of the module. */
export function isVastError(err: unknown): err is VastError {
  return typeof err === "object" && err !== null && (err as Record<symbol, unknown>)[BRAND] === true;
}

/** Missing or unusable configuration (credentials, URL). */
export class VastConfigError extends VastError {}

/** A resource input failed validation. `property` is the dotted path, `rule` the violated rule. */
export class VastInputError extends VastError {
  /** Dotted property path, e.g. `permissions.api.instance_read`. */
  readonly property: string;
  /** The rule that was violated, in words. */
  readonly rule: string;

  constructor(property: string, rule: string) {
    super(ErrorCodes.invalidInput, `${property}: ${rule}`);
    this.property = property;
    this.rule = rule;
  }
}

/** What the client knows about a failed HTTP exchange; never includes headers or request bodies. */
export interface ApiErrorDetails {
  /** HTTP method. */
  method: string;
  /** Request path (no query string: the query may carry a key). */
  path: string;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The server's `error` field, e.g. `auth_error`. */
  apiError?: string;
  /** The server's short message (`msg`, `message` or `detail`), already redacted. */
  apiMessage?: string;
  /** One short code per attempt made, e.g. `["429", "429", "503"]`, when retries happened. */
  attempts?: string[];
}

/** An HTTP-level failure talking to the Vast API. */
export class VastApiError extends VastError {
  /** HTTP method of the failed request. */
  readonly method: string;
  /** Path of the failed request. */
  readonly path: string;
  /** HTTP status, if a response arrived. */
  readonly status: number | undefined;
  /** The server's `error` field, if any. */
  readonly apiError: string | undefined;
  /** The server's message, redacted. */
  readonly apiMessage: string | undefined;
  /** Per-attempt codes when the call was retried. */
  readonly attempts: readonly string[];

  constructor(code: VastErrorCode, details: ApiErrorDetails, hint: string, options?: { cause?: unknown }) {
    super(code, formatApiMessage(details, hint), options);
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.apiError = details.apiError;
    this.apiMessage = details.apiMessage;
    this.attempts = details.attempts ?? [];
  }
}

/** 401, or 404 with an `auth_error` body: the credential is invalid, deleted, or needs 2FA. */
export class VastAuthError extends VastApiError {}
/** 403: the credential lacks a permission, or the object belongs to another user. */
export class VastForbiddenError extends VastApiError {}
/** 404 for an object that does not exist. */
export class VastNotFoundError extends VastApiError {}
/** 400: the request was rejected as malformed. */
export class VastBadRequestError extends VastApiError {}
/** 429 after every allowed retry. */
export class VastRateLimitError extends VastApiError {}
/** 5xx after every allowed retry. */
export class VastServerError extends VastApiError {}
/** Connection refused, reset or closed. */
export class VastConnectionError extends VastApiError {}
/** No answer within the timeout. */
export class VastTimeoutError extends VastApiError {}
/** A non-idempotent request may have been applied; the caller must reconcile. */
export class VastOutcomeUnknownError extends VastApiError {}
/** A 2xx answer whose body is unusable. */
export class VastBadResponseError extends VastApiError {
  /** Id of a key that was created although its value did not come back, if known. */
  readonly keyId: number | undefined;

  constructor(code: VastErrorCode, details: ApiErrorDetails, hint: string, keyId?: number) {
    super(code, details, hint);
    this.keyId = keyId;
  }
}

/** The provider refused to perform an operation, for the user's protection. */
export class VastRefusedError extends VastError {}

/** A create with an unknown outcome could not be reconciled. */
export class VastReconcileError extends VastError {
  /** Ids of the keys that could be the lost create's (set when none was deleted because several could). */
  readonly candidates: readonly number[];

  constructor(code: VastErrorCode, message: string, options?: { cause?: unknown; candidates?: readonly number[] }) {
    super(code, message, options);
    this.candidates = options?.candidates ?? [];
  }
}

/** A key in state belongs to another Vast account than the credential in use. */
export class VastAccountMismatchError extends VastError {
  /** The account recorded in state for the key. */
  readonly expectedAccount: number;
  /** The account of the credential in use. */
  readonly actualAccount: number;

  constructor(message: string, expectedAccount: number, actualAccount: number) {
    super(ErrorCodes.wrongAccount, message);
    this.expectedAccount = expectedAccount;
    this.actualAccount = actualAccount;
  }
}

/** Adopting an existing key failed. */
export class VastAdoptError extends VastError {}

/**
 * An update that changed something on Vast and then failed: it carries the resource's outputs as
 * they now are, so that the engine records them (Pulumi's "partial failure": the dynamic-provider
 * host and the plugin send them as `ErrorResourceInitFailed`, whose fields `id`, `properties` and
 * `reasons` these are). Nothing made by the step is ever left out of state.
 */
export class VastPartialUpdateError extends VastError {
  /** The resource id. */
  readonly id: string;
  /** The outputs to record in state. */
  readonly properties: Record<string, unknown>;
  /** What failed, one line each. */
  readonly reasons: string[];

  constructor(code: VastErrorCode, message: string, id: string, properties: Record<string, unknown>, reasons: string[]) {
    super(code, message);
    this.id = id;
    this.properties = properties;
    this.reasons = reasons;
  }
}

function formatApiMessage(d: ApiErrorDetails, hint: string): string {
  const status = d.status === undefined ? "" : ` -> ${d.status}`;
  const server = [d.apiError, d.apiMessage].filter((s) => s !== undefined && s !== "").join(": ");
  const tried = d.attempts && d.attempts.length > 1 ? ` after ${d.attempts.length} attempts (${runs(d.attempts)})` : "";
  return `Vast API ${d.method} ${d.path}${status}${tried}${server ? ` [${server}]` : ""}: ${hint}`;
}

/** `429, 429, 429, 503` as `429 × 3, 503`: a call retried for minutes must not list every attempt. */
function runs(codes: readonly string[]): string {
  const out: Array<{ code: string; n: number }> = [];
  for (const code of codes) {
    const last = out.at(-1);
    if (last?.code === code) last.n++;
    else out.push({ code, n: 1 });
  }
  return out.map((r) => (r.n > 2 ? `${r.code} × ${r.n}` : Array(r.n).fill(r.code).join(", "))).join(", ");
}

/**
 * Replaces every occurrence of each secret in `text` with a marker that keeps only the last
 * four characters (the same disclosure the official CLI makes). Secrets shorter than 8
 * characters are replaced entirely.
 */
export function redactSecrets(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    const marker = s.length >= 8 ? `[REDACTED…${s.slice(-4)}]` : "[REDACTED]";
    out = out.split(s).join(marker);
  }
  return out;
}
