/**
 * Rotation without an outage on the real engine: the per-environment keys stack (prod, with
 * its autoscaler key as a RotatingVastApiKey) and the consumer stack (examples/consumer, reading
 * the key through a StackReference) share one file backend; `VAST_NOW` in the engine's
 * environment moves time. The consumer's "service" is its credential file: at every step the
 * value in it must authenticate against the emulator.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { presets } from "pulumi-vast-api-keys";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { type EngineEvent, installExample, PulumiWorkspace } from "../helpers/pulumi";

const STACK = "prod";
const DAY = 86_400_000;
// Whole minutes, so the instants in the reasons are easy to read in a failure.
const T0 = Math.floor(Date.now() / 60_000) * 60_000;
const ROTATING = "pulumi-nodejs:dynamic/vast:RotatingApiKey";

let emu: EmulatorProcess;
let account: AccountInfo;
let keys: PulumiWorkspace;
let consumer: PulumiWorkspace;
let serviceDir: string;

/** The keys stack's engine, `days` after T0. */
const keysAt = (days: number) => keys.withEnv({ VAST_NOW: new Date(T0 + days * DAY).toISOString() });

async function liveKeys() {
  return (await emu.admin.liveKeys(account.userId)).filter((k) => k.id !== account.keyId);
}

/** The value of a live key by its Vast name. */
async function keyValue(name: string): Promise<string> {
  const all = (await emu.admin.state()).keys.filter((k) => k.userId === account.userId && k.name === name);
  if (all.length !== 1 || !all[0]) throw new Error(`expected one key named ${name}, found ${all.length}`);
  return all[0].key;
}

/** What the emulator answers a key on `GET /users/current/`: 200 valid, 403 valid without user_read, 401 deleted. */
async function auth(key: string): Promise<number> {
  return (await call(emu.url, "GET", "/api/v0/users/current/", { key })).status;
}

/** The key the consumer's service holds right now. */
function serviceKey(): string {
  return fs.readFileSync(path.join(serviceDir, "vast_api_key"), "utf8");
}

/** `pulumi preview --json` of the keys stack: the autoscaler's step and the provider's reasons. */
async function previewKeys(days: number) {
  const r = await keysAt(days).run(["preview", "--json", "--stack", STACK]);
  const plan = JSON.parse(r.stdout) as {
    steps: Array<{ op: string; urn: string }>;
    changeSummary: Record<string, number>;
    diagnostics?: Array<{ message: string; urn?: string }>;
  };
  const step = plan.steps.find((s) => s.urn.includes(ROTATING));
  const said = (plan.diagnostics ?? []).map((d) => d.message).join("\n");
  return { op: step?.op, changeSummary: plan.changeSummary, said };
}

/** Ops of the rotating resource in engine events. */
function rotatingOps(events: EngineEvent[]): string[] {
  return events.flatMap((e) => (e.resOutputsEvent?.metadata.urn.includes(ROTATING) ? [e.resOutputsEvent.metadata.op] : []));
}

async function currentAutoscaler(): Promise<{ keyId: number; key: string; name: string; createdAt: string }> {
  const out = (await keys.outputs(STACK, true)).currentKeys as Record<
    string,
    { keyId: number; key: string; name: string; createdAt: string }
  >;
  if (!out.autoscaler) throw new Error("no current autoscaler key in the keys stack's outputs");
  return out.autoscaler;
}

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  keys = new PulumiWorkspace(installExample("per-environment"), { VAST_PACING_SCALE: "0.1" });
  consumer = new PulumiWorkspace(installExample("consumer"), { VAST_PACING_SCALE: "0.1" }, { shareBackendWith: keys });
  await keys.initStack(STACK, { url: emu.url, apiKey: account.apiKey });
  // prod's autoscaler, used by another stack, is declared with rotateEveryDays 30 and overlapDays 7
  // (Pulumi.prod.yaml of the example).
  serviceDir = fs.mkdtempSync(path.join(os.tmpdir(), "autoscaler-service-"));
  await consumer.run(["stack", "select", STACK, "--create"]);
  await consumer.run(["config", "set", "serviceDir", serviceDir, "--stack", STACK]);
});
afterAll(async () => emu?.stop());

