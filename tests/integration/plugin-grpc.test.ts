/**
 * The `vast` plugin process over gRPC, driven the way the engine drives it, against the
 * emulator: provider configuration reaches the runtime (and beats the environment), secrets are
 * wrapped, `read` serves import (id only) and refresh, an unknown id fails clearly; a rotating
 * key rotates when `VAST_NOW` (the plugin process's clock, as the engine passes its environment
 * on) says it is due, with the reason on stderr, and refuses import.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { PLUGIN_MAIN, PluginClient, type PluginProcess, startPluginProcess, wireSecret } from "../helpers/plugin";

const URN = "urn:pulumi:dev::proj::vast:index:ApiKey::ci-deploy";
const PERMISSIONS = { api: { instance_read: {}, instance_write: {} } };

let emu: EmulatorProcess;
let configured: AccountInfo;
let ambient: AccountInfo;
const running: Array<{ proc: PluginProcess; client: PluginClient }> = [];

/** A plugin process whose environment holds another account's key in VAST_API_KEY (and `env`). */
async function pluginProcess(env: Record<string, string> = {}): Promise<{ proc: PluginProcess; client: PluginClient }> {
  const proc = await startPluginProcess(process.execPath, [PLUGIN_MAIN], {
    env: { ...process.env, VAST_API_KEY: ambient.apiKey, VAST_URL: emu.url, ...env },
  });
  const started = { proc, client: new PluginClient(proc.address) };
  running.push(started);
  return started;
}

async function plugin(): Promise<PluginClient> {
  return (await pluginProcess()).client;
}

async function liveIds(account: AccountInfo): Promise<number[]> {
  return (await emu.admin.liveKeys(account.userId)).map((k) => k.id).filter((id) => id !== account.keyId);
}

beforeAll(async () => {
  emu = await startEmulatorProcess();
  configured = await emu.newAccount();
  ambient = await emu.newAccount();
});
afterAll(async () => {
  for (const { proc, client } of running) {
    client.close();
    await proc.stop();
  }
  await emu?.stop();
});

describe("the vast plugin over gRPC", () => {
  let client: PluginClient;
  let created: { id: string; outs: Record<string, unknown> };

  beforeAll(async () => {
    client = await plugin();
  });

  it("reports the package version and serves the committed schema", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(await client.version()).toBe(pkg.version);
    expect(await client.schema()).toBe(fs.readFileSync(path.join(ROOT, "schema.json"), "utf8"));
  });

  it("refuses a misspelt config key in CheckConfig and in Configure instead of ignoring it", async () => {
    expect(await client.checkConfig({ apikey: "x" })).toEqual([
      { property: "apikey", reason: expect.stringContaining("unknown configuration key vast:apikey") },
    ]);
    await expect(client.configure({ apikey: "x" })).rejects.toThrow(
      /invalid vast provider configuration: unknown configuration key vast:apikey/,
    );
  });

  it("uses the configured key (a secret) rather than VAST_API_KEY, and returns the key value as a secret", async () => {
    const resp = await client.configure({ apiKey: wireSecret(configured.apiKey), url: emu.url, version: "0.1.0" });
    expect(resp.getAcceptsecrets()).toBe(true);
    const checked = await client.check(URN, { permissions: PERMISSIONS });
    expect(checked.failures).toEqual([]);
    created = await client.create(URN, checked.inputs ?? {});
    const live = await emu.admin.liveKeys(configured.userId);
    const key = live.find((k) => String(k.id) === created.id);
    expect(key?.name).toBe("ci-deploy");
    expect(created.outs.key).toEqual(wireSecret(key?.key));
    expect(created.outs.keyId).toBe(Number(created.id));
    expect(await liveIds(ambient)).toEqual([]);
  });

  it("imports by id alone: id, outputs and inputs that check accepts, no key value", async () => {
    const read = await client.read(created.id, "urn:pulumi:dev::proj::vast:index:ApiKey::imported");
    expect(read.id).toBe(created.id);
    expect(read.props).toMatchObject({ keyId: Number(created.id), name: "ci-deploy", permissions: PERMISSIONS });
    expect(read.props).not.toHaveProperty("key");
    expect(read.inputs).toEqual({ name: "ci-deploy", permissions: PERMISSIONS });
    expect((await client.check(URN, read.inputs ?? {})).failures).toEqual([]);
  });

  it("fails an import of an id the account does not have, naming it", async () => {
    await expect(client.read("999999", "urn:pulumi:dev::proj::vast:index:ApiKey::ghost")).rejects.toThrow(
      /cannot import vast:index:ApiKey "ghost": no Vast API key with id 999999 .*\[VAST_NOT_FOUND\]/,
    );
  });

  it("on refresh keeps the key value secret, and reports a key deleted out of band as gone", async () => {
    const refreshed = await client.read(created.id, URN, created.outs);
    expect(refreshed.props?.key).toEqual(created.outs.key);
    await emu.admin.deleteKey(Number(created.id));
    const gone = await client.read(created.id, URN, created.outs);
    expect(gone).toEqual({ id: "", props: undefined, inputs: undefined });
  });

  it("deletes keys", async () => {
    const another = await client.create(URN, { name: "second", permissions: PERMISSIONS });
    await client.delete(another.id, URN, another.outs);
    expect(await liveIds(configured)).toEqual([]);
  });
});

