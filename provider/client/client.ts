/**
 * `VastClient`: the one HTTP client of the package. One pooled undici dispatcher per origin,
 * explicit timeouts, `Authorization: Bearer` only (never the `api_key` query parameter, which
 * leaks keys into URLs: vast-cli#470), trailing slashes on every path, one retry policy
 * ({@link decideRetry}) and one process-wide pacer ({@link sharedPacer}).
 */
import { createHash } from "node:crypto";
import type { Dispatcher, Pool } from "undici";
import type { z } from "zod";
import { type EngineLiveness, engineLiveness } from "../engine-liveness";
import {
  type ApiErrorDetails,
  ErrorCodes,
  redactSecrets,
  VastApiError,
  VastAuthError,
  VastBadRequestError,
  VastBadResponseError,
  VastConnectionError,
  VastForbiddenError,
  VastNotFoundError,
  VastOutcomeUnknownError,
  VastRateLimitError,
  VastServerError,
  VastTimeoutError,
} from "../errors";
import { type Logger, registerSecret, silentLogger } from "../log";
import { type Pacer, sharedPacer } from "./pacing";
import { DEFAULT_RETRY_POLICY, decideRetry, parseRetryAfterMs, parseThresholdMs, type RetryPolicy } from "./retry";
import {
  createKeyResponseSchema,
  currentUserResponseSchema,
  listKeysResponseSchema,
  parseErrorBody,
  parseRights,
  type RemoteKey,
  toIsoTime,
} from "./wire";

/**
 * undici, loaded on the first request rather than with this module: a Pulumi program only
 * declares resources and the preview's provider process only checks and diffs them, and neither
 * should pay for loading it (0.1–0.3 s per process: README, figures).
 */
let undiciModule: typeof import("undici") | undefined;
function undici(): typeof import("undici") {
  undiciModule ??= require("undici") as typeof import("undici");
  return undiciModule;
}

/** Package version sent in the User-Agent. */
const USER_AGENT = "pulumi-vast-api-keys/0.1";

/** Options of a {@link VastClient}. */
export interface VastClientOptions {
  /** Origin, scheme+host[:port], already validated (see `normalizeBaseUrl`). */
  baseUrl: string;
  /** The management API key. */
  apiKey: string;
  /** undici dispatcher to use instead of the shared pool (e.g. a `MockAgent` in unit tests). */
  dispatcher?: Dispatcher;
  /** Pacer to use instead of the process-wide one. */
  pacer?: Pacer;
  /** Overrides of the retry policy. */
  retry?: Partial<RetryPolicy>;
  /** Per-attempt timeout in ms (connect, headers and body). Default 30000. */
  timeoutMs?: number;
  /** Debug logger. Default: silent. */
  logger?: Logger;
  /** Random source for jitter, for tests. */
  random?: () => number;
  /** Asked right before each request goes out. Default: the process-wide {@link engineLiveness}. */
  engine?: Pick<EngineLiveness, "beforeSend">;
  /** Sleep, for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock for the 429 retry budget, for tests. */
  now?: () => number;
}

/** What to create. */
export interface CreateKeyRequest {
  /** Key name (1-255 characters). */
  name: string;
  /** Permission document, sent as a JSON object. */
  permissions: unknown;
  /** Optional key params, sent verbatim as a string (as the official CLI does). */
  keyParams?: string | undefined;
}

/** A key just created: the only moment its value is visible. */
export interface CreatedKey {
  /** Vast's numeric key id. */
  id: number;
  /** The key value. Secret. */
  key: string;
  /** The server's own view of the permissions from the create response, when it sent one. */
  serverPermissions: unknown;
  /** Creation time (ISO-8601), when the server reported one. */
  createdAt: string | undefined;
}

/** Who a credential belongs to. */
export interface CurrentUser {
  /** The user id. */
  userId: number | undefined;
  /** The id of the key that made the request, when the server reports it. */
  keyId: number | undefined;
}

/** Counters, for benchmarks and tests. */
export interface ClientStats {
  /** HTTP requests sent (attempts, not calls). */
  requests: number;
  /** 429 responses received. */
  rateLimited: number;
  /** Retries made. */
  retries: number;
}

const pools = new Map<string, Pool>();

function poolFor(origin: string, timeoutMs: number): Pool {
  const key = `${origin} ${timeoutMs}`;
  let pool = pools.get(key);
  if (!pool) {
    pool = new (undici().Pool)(origin, {
      connections: 8,
      connect: { timeout: Math.min(timeoutMs, 10_000) },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      keepAliveTimeout: 4_000,
    });
    pools.set(key, pool);
  }
  return pool;
}

