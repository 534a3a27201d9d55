/**
 * The policy pack on the real engine: the per-environment example installed from the packed
 * package, `@pulumi/policy` added with npm, and `pulumi preview|up --policy-pack` against the
 * emulator. The test writes its own stack config (one key per stack), so it does not depend on
 * which keys the committed example declares.
 */
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { enablePolicyPack, PACK_IN_PROJECT, POLICY_ENV, runWithPolicy, summarize, writeStackKeys } from "../helpers/policy-cli";
import { installExample, PulumiWorkspace } from "../helpers/pulumi";

const WITH_BILLING = { preset: "instanceManagementWithBilling", rotateAfterDays: 30 };

let emu: EmulatorProcess;
let account: AccountInfo;
let ws: PulumiWorkspace;

/** Names of every key ever created in the test's account (deleted ones included), besides its own. */
async function keysEverCreated(): Promise<Array<string | null>> {
  const state = await emu.admin.state();
  return state.keys.filter((k) => k.userId === account.userId && k.id !== account.keyId).map((k) => k.name);
}

async function createCalls(): Promise<number> {
  return (await emu.admin.requests()).filter((r) => r.route === "POST /api/v0/auth/apikeys/").length;
}

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  const dir = installExample("per-environment");
  enablePolicyPack(dir);
  writeStackKeys(dir, "prod", { payments: WITH_BILLING });
  writeStackKeys(dir, "dev", { payments: WITH_BILLING, admin: { preset: "fullAccess" } });
  ws = new PulumiWorkspace(dir, { VAST_PACING_SCALE: "0.1", ...POLICY_ENV });
  for (const stack of ["prod", "dev"]) await ws.initStack(stack, { url: emu.url, apiKey: account.apiKey });
});
afterAll(async () => emu?.stop());

describe("the policy pack on the real engine", () => {
  it("prod: preview refuses a billing_write key, naming the policy and the resource", async () => {
    const r = await ws.run(["preview", "--stack", "prod", "--policy-pack", PACK_IN_PROJECT], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/\[mandatory\]\s+no-billing-write-in\s+\(pulumi-nodejs:dynamic\/vast:ApiKey: prod-payments\)/);
    expect(r.stdout).toContain(
      'resource "prod-payments" (Vast key "prod-payments") grants billing_write, which stack "prod" does not allow',
    );
    expect(r.stdout.match(/\[mandatory\]/g)).toHaveLength(1);
    expect(r.stdout).not.toContain("pulumi-analyzer-policy-vastnode from $PATH");
    expect(await createCalls()).toBe(0);
  });

  it("prod: up is refused too, and nothing reaches Vast", async () => {
    const r = await runWithPolicy(ws, "up", "prod");
    expect(r.code).not.toBe(0);
    expect(summarize(r.violations)).toEqual(["no-billing-write-in prod-payments mandatory"]);
    expect(await keysEverCreated()).toEqual([]);
    expect(await createCalls()).toBe(0);
  });

  it("dev: the same key passes; a full-access key gets the advisory only", async () => {
    const r = await runWithPolicy(ws, "preview", "dev");
    expect(r.code).toBe(0);
    expect(summarize(r.violations)).toEqual(["no-full-access dev-admin advisory"]);
  });

  it("dev: no-full-access refuses where the config makes it mandatory, unless the key is allowed with a reason", async () => {
    const mandatory = await runWithPolicy(ws, "preview", "dev", { "no-full-access": { enforcementLevel: "mandatory" } });
    expect(mandatory.code).not.toBe(0);
    expect(summarize(mandatory.violations)).toEqual(["no-full-access dev-admin mandatory"]);
    const allowed = await runWithPolicy(ws, "preview", "dev", {
      "no-full-access": { enforcementLevel: "mandatory", allowed: { "dev-admin": "break-glass key of the on-call engineer" } },
    });
    expect(allowed.code).toBe(0);
    expect(allowed.violations).toEqual([]);
  });

  it("prod: fixing the permission document makes the preview pass", async () => {
    await ws.run(["config", "set", "--path", "keys.payments.preset", "instanceManagementWithoutBilling", "--stack", "prod"]);
    const r = await runWithPolicy(ws, "preview", "prod");
    expect(r.code).toBe(0);
    expect(r.violations).toEqual([]);
  });

  it("prod: a key without rotation is refused at preview and at up, and nothing is created", async () => {
    await ws.run(["config", "rm", "--path", "keys.payments.rotateAfterDays", "--stack", "prod"]);
    for (const command of ["preview", "up"] as const) {
      const r = await runWithPolicy(ws, command, "prod");
      expect(r.code).not.toBe(0);
      expect(summarize(r.violations)).toEqual(["rotation-required-in prod-payments mandatory"]);
      expect(r.violations[0]?.message).toContain('has no rotateAfterDays and stack "prod" requires rotation at least every 90 days');
    }
    expect(await keysEverCreated()).toEqual([]);
    expect(await createCalls()).toBe(0);
  });

  it("prod: with every rule met, up passes the pack and creates the key (so the checks above could see one)", async () => {
    await ws.run(["config", "set", "--path", "keys.payments.rotateAfterDays", "30", "--stack", "prod"]);
    const r = await runWithPolicy(ws, "up", "prod");
    expect(r.code).toBe(0);
    expect(r.violations).toEqual([]);
    expect(await keysEverCreated()).toEqual(["prod-payments"]);
    await ws.destroy("prod");
    expect(await emu.admin.liveKeys(account.userId)).toEqual([expect.objectContaining({ id: account.keyId })]);
  });
});