it("without vast:apiKey in the config, falls back to VAST_API_KEY as the dynamic resource does", async () => {
  const client = await plugin();
  await client.configure({ version: "0.1.0" });
  const created = await client.create(URN, { name: "from-env", permissions: PERMISSIONS });
  expect(await liveIds(ambient)).toEqual([Number(created.id)]);
  await client.delete(created.id, URN, created.outs);
  expect(await liveIds(ambient)).toEqual([]);
});

describe("vast:index:RotatingApiKey over gRPC", () => {
  const ROTATING_URN = "urn:pulumi:prod::proj::vast:index:RotatingApiKey::autoscaler";
  const T0 = Date.parse("2031-01-01T00:00:00Z");
  const DAY = 86_400_000;
  /** A plugin process whose clock (`VAST_NOW`) is `days` after T0, configured with the configured account. */
  async function rotatingPlugin(days: number) {
    const started = await pluginProcess({ VAST_NOW: new Date(T0 + days * DAY).toISOString() });
    await started.client.configure({ apiKey: wireSecret(configured.apiKey), url: emu.url, version: "0.1.0" });
    return started;
  }
  const authStatus = async (key: string) => (await call(emu.url, "GET", "/api/v0/users/current/", { key })).status;
  const unwrap = (v: unknown) => (v as { value: { keyId: number; key: string; name: string; createdAt: string } }).value;

  let inputs: Record<string, unknown>;
  let created: { id: string; outs: Record<string, unknown> };
  let rotated: Record<string, unknown>;

  it("creates <name>-1 as current (name defaulting to the resource name), with current secret as a whole", async () => {
    const { client } = await rotatingPlugin(0);
    const checked = await client.check(ROTATING_URN, { permissions: { api: { user_read: {} } }, rotateEveryDays: 30, overlapDays: 7 });
    expect(checked.failures).toEqual([]);
    inputs = checked.inputs ?? {};
    expect(inputs).toMatchObject({ name: "autoscaler", rotateEveryDays: 30, overlapDays: 7 });
    created = await client.create(ROTATING_URN, inputs);
    expect(created.id).toMatch(/^[0-9a-f-]{36}$/);
    const live = await emu.admin.liveKeys(configured.userId);
    const k1 = live.find((k) => k.name === "autoscaler-1");
    expect(created.outs.current).toEqual(
      wireSecret({ keyId: k1?.id, key: k1?.key, createdAt: new Date(T0).toISOString(), name: "autoscaler-1" }),
    );
    // Key ids stay readable without decryption (audit reads them here).
    expect(created.outs.tracking).toMatchObject({ current: { keyId: k1?.id } });
    expect(created.outs).not.toHaveProperty("previous");
    expect(await client.diff(created.id, ROTATING_URN, created.outs, inputs)).toEqual({
      changes: "none",
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  it("with VAST_NOW past rotateEveryDays, diff is an in-place update with the reason on stderr, and update rotates", async () => {
    const { proc, client } = await rotatingPlugin(31);
    const k1 = unwrap(created.outs.current);
    expect(await client.diff(created.id, ROTATING_URN, created.outs, inputs)).toEqual({
      changes: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(proc.stderr()).toContain(
      `vast: rotating key "autoscaler" will rotate: current key "autoscaler-1" (id ${k1.keyId}) is 31.00 days old, rotateEveryDays is 30`,
    );
    rotated = await client.update(created.id, ROTATING_URN, created.outs, inputs);
    const k2 = unwrap(rotated.current);
    expect(k2).toMatchObject({ name: "autoscaler-2", createdAt: new Date(T0 + 31 * DAY).toISOString() });
    expect(rotated.previous).toEqual(created.outs.current);
    expect(rotated).toMatchObject({
      rotatedAt: new Date(T0 + 31 * DAY).toISOString(),
      retiresPreviousAt: new Date(T0 + 38 * DAY).toISOString(),
      tracking: { current: { keyId: k2.keyId }, previous: { keyId: k1.keyId } },
    });
    expect([await authStatus(k2.key), await authStatus(k1.key)]).toEqual([200, 200]);
    expect(proc.stderr()).not.toContain(k1.key);
    expect(proc.stderr()).not.toContain(k2.key);
  });

  it("refreshes with both keys still secret, and refuses import by id, pointing at ApiKey", async () => {
    const { client } = await rotatingPlugin(31);
    const refreshed = await client.read(created.id, ROTATING_URN, rotated);
    expect(refreshed.id).toBe(created.id);
    expect(refreshed.props).toEqual(rotated);
    await expect(client.read(created.id, ROTATING_URN)).rejects.toThrow(
      /cannot import vast:index:RotatingApiKey "autoscaler": .*pulumi import vast:index:ApiKey <name> <key id>/,
    );
  });

  it("deletes both keys, in the configured account only", async () => {
    const { client } = await rotatingPlugin(31);
    await client.delete(created.id, ROTATING_URN, rotated);
    expect(await liveIds(configured)).toEqual([]);
    expect(await authStatus(unwrap(rotated.previous).key)).toBe(401);
    expect(await liveIds(ambient)).toEqual([]);
  });
});
