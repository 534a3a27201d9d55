/** Raw HTTP calls for tests that speak to the emulator like any client would. */
import { request } from "undici";

/** A raw response. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON, or undefined when the body is not JSON. */
  json: unknown;
}

/** Options of {@link call}. */
export interface CallOptions {
  /** Sent as `Authorization: Bearer`. */
  key?: string;
  /** Sent as the `api_key` query parameter. */
  queryKey?: string;
  /** JSON body (or a raw string). */
  body?: unknown;
  /** Headers timeout in ms. */
  timeoutMs?: number;
}

/** Sends one request and returns status, headers and body. */
export async function call(baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<RawResponse> {
  const url = new URL(path, baseUrl);
  if (opts.queryKey) url.searchParams.set("api_key", opts.queryKey);
  const res = await request(url, {
    method: method as "GET",
    headers: {
      ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
      ...(opts.body !== undefined ? { "content-type": "application/json" } : {}),
    },
    body: opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body),
    ...(opts.timeoutMs ? { headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs } : {}),
  });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text, json };
}

/** Resolves after `ms` milliseconds (to let a rate-limit interval pass, not to measure anything). */
export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Creates a key outside the provider (as the console or another tool does) with a raw POST, waiting
 * out the emulator's per-caller create pacing (429) the way a patient client would.
 */
export async function createKeyOutOfBand(baseUrl: string, apiKey: string, body: unknown): Promise<{ id: number; key: string }> {
  for (let attempt = 1; ; attempt++) {
    const res = await call(baseUrl, "POST", "/api/v0/auth/apikeys/", { key: apiKey, body });
    if (res.status === 200) return res.json as { id: number; key: string };
    if (res.status !== 429 || attempt >= 100) throw new Error(`out-of-band create failed: ${res.status} ${res.text}`);
    await pause(50);
  }
}
