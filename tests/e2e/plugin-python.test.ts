/**
 * The Python example (`examples/python`) on the real engine through the `vast` provider plugin,
 * against the emulator: `pulumi_vast` installed from `sdk/python` into a fresh venv exactly as the
 * example's README says, three stacks (dev, staging, prod) whose config chooses presets.
 * Lifecycle, secrets, no-change preview and refresh, an out-of-band delete, a permission change
 * as a replacement (new key first), a bad preset name, destroy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { presets } from "pulumi-vast-api-keys";
import type { AccountInfo } from "../../emulator/store";
import { everyKeyValue, lastRequestSeq, managedKeys, replacementOrder } from "../helpers/account-keys";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { opsByName, PulumiWorkspace, summaryOf } from "../helpers/pulumi";
import { installPythonExample, requirePythonHost } from "../helpers/python";

const STACKS = ["dev", "staging", "prod"] as const;
// What the stack files declare, as the TypeScript package's presets (the Python presets must
// produce the same documents for these to match on the emulator).
const DECLARED: Record<string, unknown> = {
  "dev-developer": presets.instanceManagementWithBilling(),
  "staging-ci-deploy": presets.instanceManagementOnly(),
  "prod-autoscaler": presets.instanceManagementWithoutBilling(),
  "prod-monitoring": presets.readOnly(),
};

let emu: EmulatorProcess;
let account: AccountInfo;
let ws: PulumiWorkspace;

async function liveKey(name: string) {
  const keys = (await managedKeys(emu, account)).filter((k) => k.name === name);
  expect(keys).toHaveLength(1);
  return keys[0] as (typeof keys)[number];
}

beforeAll(async () => {
  requirePythonHost();
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  const project = await installPythonExample();
  ws = new PulumiWorkspace(project.dir, { VAST_PACING_SCALE: "0.1", ...project.env });
  for (const stack of STACKS) await ws.initStack(stack, { url: emu.url, apiKey: account.apiKey });
});
afterAll(async () => emu?.stop());

describe("Python program through the vast plugin", () => {
  it("up creates exactly the declared keys, with the permissions the stack config chooses; key outputs are secret", async () => {
    for (const stack of STACKS) expect(summaryOf(await ws.up(stack))).toMatchObject({ create: expect.any(Number) });
    const keys = await managedKeys(emu, account);
    expect(Object.fromEntries(keys.map((k) => [k.name, k.permissions]))).toEqual(DECLARED);

    const prod = await ws.outputs("prod");
    expect(prod.keyValues).toEqual({ autoscaler: "[secret]", monitoring: "[secret]" });
    expect(prod.keyIds).toEqual({ autoscaler: (await liveKey("prod-autoscaler")).id, monitoring: (await liveKey("prod-monitoring")).id });
    const revealed = (await ws.outputs("prod", true)).keyValues as Record<string, string>;
    expect(revealed.monitoring).toBe((await liveKey("prod-monitoring")).key);
  });

  it("preview and refresh report no changes right after up", async () => {
    for (const stack of STACKS) {
      await ws.run(["preview", "--expect-no-changes", "--stack", stack]);
      await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", stack]);
    }
  });

  it("a permission change in the stack config previews and applies as a replacement: new key first", async () => {
    const old = await liveKey("prod-monitoring");
    const file = path.join(ws.dir, "Pulumi.prod.yaml");
    const before = fs.readFileSync(file, "utf8");
    const from = "    monitoring:\n      preset: readOnly\n";
    expect(before).toContain(from);
    fs.writeFileSync(file, before.replace(from, "    monitoring:\n      preset: instanceManagementOnly\n"));

    const plan = await ws.preview("prod");
    expect(plan.steps.find((s) => s.urn.endsWith("::prod-monitoring"))?.op).toBe("replace");
    expect(plan.changeSummary).toMatchObject({ replace: 1 });

    const since = await lastRequestSeq(emu);
    expect(opsByName(await ws.up("prod"))["prod-monitoring"]).toEqual(expect.arrayContaining(["create-replacement", "delete-replaced"]));
    expect(await replacementOrder(emu, since, old.id)).toEqual(["create", "delete"]);
    const fresh = await liveKey("prod-monitoring");
    expect(fresh.permissions).toEqual(presets.instanceManagementOnly());
    expect((await call(emu.url, "GET", "/api/v0/users/current/", { key: old.key })).status).toBe(401);
    await ws.run(["preview", "--expect-no-changes", "--stack", "prod"]);
  });

  it("a key deleted outside Pulumi is dropped on refresh and recreated by up", async () => {
    const before = await liveKey("prod-autoscaler");
    await emu.admin.deleteKey(before.id);
    expect(summaryOf(await ws.refresh("prod"))).toMatchObject({ delete: 1 });
    expect(opsByName(await ws.up("prod"))["prod-autoscaler"]).toEqual(["create"]);
    const after = await liveKey("prod-autoscaler");
    expect(after.id).toBeGreaterThan(before.id);
    expect(after.key).not.toBe(before.key);
    expect(after.permissions).toEqual(DECLARED["prod-autoscaler"]);
    await ws.run(["preview", "--expect-no-changes", "--stack", "prod"]);
  });

  it("an unknown preset name fails the preview with the known names, before any key is made", async () => {
    const keysBefore = (await managedKeys(emu, account)).map((k) => k.id);
    await ws.run(["config", "set", "--path", "keys.ci-deploy.preset", "instanceManagement", "--stack", "staging"]);
    const r = await ws.run(["preview", "--stack", "staging"], { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(
      "keys.ci-deploy.preset: unknown permission preset 'instanceManagement'; known presets: readOnly, instanceManagementOnly",
    );
    await ws.run(["config", "set", "--path", "keys.ci-deploy.preset", "instanceManagementOnly", "--stack", "staging"]);
    await ws.run(["preview", "--expect-no-changes", "--stack", "staging"]);
    expect((await managedKeys(emu, account)).map((k) => k.id)).toEqual(keysBefore);
  });

  it("keeps every key value and the management key out of the state and the CLI output", async () => {
    const values = await everyKeyValue(emu, account);
    expect(values.length).toBeGreaterThanOrEqual(7);
    await ws.run(["stack", "output", "--json", "--stack", "prod"]);
    const stored = ws.rawState() + (await Promise.all(STACKS.map((s) => ws.exportState(s)))).join("\n");
    const printed = ws.transcript.join("\n");
    expect(values.filter((v) => stored.includes(v) || printed.includes(v)).map((v) => `…${v.slice(-4)}`)).toEqual([]);
    expect(stored).toContain("ciphertext");
  });

  it("destroy leaves no key created by the stacks", async () => {
    for (const stack of STACKS) await ws.destroy(stack);
    expect(await managedKeys(emu, account)).toEqual([]);
    expect((await emu.admin.liveKeys(account.userId)).map((k) => k.id)).toEqual([account.keyId]);
  });
});
