/**
 * The per-environment example on the real Pulumi engine, against the emulator: three stacks
 * (dev, staging, prod) in one Vast account, installed from the packed package like a user would.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { presets } from "pulumi-vast-api-keys";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { runProcess } from "../helpers/process";
import { installExample, opsByName, PulumiWorkspace, summaryOf } from "../helpers/pulumi";

const STACKS = ["dev", "staging", "prod"] as const;
const DECLARED: Record<string, unknown> = {
  "dev-developer": presets.instanceManagementWithBilling(),
  "staging-ci-deploy": presets.instanceManagementOnly(),
  // A RotatingVastApiKey: its keys are named <role>-<generation>.
  "prod-autoscaler-1": presets.instanceManagementWithoutBilling(),
  "prod-monitoring": presets.readOnly(),
};

let emu: EmulatorProcess;
let account: AccountInfo;
let ws: PulumiWorkspace;

async function managedKeys() {
  return (await emu.admin.liveKeys(account.userId)).filter((k) => k.id !== account.keyId);
}

async function everyKeyValueEver(): Promise<string[]> {
  const state = await emu.admin.state();
  return [account.apiKey, ...state.keys.filter((k) => k.userId === account.userId && k.id !== account.keyId).map((k) => k.key)];
}

/** Runs the `vast-api-keys` bin as installed in the example, on an exported state of `stack`. */
async function auditStack(stack: string, extra: string[]) {
  const file = path.join(ws.scratch, `${stack}-export.json`);
  fs.writeFileSync(file, await ws.exportState(stack));
  const bin = path.join(ws.dir, "node_modules", ".bin", "vast-api-keys");
  return runProcess(bin, ["audit", "--state", file, ...extra], {
    env: { ...process.env, VAST_URL: emu.url, VAST_API_KEY: account.apiKey },
  });
}

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  ws = new PulumiWorkspace(installExample("per-environment"), { VAST_PACING_SCALE: "0.1" });
  for (const stack of STACKS) await ws.initStack(stack, { url: emu.url, apiKey: account.apiKey });
});
afterAll(async () => emu?.stop());

describe("per-environment keys on the real engine", () => {
  it("up creates exactly the declared keys, with the declared permissions, values as secrets", async () => {
    for (const stack of STACKS) expect(summaryOf(await ws.up(stack))).toMatchObject({ create: expect.any(Number) });
    const keys = await managedKeys();
    expect(Object.fromEntries(keys.map((k) => [k.name, k.permissions]))).toEqual(DECLARED);

    const prod = await ws.outputs("prod");
    expect(prod.keyValues).toEqual({ autoscaler: "[secret]", monitoring: "[secret]" });
    const revealed = (await ws.outputs("prod", true)).keyValues as Record<string, string>;
    expect(revealed.autoscaler).toBe(keys.find((k) => k.name === "prod-autoscaler-1")?.key);
  });

  it("keeps every key value and the management key out of the state in plaintext", async () => {
    const secrets = await everyKeyValueEver();
    const state = ws.rawState() + (await Promise.all(STACKS.map((s) => ws.exportState(s)))).join("\n");
    for (const secret of secrets) expect(state).not.toContain(secret);
    expect(state).toContain("ciphertext");
  });

  it("preview and refresh report no changes right after up", async () => {
    for (const stack of STACKS) {
      await ws.run(["preview", "--expect-no-changes", "--stack", stack]);
      await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", stack]);
    }
  });

  it("a key deleted outside Pulumi shows up in refresh, and up recreates it with a new id and value", async () => {
    const before = (await managedKeys()).find((k) => k.name === "prod-monitoring");
    if (!before) throw new Error("prod-monitoring missing");
    await emu.admin.deleteKey(before.id);
    const audit = await auditStack("prod", ["--fail-on-drift", "--json"]);
    expect(audit.code).toBe(2);
    expect(JSON.parse(audit.stdout).missing).toEqual([
      expect.objectContaining({ id: before.id, resource: "prod-monitoring", stack: "prod" }),
    ]);
    expect(summaryOf(await ws.refresh("prod"))).toMatchObject({ delete: 1 });
    expect(opsByName(await ws.up("prod"))["prod-monitoring"]).toEqual(["create"]);
    const after = (await managedKeys()).find((k) => k.name === "prod-monitoring");
    expect(after?.id).toBeGreaterThan(before.id);
    expect(after?.key).not.toBe(before.key);
    expect(after?.permissions).toEqual(DECLARED["prod-monitoring"]);
    await ws.run(["preview", "--expect-no-changes", "--stack", "prod"]);
    const clean = await auditStack("prod", ["--fail-on-drift"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/Managed keys \(2\)[\s\S]*prod\/prod-monitoring/);
  });

  it("permissions changed outside Pulumi show up in refresh, and up replaces the key", async () => {
    const before = (await managedKeys()).find((k) => k.name === "prod-monitoring");
    if (!before) throw new Error("prod-monitoring missing");
    await emu.admin.editKey(before.id, { permissions: { api: { instance_read: {} } } });
    expect(summaryOf(await ws.refresh("prod"))).toMatchObject({ update: 1 });
    const plan = await ws.preview("prod");
    expect(plan.changeSummary).toMatchObject({ replace: 1 });
    await ws.up("prod");
    const after = (await managedKeys()).find((k) => k.name === "prod-monitoring");
    expect(after?.permissions).toEqual(DECLARED["prod-monitoring"]);
    expect((await call(emu.url, "GET", "/api/v0/users/current/", { key: before.key })).status).toBe(401);
  });

  it("changing one environment's stack config changes only that environment's keys", async () => {
    const before = new Map((await managedKeys()).map((k) => [k.name, k.id]));
    await ws.run(["config", "set", "--path", "keys.ci-deploy.preset", "instanceManagementWithoutBilling", "--stack", "staging"]);
    expect(opsByName(await ws.up("staging"))["staging-ci-deploy"]).toEqual(
      expect.arrayContaining(["create-replacement", "delete-replaced"]),
    );
    for (const stack of ["dev", "prod"]) await ws.run(["preview", "--expect-no-changes", "--stack", stack]);
    const after = new Map((await managedKeys()).map((k) => [k.name, k.id]));
    for (const name of ["dev-developer", "prod-autoscaler-1", "prod-monitoring"]) expect(after.get(name)).toBe(before.get(name));
    expect(after.get("staging-ci-deploy")).not.toBe(before.get("staging-ci-deploy"));
  });

  it("destroy leaves no key created by the stacks", async () => {
    for (const stack of STACKS) await ws.destroy(stack);
    expect(await managedKeys()).toEqual([]);
    expect((await emu.admin.liveKeys(account.userId)).map((k) => k.id)).toEqual([account.keyId]);
  });
});