describe("a rotating key and its consumer stack on the real engine", () => {
  it("1. keys up, consumer up: the service holds K1, which authenticates", async () => {
    await keysAt(0).up(STACK);
    expect((await liveKeys()).map((k) => k.name).sort()).toEqual(["prod-autoscaler-1", "prod-monitoring"]);
    const k1 = await keyValue("prod-autoscaler-1");
    expect((await keys.outputs(STACK)).currentKeys).toEqual({ autoscaler: "[secret]" });
    expect(await currentAutoscaler()).toMatchObject({ name: "prod-autoscaler-1", key: k1, createdAt: new Date(T0).toISOString() });

    await consumer.up(STACK);
    expect(serviceKey()).toBe(k1);
    expect(fs.statSync(path.join(serviceDir, "vast_api_key")).mode & 0o777).toBe(0o600);
    expect(await auth(serviceKey())).toBe(200);
    expect(await consumer.outputs(STACK)).toMatchObject({ apiKey: "[secret]", keyName: "prod-autoscaler-1" });
    await keysAt(0).run(["preview", "--expect-no-changes", "--stack", STACK]);
  });

  it("2. past rotateEveryDays: preview shows the rotation; up makes K2 current while K1 stays valid; the consumer is not broken", async () => {
    const k1 = await keyValue("prod-autoscaler-1");
    const plan = await previewKeys(31);
    expect(plan.op).toBe("update");
    expect(plan.changeSummary).toMatchObject({ update: 1, same: expect.any(Number) });
    expect(plan.changeSummary.replace ?? 0).toBe(0);
    expect(plan.said).toMatch(
      /vast: rotating key "prod-autoscaler" will rotate: current key "prod-autoscaler-1" \(id \d+\) is 31\.00 days old, rotateEveryDays is 30; "prod-autoscaler-2" becomes current; "prod-autoscaler-1" \(id \d+\) stays valid as previous until/,
    );

    expect(rotatingOps(await keysAt(31).up(STACK))).toEqual(["update"]);
    expect((await liveKeys()).map((k) => k.name).sort()).toEqual(["prod-autoscaler-1", "prod-autoscaler-2", "prod-monitoring"]);
    const current = await currentAutoscaler();
    expect(current).toMatchObject({ name: "prod-autoscaler-2", key: await keyValue("prod-autoscaler-2") });
    expect(await auth(k1)).toBe(200);
    expect(await auth(current.key)).toBe(200);
    // The consumer has not run yet: it still holds K1, which still works.
    expect(serviceKey()).toBe(k1);
    expect(await auth(serviceKey())).toBe(200);
    expect((await consumer.preview(STACK)).changeSummary).toMatchObject({ update: 1 });
  });

  it("3. consumer up switches the service to K2; no key value is in any state in plaintext", async () => {
    const k2 = await keyValue("prod-autoscaler-2");
    await consumer.up(STACK);
    expect(serviceKey()).toBe(k2);
    expect(await auth(serviceKey())).toBe(200);
    expect(await consumer.outputs(STACK)).toMatchObject({ apiKey: "[secret]", keyName: "prod-autoscaler-2" });
    expect((await consumer.outputs(STACK, true)).apiKey).toBe(k2);

    const exported = await consumer.exportState(STACK);
    const states = exported + (await keys.exportState(STACK)) + keys.rawState();
    const secrets = [account.apiKey, await keyValue("prod-autoscaler-1"), k2, await keyValue("prod-monitoring")];
    expect(secrets.filter((s) => states.includes(s)).map((s) => `…${s.slice(-4)}`)).toEqual([]);
    expect(exported).toContain("ciphertext");
  });

  it("4. past the overlap: preview shows the retirement; up deletes K1; K2 still authenticates", async () => {
    const k1 = await keyValue("prod-autoscaler-1");
    const plan = await previewKeys(38.5);
    expect(plan.op).toBe("update");
    expect(plan.said).toMatch(
      /vast: rotating key "prod-autoscaler" will retire its previous key: the overlap of previous key "prod-autoscaler-1" \(id \d+\) ended at .* \(overlapDays 7\): retiring it/,
    );
    await keysAt(38.5).up(STACK);
    expect((await liveKeys()).map((k) => k.name).sort()).toEqual(["prod-autoscaler-2", "prod-monitoring"]);
    expect(await auth(k1)).toBe(401);
    expect(await auth(serviceKey())).toBe(200);
    await keysAt(38.5).run(["preview", "--expect-no-changes", "--stack", STACK]);
  });

  it("5. a permission change rolls the same way: new rights current, the old key kept for the overlap", async () => {
    const k2 = await keyValue("prod-autoscaler-2");
    await keys.run(["config", "set", "--path", "keys.autoscaler.preset", "instanceManagementOnly", "--stack", STACK]);
    const plan = await previewKeys(39);
    expect(plan.op).toBe("update");
    expect(plan.said).toMatch(/will roll to a new key: permissions changed; "prod-autoscaler-3" becomes current; "prod-autoscaler-2"/);
    await keysAt(39).up(STACK);
    const live = await liveKeys();
    expect(Object.fromEntries(live.map((k) => [k.name, k.permissions]))).toEqual({
      "prod-autoscaler-2": presets.instanceManagementWithoutBilling(),
      "prod-autoscaler-3": presets.instanceManagementOnly(),
      "prod-monitoring": presets.readOnly(),
    });
    const k3 = await keyValue("prod-autoscaler-3");
    expect(await auth(k2)).toBe(200);
    // K3 is valid but, as declared now, without user_read.
    expect(await auth(k3)).toBe(403);
    await consumer.up(STACK);
    expect(serviceKey()).toBe(k3);
  });

  it("6. destroying both stacks leaves only the management key", async () => {
    await consumer.destroy(STACK);
    expect(fs.existsSync(path.join(serviceDir, "vast_api_key"))).toBe(false);
    await keys.destroy(STACK);
    expect(await liveKeys()).toEqual([]);
    expect((await emu.admin.liveKeys(account.userId)).map((k) => k.id)).toEqual([account.keyId]);
  });
});
