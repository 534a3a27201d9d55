/**
 * The emulator's HTTP server (Node `http`, 127.0.0.1 only): public Vast routes with faults and
 * rate limits in front of the pure handlers, plus a token-protected admin surface under
 * `/__emulator/`. Without the admin token those paths answer exactly like any unknown route,
 * so a client can never reach the admin surface by accident.
 */
import { createHash, randomBytes } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { type ApiRequest, type ApiResponse, handleApi, matchRoute } from "./api";
import { type FaultAction, FaultPlan, type FaultSpec } from "./faults";
import { type DeepPartialOptions, defaultOptions, type EmulatorOptions, mergeOptions } from "./options";
import { RateLimiter } from "./rate-limit";
import { ROUTES } from "./scopes";
import { type AccountInfo, Store } from "./store";

/** Prefix of the admin surface. */
export const ADMIN_PREFIX = "/__emulator/";
/** Header carrying the admin token. */
export const ADMIN_HEADER = "x-emulator-admin";

/** One logged public request. Never contains a key, a header or a body. */
export interface RequestLogEntry {
  /** Sequence number, from 1. */
  seq: number;
  /** Epoch milliseconds. */
  at: number;
  /** HTTP method. */
  method: string;
  /** Path without query string. */
  path: string;
  /** `"METHOD template"` or `"unmatched"`. */
  route: string;
  /** Status sent, or `"reset"` / `"dropped"`. */
  outcome: number | "reset" | "dropped";
  /** Short hash of the presented key, or `anonymous`. */
  identity: string;
  /** The fault applied, if any. */
  fault?: FaultAction["type"];
  /** Id of the key a successful create made (for reconciliation tests). */
  createdKeyId?: number;
}

/** Settings of {@link startEmulator}. */
export interface StartOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Mirror the account database to this JSON file, loading it if present. */
  stateFile?: string;
  /** Behaviour switches. */
  options?: DeepPartialOptions;
  /** Admin token; random by default. */
  adminToken?: string;
}

/** A running emulator. */
export interface EmulatorServer {
  /** `http://127.0.0.1:<port>`, usable as `VAST_URL`. */
  url: string;
  /** Token for the admin surface (header {@link ADMIN_HEADER}). */
  adminToken: string;
  /** The seeded account's full-access key. */
  seed: AccountInfo;
  /** Stops listening and drops every connection. */
  stop(): Promise<void>;
}

