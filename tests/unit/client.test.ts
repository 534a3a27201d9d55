import { MockAgent } from "undici";
import { VastClient } from "../../provider/client/client";
import { Pacer } from "../../provider/client/pacing";
import { VastAuthError, VastBadResponseError, VastOutcomeUnknownError, VastRateLimitError } from "../../provider/errors";

const ORIGIN = "https://console.vast.ai";
const API_KEY = "management-key-0123456789abcdef";

function setup(maxAttempts?: number) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(ORIGIN);
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const client = new VastClient({
    baseUrl: ORIGIN,
    apiKey: API_KEY,
    dispatcher: agent,
    pacer: new Pacer({ scale: 0, sleep }),
    random: () => 0,
    sleep,
    ...(maxAttempts ? { retry: { maxAttempts } } : {}),
  });
  return { agent, pool, client, sleeps };
}

/** A client whose pacer and 429 budget run on one fake clock that sleeping advances. */
function budgeted(retry: { maxAttempts?: number; rateLimitBudgetMs: number }) {
  const agent = new MockAgent();
  agent.disableNetConnect();
  let t = 0;
  const clock = {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
  const client = new VastClient({
    baseUrl: ORIGIN,
    apiKey: API_KEY,
    dispatcher: agent,
    pacer: new Pacer({ scale: 0, ...clock }),
    random: () => 0,
    retry,
    ...clock,
  });
  return { pool: agent.get(ORIGIN), client, clock };
}

describe("VastClient (undici MockAgent, no sockets)", () => {
  it("sends the key as a Bearer header only, with trailing slashes", async () => {
    const { pool, client } = setup();
    pool
      .intercept({ path: "/api/v0/auth/apikeys/", method: "GET", headers: { authorization: `Bearer ${API_KEY}` } })
      .reply(200, { apikeys: [] });
    await expect(client.listKeys()).resolves.toEqual([]);
  });

  it("parses list items with string or object rights and never passes on a leaked key value", async () => {
    const { pool, client } = setup();
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "GET" }).reply(200, {
      apikeys: [
        { id: 1, name: "a", rights: '{"api":{"misc":{}}}', created_at: 1_700_000_000.5, key: "leaked-value-0123456789" },
        { id: "2", name: null, rights: { api: {} } },
      ],
    });
    const keys = await client.listKeys();
    expect(keys).toEqual([
      { id: 1, name: "a", rights: { api: { misc: {} } }, keyParams: null, createdAt: "2023-11-14T22:13:20.500Z" },
      { id: 2, name: null, rights: { api: {} }, keyParams: null, createdAt: undefined },
    ]);
    expect(JSON.stringify(keys)).not.toContain("leaked-value");
  });

  it.each(["key", "api_key", "new_api_key"])("reads the new key value from %s", async (field) => {
    const { pool, client } = setup();
    pool
      .intercept({ path: "/api/v0/auth/apikeys/", method: "POST", body: (b) => JSON.parse(b).key_params === "kp" })
      .reply(200, { id: 9, [field]: "value-of-new-key-0001", permissions: { api: { misc: {} } } });
    await expect(client.createKey({ name: "n", permissions: { api: { misc: {} } }, keyParams: "kp" })).resolves.toMatchObject({
      id: 9,
      key: "value-of-new-key-0001",
      serverPermissions: { api: { misc: {} } },
    });
  });

  it("fails loudly, with the created id, when the create response has no key value", async () => {
    const { pool, client } = setup();
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "POST" }).reply(200, { id: 11, permissions: false });
    const err = await client.createKey({ name: "n", permissions: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VastBadResponseError);
    expect(err).toMatchObject({ keyId: 11, code: "VAST_BAD_RESPONSE" });
  });

  it("treats 404 'API Key not found.' on delete as already gone, but a 404 auth error as bad credentials", async () => {
    const { pool, client } = setup();
    pool.intercept({ path: "/api/v0/auth/apikeys/4/", method: "DELETE" }).reply(404, { msg: "API Key not found." });
    await expect(client.deleteKey(4)).resolves.toBe("already-gone");
    pool
      .intercept({ path: "/api/v0/auth/apikeys/4/", method: "DELETE" })
      .reply(404, { success: false, error: "auth_error", msg: "Invalid user key" });
    await expect(client.deleteKey(4)).rejects.toBeInstanceOf(VastAuthError);
  });

  it("retries 429 after the server's threshold and idempotent 503s with backoff", async () => {
    const { pool, client, sleeps } = setup();
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "GET" }).reply(503, "busy");
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "GET" }).reply(200, { apikeys: [] });
    await expect(client.listKeys()).resolves.toEqual([]);
    expect(sleeps).toEqual([500]);
    sleeps.length = 0;
    pool
      .intercept({ path: "/api/v0/auth/apikeys/", method: "POST" })
      .reply(429, { detail: "API requests too frequent endpoint threshold=2.0" });
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "POST" }).reply(200, { id: 1, key: "k-0123456789" });
    await expect(client.createKey({ name: "n", permissions: {} })).resolves.toMatchObject({ id: 1 });
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1990);
    expect(client.stats()).toMatchObject({ rateLimited: 1, retries: 2 });
  });

  it("reports an unknown outcome, without retrying, when a create fails after sending", async () => {
    const { pool, client } = setup();
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "POST" }).reply(502, "bad gateway");
    await expect(client.createKey({ name: "n", permissions: {} })).rejects.toBeInstanceOf(VastOutcomeUnknownError);
    expect(client.stats().requests).toBe(1);
  });

  it("keeps retrying 429 past VAST_MAX_ATTEMPTS while the time budget lasts", async () => {
    const { pool, client, clock } = budgeted({ maxAttempts: 3, rateLimitBudgetMs: 60_000 });
    pool
      .intercept({ path: "/api/v0/auth/apikeys/", method: "POST" })
      .reply(429, { detail: "API requests too frequent endpoint threshold=2.0" })
      .times(12);
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "POST" }).reply(200, { id: 3, key: "k-0123456789" });
    await expect(client.createKey({ name: "n", permissions: {} })).resolves.toMatchObject({ id: 3 });
    expect(client.stats()).toMatchObject({ requests: 13, rateLimited: 12 });
    // Each retry waited one threshold (no jitter drawn here) plus the pacer's margin, none longer.
    expect(clock.now()).toBe(2000 + 11 * 2040);
  });

  it("gives up on 429 when the next retry would pass the budget, saying how long it waited and what to change", async () => {
    const { pool, client } = budgeted({ rateLimitBudgetMs: 10_000 });
    pool
      .intercept({ path: "/api/v0/auth/apikeys/", method: "GET" })
      .reply(429, { detail: `too frequent for ${API_KEY} threshold=2.0` })
      .persist();
    const err = await client.listKeys().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VastRateLimitError);
    // Attempts at 0, 2, 4.04, 6.08 and 8.12 s; one more would end past 10 s.
    expect(err).toMatchObject({ code: "VAST_RATE_LIMITED", attempts: Array(5).fill("429") });
    const message = (err as Error).message;
    expect(message).toMatch(/after 5 attempts \(429 × 5\)/);
    expect(message).toMatch(/still rate limited after retrying for 8.1 s, the time VAST_RETRY_BUDGET_MS allows \(10000 ms\)/);
    expect(message).toMatch(/raise VAST_RETRY_BUDGET_MS, deploy fewer stacks with this key at once, or give each stack its own key/);
    expect(message).not.toContain(API_KEY);
  });

  it("says that retries are off when VAST_RETRY_BUDGET_MS is 0", async () => {
    const { pool, client } = budgeted({ rateLimitBudgetMs: 0 });
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "GET" }).reply(429, { detail: "threshold=1.0" });
    const err = await client.listKeys().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VAST_RATE_LIMITED" });
    expect((err as Error).message).toMatch(/VAST_RETRY_BUDGET_MS=0 turns off retrying 429s/);
    expect(client.stats().requests).toBe(1);
  });

  it("gives up on 5xx after maxAttempts with every attempt listed", async () => {
    const { pool, client } = setup(3);
    pool.intercept({ path: "/api/v0/auth/apikeys/", method: "GET" }).reply(503, "busy").times(3);
    const err = await client.listKeys().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VAST_SERVER_ERROR" });
    expect((err as Error).message).toMatch(/after 3 attempts \(503 × 3\) \[busy\]/);
  });
});
