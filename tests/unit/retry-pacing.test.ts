import { Pacer } from "../../provider/client/pacing";
import { DEFAULT_RETRY_POLICY, decideRetry, parseRetryAfterMs, parseThresholdMs } from "../../provider/client/retry";
import { readSettings } from "../../provider/settings";

const noJitter = () => 0;
/** The first failed attempt of a call, sent just now. */
const first = { failures: 1, elapsedMs: 0 };

describe("retry policy", () => {
  it.each([
    ["POST", { kind: "status", status: 429, thresholdMs: 2000 }, { action: "retry", delayMs: 2000 }],
    ["GET", { kind: "status", status: 429 }, { action: "retry", delayMs: 1000 }],
    ["GET", { kind: "status", status: 503 }, { action: "retry", delayMs: 500 }],
    ["DELETE", { kind: "status", status: 502 }, { action: "retry", delayMs: 500 }],
    ["GET", { kind: "status", status: 500 }, { action: "retry", delayMs: 500 }],
    ["GET", { kind: "status", status: 501 }, { action: "fail" }],
    ["GET", { kind: "status", status: 404 }, { action: "fail" }],
    ["POST", { kind: "status", status: 503 }, { action: "unknown-outcome" }],
    ["POST", { kind: "status", status: 500 }, { action: "unknown-outcome" }],
    ["POST", { kind: "status", status: 400 }, { action: "fail" }],
    ["POST", { kind: "network", mayHaveBeenSent: true }, { action: "unknown-outcome" }],
    ["POST", { kind: "network", mayHaveBeenSent: false }, { action: "retry", delayMs: 500 }],
    ["GET", { kind: "network", mayHaveBeenSent: true }, { action: "retry", delayMs: 500 }],
  ] as const)("%s %j -> %j", (method, outcome, expected) => {
    expect(decideRetry(method, outcome, first, DEFAULT_RETRY_POLICY, noJitter)).toEqual(expected);
  });

  it("retries 429 for as long as the time budget allows, however many attempts that takes", () => {
    const o = { kind: "status", status: 429, thresholdMs: 2000, retryAfterMs: 3000 } as const;
    // The delay is the largest hint, not growing with repeats; attempts alone never end it.
    expect(decideRetry("POST", o, { failures: 0, elapsedMs: 297_000 }, DEFAULT_RETRY_POLICY, noJitter)).toEqual({
      action: "retry",
      delayMs: 3000,
    });
    // Ten minutes by default: the retry that would end past the budget is not made.
    expect(decideRetry("POST", o, { failures: 0, elapsedMs: 597_000 }, DEFAULT_RETRY_POLICY, noJitter)).toEqual({
      action: "retry",
      delayMs: 3000,
    });
    expect(decideRetry("POST", o, { failures: 0, elapsedMs: 597_001 }, DEFAULT_RETRY_POLICY, noJitter)).toEqual({ action: "fail" });
    // VAST_RETRY_BUDGET_MS=0 turns retrying 429s off.
    expect(decideRetry("GET", o, first, { ...DEFAULT_RETRY_POLICY, rateLimitBudgetMs: 0 }, noJitter)).toEqual({ action: "fail" });
  });

  it("still bounds 5xx and connection failures by maxAttempts, with capped exponential backoff", () => {
    const o503 = { kind: "status", status: 503 } as const;
    expect(decideRetry("GET", o503, { failures: 2, elapsedMs: 0 }, DEFAULT_RETRY_POLICY, noJitter)).toEqual({
      action: "retry",
      delayMs: 1000,
    });
    expect(decideRetry("GET", o503, { failures: 6, elapsedMs: 0 }, DEFAULT_RETRY_POLICY, noJitter)).toEqual({ action: "fail" });
    expect(decideRetry("GET", { kind: "network", mayHaveBeenSent: true }, { failures: 6, elapsedMs: 0 }, DEFAULT_RETRY_POLICY)).toEqual({
      action: "fail",
    });
    expect(decideRetry("GET", o503, { failures: 20, elapsedMs: 0 }, { ...DEFAULT_RETRY_POLICY, maxAttempts: 30 }, noJitter)).toEqual({
      action: "retry",
      delayMs: DEFAULT_RETRY_POLICY.maxDelayMs,
    });
  });

  it("spreads the 429 retries of processes refused at the same moment over half a threshold (no lock step)", () => {
    // Eight processes (each its own random stream) refused by the same 2 s threshold at once.
    const streams = Array.from({ length: 8 }, (_, i) => seeded(i + 1));
    const o = { kind: "status", status: 429, thresholdMs: 2000 } as const;
    const delays = streams.map((random) => {
      const d = decideRetry("POST", o, first, DEFAULT_RETRY_POLICY, random);
      return d.action === "retry" ? d.delayMs : Number.NaN;
    });
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(2000);
      expect(d).toBeLessThan(3000);
    }
    expect(new Set(delays).size).toBe(delays.length);
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(250);
  });

  it("parses Vast's threshold (JSON and plain-text variants) and Retry-After", () => {
    expect(parseThresholdMs('{"detail": "API requests too frequent endpoint threshold=2.0"}')).toBe(2000);
    expect(parseThresholdMs("API requests too frequent: endpoint threshold=0.5")).toBe(500);
    expect(parseThresholdMs("API requests too frequent")).toBeUndefined();
    expect(parseRetryAfterMs("3")).toBe(3000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfterMs("soon")).toBeUndefined();
  });
});