/** Closes every pooled connection (for tests and short-lived tools; the provider never needs it). */
export async function closeAllPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}

// Network error codes that prove nothing was sent, so even a POST may be retried.
const NOT_SENT = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "EHOSTUNREACH", "ENETUNREACH"]);

interface SendSpec {
  method: "GET" | "POST" | "DELETE" | "PUT";
  /** Route template for pacing, e.g. `/api/v0/auth/apikeys/{id}/`. */
  route: string;
  /** Concrete path. */
  path: string;
  body?: unknown;
}

/** A typed client for the Vast API-key endpoints. */
export class VastClient {
  /** The origin this client talks to. */
  readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly identity: string;
  private readonly dispatcher: Dispatcher;
  private readonly pacer: Pacer;
  private readonly policy: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly random: () => number;
  private readonly engine: Pick<EngineLiveness, "beforeSend"> | undefined;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private readonly counters: ClientStats = { requests: 0, rateLimited: 0, retries: 0 };

  constructor(options: VastClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.apiKey = options.apiKey;
    registerSecret(options.apiKey);
    // The pacing identity must not reveal the key: a short hash is enough to tell keys apart.
    this.identity = `${this.baseUrl}#${createHash("sha256").update(options.apiKey).digest("hex").slice(0, 16)}`;
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.dispatcher = options.dispatcher ?? poolFor(this.baseUrl, this.timeoutMs);
    this.pacer = options.pacer ?? sharedPacer();
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.logger = options.logger ?? silentLogger;
    this.random = options.random ?? Math.random;
    this.engine = options.engine;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
  }

  /** Request counters of this client. */
  stats(): ClientStats {
    return { ...this.counters };
  }

  /** Lists the account's live keys (`GET /api/v0/auth/apikeys/`). Values are never included. */
  async listKeys(): Promise<RemoteKey[]> {
    const text = await this.send({ method: "GET", route: "/api/v0/auth/apikeys/", path: "/api/v0/auth/apikeys/" });
    return this.parse(listKeysResponseSchema, text, "GET", "/api/v0/auth/apikeys/");
  }

  /**
   * Creates a key (`POST /api/v0/auth/apikeys/`). Never retried after it may have reached the
   * server: such failures throw {@link VastOutcomeUnknownError} and the caller reconciles.
   * @throws VastBadResponseError with `keyId` set when a key was created but no value came back.
   * @throws VastOutcomeUnknownError when the answer (even a 2xx) does not show whether a key was made.
   */
  async createKey(req: CreateKeyRequest): Promise<CreatedKey> {
    const path = "/api/v0/auth/apikeys/";
    const body: Record<string, unknown> = { name: req.name, permissions: req.permissions };
    if (req.keyParams !== undefined) body.key_params = req.keyParams;
    const text = await this.send({ method: "POST", route: path, path, body });
    const r = parseBody(createKeyResponseSchema, text);
    if (!r.ok) {
      // A success status whose body names no key id may still have created a key: that is an
      // unknown outcome, reconciled like a lost response, not a plain failure.
      throw new VastOutcomeUnknownError(
        ErrorCodes.outcomeUnknown,
        { method: "POST", path, status: 200 },
        `the create response is unusable (${r.problem}), so a key may or may not have been created`,
      );
    }
    const parsed = r.data;
    const key = parsed.key ?? parsed.api_key ?? parsed.new_api_key;
    if (!key) {
      const err = new VastBadResponseError(
        ErrorCodes.badResponse,
        { method: "POST", path, status: 200 },
        `the create response for key id ${parsed.id} carried no key value (looked for key, api_key, new_api_key)`,
        parsed.id,
      );
      throw err;
    }
    registerSecret(key);
    const view = parsed.permissions ?? parsed.rights;
    return {
      id: parsed.id,
      key,
      serverPermissions: view === false || view === undefined ? undefined : parseRights(view),
      createdAt: toIsoTime(parsed.created_at),
    };
  }

  /**
   * Deletes a key (`DELETE /api/v0/auth/apikeys/{id}/`). A 404 "API Key not found." means it is
   * already gone. A 401, or a 404 with an auth-error body, is a credential problem and throws.
   */
  async deleteKey(id: number): Promise<"deleted" | "already-gone"> {
    const path = `/api/v0/auth/apikeys/${id}/`;
    try {
      await this.send({ method: "DELETE", route: "/api/v0/auth/apikeys/{id}/", path });
      return "deleted";
    } catch (err) {
      if (err instanceof VastNotFoundError) return "already-gone";
      throw err;
    }
  }

