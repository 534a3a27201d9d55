/**
 * The YAML example (`examples/yaml`) on the real engine through the `vast` provider plugin,
 * against the emulator: two stacks whose config chooses each key's permissions. Lifecycle,
 * secrets, no-change preview and refresh, a permission change as a replacement (new key first),
 * drift on refresh exactly as for the dynamic resource, destroy. Each stack also has a rotating
 * autoscaler key (`vast:index:RotatingApiKey`), rotated by moving the provider's clock (`VAST_NOW`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { managedKeysFromState } from "../../provider/audit";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { installYamlExample, requireYamlHost } from "../helpers/plugin";
import { opsByName, PulumiWorkspace, summaryOf } from "../helpers/pulumi";

const STACKS = ["dev", "prod"] as const;
const ROLES = ["deploy", "monitoring"] as const;
/** The autoscaler's permissions, written in the example's Pulumi.yaml itself. */
const AUTOSCALER_PERMISSIONS = { api: { instance_read: {}, instance_write: {} } };
const DAY = 86_400_000;

let emu: EmulatorProcess;
let account: AccountInfo;
let ws: PulumiWorkspace;
/** Keys the stacks authenticate with (not managed by them). */
const managementKeyIds = new Set<number>();

async function managedKeys() {
  return (await emu.admin.liveKeys(account.userId)).filter((k) => !managementKeyIds.has(k.id));
}

async function liveKey(name: string) {
  const keys = (await managedKeys()).filter((k) => k.name === name);
  expect(keys).toHaveLength(1);
  return keys[0] as (typeof keys)[number];
}

/** What the emulator answers a key on `GET /users/current/`: 401 once deleted, 403 valid without user_read. */
async function authStatus(key: string): Promise<number> {
  return (await call(emu.url, "GET", "/api/v0/users/current/", { key })).status;
}

/** The permission documents the stack files declare (read back through the CLI), by key name. */
async function declared(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const stack of STACKS) {
    for (const role of ROLES) {
      const r = await ws.run(["config", "get", `${role}Permissions`, "--stack", stack]);
      out[`${stack}-${role}`] = JSON.parse(r.stdout);
    }
    out[`${stack}-autoscaler-1`] = AUTOSCALER_PERMISSIONS;
  }
  return out;
}

beforeAll(async () => {
  requireYamlHost();
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  managementKeyIds.add(account.keyId);
  ws = new PulumiWorkspace(installYamlExample(), { VAST_PACING_SCALE: "0.1" });
  for (const stack of STACKS) await ws.initStack(stack, { url: emu.url, apiKey: account.apiKey });
});
afterAll(async () => emu?.stop());

