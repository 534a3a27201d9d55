/**
 * Several stacks deployed at once with one credential, as a CI matrix does: each stack's provider
 * is a separate Node process with its own runtime (no shared pacer), against one emulator with
 * Vast's thresholds scaled by 0.1 (create 200 ms). Rate limiting must cost time, never a create,
 * for as long as VAST_RETRY_BUDGET_MS allows; past it, the error says how long it waited.
 */
import type { EmulatorProcess } from "../helpers/emulator";
import { startEmulatorProcess } from "../helpers/emulator";
import { runStacks } from "../helpers/parallel-stacks";

const CREATE = "POST /api/v0/auth/apikeys/";
const SCALED = { VAST_PACING_SCALE: "0.1" };

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
});
afterAll(async () => emu?.stop());

/** Names of the live keys the stacks made (the account's own key aside). */
async function stackKeys(userId: number): Promise<string[]> {
  return (await emu.admin.liveKeys(userId))
    .map((k) => k.name ?? "")
    .filter((n) => /^s\d+-\d+$/.test(n))
    .sort();
}

describe("parallel stacks on one account", () => {
  it("lose no create to rate limiting, even with VAST_MAX_ATTEMPTS=2: 429s are retried within the time budget", async () => {
    const r = await runStacks(emu, { stacks: 5, createsPerStack: 4, createIntervalS: 0.2, env: { ...SCALED, VAST_MAX_ATTEMPTS: "2" } });
    expect(r.failures).toEqual([]);
    // The stacks did contend: Vast refused creates, and the retries absorbed it.
    expect(r.rateLimited[CREATE]).toBeGreaterThan(0);
    const expected = Array.from({ length: 5 }, (_, s) => Array.from({ length: 4 }, (_, i) => `s${s}-${i}`)).flat();
    expect(await stackKeys(r.account.userId)).toEqual(expected.sort());
  });

  it("fail a create that runs out of VAST_RETRY_BUDGET_MS with VAST_RATE_LIMITED, saying how long it waited and what to change", async () => {
    const r = await runStacks(emu, {
      stacks: 5,
      createsPerStack: 4,
      createIntervalS: 0.2,
      env: { ...SCALED, VAST_RETRY_BUDGET_MS: "300" },
    });
    expect(r.failures.length).toBeGreaterThan(0);
    for (const f of r.failures) {
      expect(f.code).toBe("VAST_RATE_LIMITED");
      expect(f.message).toMatch(/still rate limited after retrying for \d+(\.\d)? s, the time VAST_RETRY_BUDGET_MS allows \(300 ms\)/);
      expect(f.message).toMatch(/deploy fewer stacks with this key at once, or give each stack its own key/);
    }
    // A refused create made nothing: the account holds exactly the keys that were reported made.
    expect((await stackKeys(r.account.userId)).length).toBe(20 - r.failures.length);
  });
});