  /** Who the credential belongs to (`GET /api/v0/users/current/`; needs `user_read`). */
  async currentUser(): Promise<CurrentUser> {
    const path = "/api/v0/users/current/";
    const text = await this.send({ method: "GET", route: path, path });
    const parsed = this.parse(currentUserResponseSchema, text, "GET", path);
    return { userId: parsed.id, keyId: parsed.key_id ?? undefined };
  }

  private parse<S extends z.ZodType>(schema: S, text: string, method: string, path: string): z.output<S> {
    const r = parseBody(schema, text);
    if (!r.ok) throw new VastBadResponseError(ErrorCodes.badResponse, { method, path, status: 200 }, r.problem);
    return r.data;
  }

  /** Sends one logical call with pacing and retries; returns the 2xx body text. */
  private async send(spec: SendSpec): Promise<string> {
    const routeKey = `${spec.method} ${spec.route}`;
    const attempts: string[] = [];
    // The 429 budget runs from the first send, after the first pacing wait (queueing behind this
    // process's own calls is not the server refusing us).
    let firstSentAt: number | undefined;
    let failures = 0;
    for (let attempt = 1; ; attempt++) {
      const release = await this.pacer.acquire(this.identity, routeKey);
      try {
        // After the pacing wait, which may be long: a call queued for an engine that is gone is dropped here.
        await (this.engine ?? engineLiveness()).beforeSend(routeKey);
      } catch (err) {
        release();
        throw err;
      }
      firstSentAt ??= this.now();
      let status: number;
      let text: string;
      let retryAfterHeader: string | undefined;
      this.counters.requests++;
      try {
        const res = await undici().request(`${this.baseUrl}${spec.path}`, {
          method: spec.method,
          dispatcher: this.dispatcher,
          headers: this.headers(spec.body !== undefined),
          body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
          headersTimeout: this.timeoutMs,
          bodyTimeout: this.timeoutMs,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
        status = res.statusCode;
        const ra = res.headers["retry-after"];
        retryAfterHeader = Array.isArray(ra) ? ra[0] : ra;
        text = await res.body.text();
      } catch (err) {
        release();
        const { code, timeout, mayHaveBeenSent } = classifyNetworkError(err);
        attempts.push(code);
        const history = { failures: ++failures, elapsedMs: this.now() - firstSentAt };
        const decision = decideRetry(spec.method, { kind: "network", mayHaveBeenSent }, history, this.policy, this.random);
        const details: ApiErrorDetails = { method: spec.method, path: spec.path, attempts };
        if (decision.action === "retry") {
          this.counters.retries++;
          this.logger.debug(`${routeKey} attempt ${attempt} failed (${code}); retrying in ${decision.delayMs} ms`);
          await this.sleep(decision.delayMs);
          continue;
        }
        if (decision.action === "unknown-outcome") {
          throw new VastOutcomeUnknownError(
            ErrorCodes.outcomeUnknown,
            details,
            `${timeout ? "no answer in time" : `connection failed (${code})`} after the request may have reached Vast; the outcome is unknown`,
            { cause: err },
          );
        }
        if (timeout) {
          throw new VastTimeoutError(
            ErrorCodes.timeout,
            details,
            `no answer within ${this.timeoutMs} ms; check VAST_URL and your network, or raise VAST_TIMEOUT_MS`,
            { cause: err },
          );
        }
        throw new VastConnectionError(
          ErrorCodes.connection,
          details,
          `cannot reach ${this.baseUrl} (${code}); check VAST_URL / vast:url and your network`,
          { cause: err },
        );
      }
      release();
      if (status >= 200 && status < 300) {
        this.logger.debug(`${routeKey} -> ${status}${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
        return text;
      }

      attempts.push(String(status));
      const body = parseErrorBody(text);
      const retryAfterMs =
        parseRetryAfterMs(retryAfterHeader) ?? (body.retryAfterSeconds !== undefined ? body.retryAfterSeconds * 1000 : undefined);
      const thresholdMs = status === 429 ? parseThresholdMs(text) : undefined;
      if (status === 429) this.counters.rateLimited++;
      else failures++;
      const history = { failures, elapsedMs: this.now() - firstSentAt };
      const decision = decideRetry(spec.method, { kind: "status", status, retryAfterMs, thresholdMs }, history, this.policy, this.random);
      if (decision.action === "retry") {
        this.counters.retries++;
        this.logger.debug(`${routeKey} -> ${status}; retrying in ${decision.delayMs} ms (attempt ${attempt})`);
        if (status === 429) {
          // Every caller of this route waits, not just this one: that is what stops a stampede.
          this.pacer.learn(this.identity, routeKey, thresholdMs, decision.delayMs);
        } else {
          await this.sleep(decision.delayMs);
        }
        continue;
      }
      const details: ApiErrorDetails = {
        method: spec.method,
        path: spec.path,
        status,
        attempts,
        ...(body.error ? { apiError: redactSecrets(body.error, [this.apiKey]) } : {}),
        ...(body.message ? { apiMessage: redactSecrets(body.message, [this.apiKey]) } : {}),
      };
      if (decision.action === "unknown-outcome") {
        throw new VastOutcomeUnknownError(
          ErrorCodes.outcomeUnknown,
          details,
          "the server failed after receiving the request; the outcome is unknown",
        );
      }
      throw errorForStatus(details, status === 429 ? { waitedMs: history.elapsedMs, budgetMs: this.policy.rateLimitBudgetMs } : undefined);
    }
  }

  private headers(hasBody: boolean): Record<string, string> {
    const h: Record<string, string> = {
      authorization: `Bearer ${this.apiKey}`,
      accept: "application/json",
      "user-agent": USER_AGENT,
    };
    if (hasBody) h["content-type"] = "application/json";
    return h;
  }
}

/** Parses a 2xx body; the problem names paths and rules only, since response values may be secrets. */
function parseBody<S extends z.ZodType>(schema: S, text: string): { ok: true; data: z.output<S> } | { ok: false; problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: "the response is not JSON" };
  }
  const result = schema.safeParse(json);
  if (result.success) return { ok: true, data: result.data };
  const where = result.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.code}`)
    .join("; ");
  return { ok: false, problem: `unexpected response shape (${where})` };
}

/** True when a 401/404 body says the credential itself is bad (docs/vast-api.md §2.3). */
export function isAuthErrorBody(apiError: string | undefined, apiMessage: string | undefined): boolean {
  return apiError === "auth_error" || /invalid user key/i.test(apiMessage ?? "") || /session expired/i.test(apiMessage ?? "");
}

/** How long a call retried 429s before giving up, for the final error's message. */
export interface RateLimitWait {
  /** Milliseconds from the first attempt to the last 429. */
  waitedMs: number;
  /** The budget in force (`VAST_RETRY_BUDGET_MS`). */
  budgetMs: number;
}

/** Maps a final non-2xx answer to the error hierarchy. Exported for unit tests. */
export function errorForStatus(d: ApiErrorDetails, wait?: RateLimitWait): VastApiError {
  const s = d.status ?? 0;
  if (s === 401 || (s === 404 && isAuthErrorBody(d.apiError, d.apiMessage))) {
    const tfa = /two factor/i.test(d.apiMessage ?? "") ? " The account may require a 2FA session." : "";
    return new VastAuthError(
      ErrorCodes.auth,
      d,
      `the API key was rejected (invalid, deleted or expired).${tfa} Check vast:apiKey / VAST_API_KEY / the vastai key file.`,
    );
  }
  if (s === 403) {
    return new VastForbiddenError(
      ErrorCodes.forbidden,
      d,
      "the API key lacks the permission for this call, or the key belongs to another user; managing keys needs user_read and user_write",
    );
  }
  if (s === 404) return new VastNotFoundError(ErrorCodes.notFound, d, "not found");
  if (s === 400)
    return new VastBadRequestError(ErrorCodes.badRequest, d, "the request was rejected; check the permission document and key params");
  if (s === 429) return new VastRateLimitError(ErrorCodes.rateLimited, d, rateLimitHint(wait));
  if (s >= 500) return new VastServerError(ErrorCodes.server, d, "Vast failed to process the request; try again later");
  return new VastApiError(ErrorCodes.unexpectedStatus, d, "unexpected status");
}

function rateLimitHint(wait: RateLimitWait | undefined): string {
  const what =
    "another program or stack is probably using this API key at the same time: raise VAST_RETRY_BUDGET_MS, deploy fewer stacks with this key at once, or give each stack its own key";
  if (!wait) return `still rate limited; ${what}`;
  if (wait.budgetMs === 0) return `rate limited, and VAST_RETRY_BUDGET_MS=0 turns off retrying 429s; ${what}`;
  const seconds = (ms: number) => `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `still rate limited after retrying for ${seconds(wait.waitedMs)}, the time VAST_RETRY_BUDGET_MS allows (${wait.budgetMs} ms); ${what}`;
}

function classifyNetworkError(err: unknown): { code: string; timeout: boolean; mayHaveBeenSent: boolean } {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } };
  const name = typeof e?.name === "string" ? e.name : "";
  const code = typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : name || "network error";
  const timeout = name === "TimeoutError" || name === "AbortError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
  return { code: timeout ? "timeout" : code, timeout, mayHaveBeenSent: !NOT_SENT.has(code) };
}