/** A small deterministic random stream (an LCG), one per simulated process. */
function seeded(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe("pacer", () => {
  function fakeClock() {
    let t = 0;
    return {
      now: () => t,
      sleep: async (ms: number) => {
        t += ms;
      },
    };
  }

  it("spaces calls on one route at the interval plus margin, first come first served", async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ ...clock, safetyMarginMs: 0 });
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map(async (n) => {
        const release = await pacer.acquire("id", "GET /api/v0/auth/apikeys/");
        order.push(n);
        release();
      }),
    );
    expect(order).toEqual([1, 2, 3]);
    expect(clock.now()).toBe(2000);
    expect(pacer.stats()).toMatchObject({ waits: 2, waitedMs: 2000 });
  });

  it("keeps routes and identities independent", async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ ...clock });
    (await pacer.acquire("a", "GET /api/v0/auth/apikeys/"))();
    (await pacer.acquire("b", "GET /api/v0/auth/apikeys/"))();
    (await pacer.acquire("a", "DELETE /api/v0/auth/apikeys/{id}/"))();
    expect(clock.now()).toBe(0);
  });

  it("never lets two creates overlap, even with pacing disabled", async () => {
    const pacer = new Pacer({ scale: 0 });
    const first = await pacer.acquire("id", "POST /api/v0/auth/apikeys/");
    let secondStarted = false;
    const second = pacer.acquire("id", "POST /api/v0/auth/apikeys/").then((r) => {
      secondStarted = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(secondStarted).toBe(false);
    first();
    (await second)();
    expect(secondStarted).toBe(true);
  });

  it("learns a longer interval and a pause from a 429", async () => {
    const clock = fakeClock();
    const pacer = new Pacer({ ...clock, safetyMarginMs: 0 });
    (await pacer.acquire("id", "GET /api/v0/auth/apikeys/"))();
    pacer.learn("id", "GET /api/v0/auth/apikeys/", 5000, 7000);
    (await pacer.acquire("id", "GET /api/v0/auth/apikeys/"))();
    expect(clock.now()).toBe(7000);
    expect(pacer.intervalFor("id", "GET /api/v0/auth/apikeys/")).toBe(5000);
    pacer.learn("id", "GET /api/v0/auth/apikeys/", 10, 0);
    expect(pacer.intervalFor("id", "GET /api/v0/auth/apikeys/")).toBe(5000);
  });
});

describe("VAST_RETRY_BUDGET_MS", () => {
  it("defaults to ten minutes and accepts 0 (no 429 retries)", () => {
    expect(readSettings({}).retryBudgetMs).toBe(600_000);
    expect(readSettings({ VAST_RETRY_BUDGET_MS: "0" }).retryBudgetMs).toBe(0);
    expect(readSettings({ VAST_RETRY_BUDGET_MS: " 1800000 " }).retryBudgetMs).toBe(1_800_000);
  });

  it.each(["-1", "1.5", "ten minutes", "86400001"])("rejects %s, naming the variable and the rule", (v) => {
    expect(() => readSettings({ VAST_RETRY_BUDGET_MS: v })).toThrow(
      expect.objectContaining({
        code: "VAST_INVALID_SETTING",
        message: `VAST_RETRY_BUDGET_MS="${v}" is invalid: expected an integer between 0 and 86400000`,
      }),
    );
  });
});