describe("YAML program through the vast plugin", () => {
  it("up creates the declared keys of each stack, with the permissions its config chooses; key outputs are secret", async () => {
    for (const stack of STACKS) expect(summaryOf(await ws.up(stack))).toMatchObject({ create: 4 });
    const keys = await managedKeys();
    expect(Object.fromEntries(keys.map((k) => [k.name, k.permissions]))).toEqual(await declared());

    const prod = await ws.outputs("prod");
    expect(prod).toMatchObject({ deployKey: "[secret]", monitoringKey: "[secret]", autoscalerKey: "[secret]" });
    expect(prod.deployKeyId).toBe((await liveKey("prod-deploy")).id);
    const shown = await ws.outputs("prod", true);
    expect(shown.deployKey).toBe((await liveKey("prod-deploy")).key);
    expect(shown.autoscalerKey).toBe((await liveKey("prod-autoscaler-1")).key);
  });

  it("preview and refresh report no changes right after up", async () => {
    for (const stack of STACKS) {
      await ws.run(["preview", "--expect-no-changes", "--stack", stack]);
      await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", stack]);
    }
  });

  it("with VAST_NOW past rotateEveryDays, the rotating key previews an update with its reason, and up rotates it", async () => {
    const k1 = await liveKey("prod-autoscaler-1");
    const later = ws.withEnv({ VAST_NOW: new Date(Date.now() + 31 * DAY).toISOString() });
    const plan = JSON.parse((await later.run(["preview", "--json", "--stack", "prod"])).stdout) as {
      steps: Array<{ op: string; urn: string }>;
      changeSummary: Record<string, number>;
      diagnostics?: Array<{ message: string; urn?: string }>;
    };
    expect(plan.steps.filter((s) => s.op !== "same").map((s) => [s.op, s.urn.split("::").pop()])).toEqual([["update", "autoscaler"]]);
    // The reason is shown under the resource, as through the dynamic provider.
    const said = (plan.diagnostics ?? []).filter((d) => d.urn?.endsWith("::autoscaler")).map((d) => d.message);
    expect(said.join("\n")).toMatch(
      new RegExp(`rotating key "prod-autoscaler" will rotate: current key "prod-autoscaler-1" \\(id ${k1.id}\\) is 31\\.\\d\\d days old`),
    );

    await later.up("prod");
    const k2 = await liveKey("prod-autoscaler-2");
    expect((await ws.outputs("prod", true)).autoscalerKey).toBe(k2.key);
    // Both valid (403: authenticated, without user_read); a deleted key gets 401.
    expect([await authStatus(k2.key), await authStatus(k1.key)]).toEqual([403, 403]);
    // The audit finds both keys in the exported state, without the passphrase.
    const audited = managedKeysFromState(JSON.parse(await ws.exportState("prod")), "prod.json").filter((m) => m.resource === "autoscaler");
    expect(audited.map((m) => [m.id, m.slot])).toEqual([
      [k2.id, "current"],
      [k1.id, "previous"],
    ]);
  });

  it("pulumi import of a RotatingApiKey fails, saying to import single keys as ApiKey, and adds nothing to the state", async () => {
    const { id } = await liveKey("dev-deploy");
    const args = ["import", "vast:index:RotatingApiKey", "adopted", String(id), "--yes", "--generate-code=false", "--stack", "dev"];
    const r = await ws.run(args, { allowFailure: true });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(`cannot import vast:index:RotatingApiKey "adopted": `);
    // The id typed is never echoed (it may be a key value pasted by mistake).
    expect(r.stdout + r.stderr).not.toContain(`(id ${id})`);
    expect(r.stdout + r.stderr).toContain("pulumi import vast:index:ApiKey <name> <key id>");
    expect(await ws.exportState("dev")).not.toContain("::adopted");
  });

  it("a permission change in the stack config previews and applies as a replacement: new key first", async () => {
    const old = await liveKey("prod-monitoring");
    const file = path.join(ws.dir, "Pulumi.prod.yaml");
    const before = fs.readFileSync(file, "utf8");
    const from = "monitoringPermissions:\n    api:\n      instance_read: {}\n";
    expect(before).toContain(from);
    fs.writeFileSync(file, before.replace(from, `${from}      user_read: {}\n`));

    const plan = await ws.preview("prod");
    expect(plan.steps.find((s) => s.urn.endsWith("::monitoring"))?.op).toBe("replace");
    expect(plan.changeSummary).toMatchObject({ replace: 1 });

    const since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    expect(opsByName(await ws.up("prod")).monitoring).toEqual(expect.arrayContaining(["create-replacement", "delete-replaced"]));
    const log = await emu.admin.requests(since);
    const created = log.find((e) => e.route === "POST /api/v0/auth/apikeys/" && e.outcome === 200);
    const deleted = log.find((e) => e.route === "DELETE /api/v0/auth/apikeys/{id}/" && e.path.endsWith(`/${old.id}/`));
    expect(created && deleted && created.seq < deleted.seq).toBe(true);
    const fresh = await liveKey("prod-monitoring");
    expect(fresh.permissions).toEqual({ api: { instance_read: {}, user_read: {} } });
    expect((await call(emu.url, "GET", "/api/v0/users/current/", { key: old.key })).status).toBe(401);
    await ws.run(["preview", "--expect-no-changes", "--stack", "prod"]);
  });

  it("a key deleted outside Pulumi is dropped on refresh and recreated by up", async () => {
    const before = await liveKey("prod-deploy");
    await emu.admin.deleteKey(before.id);
    expect(summaryOf(await ws.refresh("prod"))).toMatchObject({ delete: 1 });
    expect(opsByName(await ws.up("prod")).deploy).toEqual(["create"]);
    const after = await liveKey("prod-deploy");
    expect(after.id).toBeGreaterThan(before.id);
    expect(after.permissions).toEqual(before.permissions);
    await ws.run(["preview", "--expect-no-changes", "--stack", "prod"]);
  });

  it("permissions changed outside Pulumi show up in refresh, and up replaces the key", async () => {
    const before = await liveKey("dev-deploy");
    await emu.admin.editKey(before.id, { permissions: { api: { misc: {} } } });
    expect(summaryOf(await ws.refresh("dev"))).toMatchObject({ update: 1 });
    expect((await ws.preview("dev")).changeSummary).toMatchObject({ replace: 1 });
    await ws.up("dev");
    const after = await liveKey("dev-deploy");
    expect(after.id).toBeGreaterThan(before.id);
    expect(after.permissions).toEqual(before.permissions);
    await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", "dev"]);
  });

  it("a new management key in vast:apiKey is used from the next run on, without replacing any key", async () => {
    const made = await call(emu.url, "POST", "/api/v0/auth/apikeys/", { key: account.apiKey, body: { name: "management-2" } });
    const next = made.json as { id: number; key: string };
    managementKeyIds.add(next.id);
    const before = (await managedKeys()).map((k) => k.id);
    for (const stack of STACKS) {
      await ws.run(["config", "set", "--secret", "vast:apiKey", next.key, "--stack", stack]);
      await ws.run(["preview", "--expect-no-changes", "--stack", stack]);
      // `up` records the new provider configuration, which refresh and destroy then use.
      await ws.run(["up", "--yes", "--expect-no-changes", "--stack", stack]);
    }
    // The old credential stops working: every later call must use the new one.
    await emu.admin.deleteKey(account.keyId);
    for (const stack of STACKS) {
      await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", stack]);
      await ws.run(["preview", "--expect-no-changes", "--stack", stack]);
    }
    expect((await managedKeys()).map((k) => k.id)).toEqual(before);
  });

  it("keeps every key value and the management key out of the state and the CLI output", async () => {
    const state = await emu.admin.state();
    const values = state.keys.filter((k) => k.userId === account.userId).map((k) => k.key);
    expect(values.length).toBeGreaterThanOrEqual(7);
    await ws.run(["stack", "output", "--json", "--stack", "prod"]);
    const haystack = ws.rawState() + (await Promise.all(STACKS.map((s) => ws.exportState(s)))).join("\n");
    const stored = haystack + ws.transcript.join("\n");
    expect(values.filter((v) => stored.includes(v)).map((v) => `…${v.slice(-4)}`)).toEqual([]);
    expect(haystack).toContain("ciphertext");
  });

  it("destroy leaves no key created by the stacks", async () => {
    for (const stack of STACKS) await ws.destroy(stack);
    expect(await managedKeys()).toEqual([]);
  });
});