function identityOf(key: string | undefined, remote: string | undefined): string {
  if (!key) return `ip:${remote ?? "?"}`;
  return `key:${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
}

/** Starts the emulator on 127.0.0.1. */
export async function startEmulator(start: StartOptions = {}): Promise<EmulatorServer> {
  const initialOptions = mergeOptions(defaultOptions(), start.options);
  let options = structuredClone(initialOptions);
  const store = new Store(start.stateFile, () => Date.now() + options.clockOffsetMs);
  if (store.isEmpty) store.createAccount("owner@emulator.invalid");
  const faults = new FaultPlan();
  const limiter = new RateLimiter();
  const log: RequestLogEntry[] = [];
  let seq = 0;
  const adminToken = start.adminToken ?? randomBytes(16).toString("hex");
  const sockets = new Set<Socket>();
  const seed = () => {
    const user = store.dump().users[0];
    const key = user ? store.liveKeysOf(user.id)[0] : undefined;
    if (!user || !key) throw new Error("emulator has no seeded account");
    return { userId: user.id, keyId: key.id, apiKey: key.key };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      if (url.pathname.startsWith(ADMIN_PREFIX) && req.headers[ADMIN_HEADER] === adminToken) {
        admin(req.method ?? "GET", url, raw, res);
        return;
      }
      void publicCall(req, res, url, raw);
    });
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });

  async function publicCall(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: string) {
    const method = req.method ?? "GET";
    const auth = req.headers.authorization;
    const bearer = auth?.toLowerCase().startsWith("bearer ") ? auth.slice(7).trim() : undefined;
    const queryKey = url.searchParams.get("api_key") ?? undefined;
    const identity = identityOf(bearer || queryKey, req.socket.remoteAddress);
    const entry: RequestLogEntry = { seq: ++seq, at: Date.now(), method, path: url.pathname, route: "unmatched", outcome: 0, identity };
    log.push(entry);
    const send = (r: ApiResponse) => {
      entry.outcome = r.status;
      res.writeHead(r.status, { "content-type": "application/json", ...r.headers });
      res.end(JSON.stringify(r.json));
    };

    const route = matchRoute(method, url.pathname, options);
    if (!route) {
      send({
        status: 404,
        json: {
          success: false,
          error: "not_found",
          msg: `No route for ${method} ${url.pathname}`,
          routes: ROUTES.flatMap((r) => Object.keys(r.methods).map((m) => `${m} ${r.template}`)),
        },
      });
      return;
    }
    entry.route = route.routeKey;

    const fault = faults.take(route.routeKey);
    if (fault) entry.fault = fault.type;
    if (fault?.type === "reset") {
      entry.outcome = "reset";
      resetSocket(req.socket);
      return;
    }
    if (fault?.type === "status") {
      // An injected 429 looks exactly like Vast's own, threshold included.
      const threshold = (options.thresholds[route.routeKey] ?? 1) * options.rateLimit.scale;
      const json =
        fault.status === 429
          ? { detail: `API requests too frequent endpoint threshold=${formatSeconds(threshold)}` }
          : { success: false, error: "injected_fault", msg: `injected ${fault.status}` };
      send({ status: fault.status, json });
      return;
    }
    if (fault?.type === "delay") await new Promise((r) => setTimeout(r, fault.ms));

    const threshold = (options.thresholds[route.routeKey] ?? 0) * options.rateLimit.scale;
    if (options.rateLimit.enabled && route.methodAllowed) {
      const d = limiter.check(identity, route.routeKey, threshold, Date.now(), options.rateLimit.countRejected);
      if (!d.allowed) {
        const t = formatSeconds(d.thresholdSeconds);
        const headers: Record<string, string> = options.rateLimit.retryAfter
          ? { "retry-after": String(Math.ceil(d.retryAfterSeconds)) }
          : {};
        entry.outcome = 429;
        if (options.rateLimit.body === "text") {
          res.writeHead(429, { "content-type": "text/plain", ...headers });
          res.end(`API requests too frequent: endpoint threshold=${t}`);
        } else {
          res.writeHead(429, { "content-type": "application/json", ...headers });
          const body: Record<string, unknown> = { detail: `API requests too frequent endpoint threshold=${t}` };
          if (options.rateLimit.retryAfter) body.retry_after = d.retryAfterSeconds;
          res.end(JSON.stringify(body));
        }
        return;
      }
    }

    let body: unknown;
    let bodyInvalid = false;
    if (raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        bodyInvalid = true;
      }
    }
    const apiReq: ApiRequest = { method, path: url.pathname, bearer, queryKey, body, bodyInvalid };
    const response = handleApi(apiReq, route, store, options, { staleList: fault?.type === "stale-list" });
    if (route.routeKey === "POST /api/v0/auth/apikeys/" && response.status === 200) {
      entry.createdKeyId = (response.json as { id: number }).id;
    }
    if (fault?.type === "reset-after-commit") {
      entry.outcome = "reset";
      resetSocket(req.socket);
      return;
    }
    if (fault?.type === "garbled-after-commit") {
      send({ status: 200, json: { success: true } });
      return;
    }
    if (fault?.type === "drop-after-commit") {
      entry.outcome = "dropped";
      return; // never answer; the socket is destroyed on stop or when the client gives up
    }
    send(response);
  }

  function admin(method: string, url: URL, raw: string, res: http.ServerResponse) {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      reply(400, { error: "admin body is not JSON" });
      return;
    }
    const p = url.pathname.slice(ADMIN_PREFIX.length);
    const keyMatch = /^keys\/(\d+)$/.exec(p);
    if (p === "state" && method === "GET") return reply(200, store.dump());
    if (p === "seed" && method === "GET") return reply(200, seed());
    if (p === "accounts" && method === "POST") return reply(200, store.createAccount((body as { email?: string })?.email));
    if (keyMatch && method === "DELETE") return reply(store.deleteKey(Number(keyMatch[1])) ? 200 : 404, {});
    if (keyMatch && method === "PATCH") {
      const k = store.editKey(Number(keyMatch[1]), (body ?? {}) as Parameters<Store["editKey"]>[1]);
      return reply(k ? 200 : 404, k ?? {});
    }
    if (p === "faults" && method === "GET") return reply(200, faults.list());
    if (p === "faults" && method === "POST") {
      faults.add(Array.isArray(body) ? (body as FaultSpec[]) : [body as FaultSpec]);
      return reply(200, faults.list());
    }
    if (p === "faults" && method === "DELETE") {
      faults.clear();
      return reply(200, []);
    }
    if (p === "options" && method === "GET") return reply(200, options);
    if (p === "options" && method === "PUT") {
      options = mergeOptions(options, body as DeepPartialOptions);
      limiter.reset();
      return reply(200, options);
    }
    if (p === "requests" && method === "GET") {
      const since = Number(url.searchParams.get("since") ?? "0");
      return reply(
        200,
        log.filter((e) => e.seq > since),
      );
    }
    if (p === "requests" && method === "DELETE") {
      log.length = 0;
      return reply(200, []);
    }
    if (p === "reset" && method === "POST") {
      store.reset();
      store.createAccount("owner@emulator.invalid");
      faults.clear();
      limiter.reset();
      options = structuredClone(initialOptions);
      log.length = 0;
      return reply(200, seed());
    }
    return reply(404, { error: `unknown admin route ${method} ${url.pathname}` });
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(start.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    seed: seed(),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `2` → `2.0`, `0.02` → `0.02`: Vast prints thresholds as floats. */
function formatSeconds(s: number): string {
  const rounded = Number(s.toFixed(3));
  return Number.isInteger(rounded) ? rounded.toFixed(1) : String(rounded);
}

function resetSocket(socket: Socket): void {
  // resetAndDestroy sends a TCP RST (Node >= 18.3), which clients see as ECONNRESET.
  const s = socket as Socket & { resetAndDestroy?: () => void };
  if (typeof s.resetAndDestroy === "function") s.resetAndDestroy();
  else socket.destroy();
}

export type { EmulatorOptions };
