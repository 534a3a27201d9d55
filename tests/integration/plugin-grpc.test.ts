/**
 * The `vast` plugin process over gRPC, driven the way the engine drives it, against the
 * emulator: provider configuration reaches the runtime (and beats the environment), secrets are
 * wrapped, `read` serves import (id only) and refresh, an unknown id fails clearly.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { PLUGIN_MAIN, PluginClient, type PluginProcess, startPluginProcess, wireSecret } from "../helpers/plugin";

const URN = "urn:pulumi:dev::proj::vast:index:ApiKey::ci-deploy";
const PERMISSIONS = { api: { instance_read: {}, instance_write: {} } };

let emu: EmulatorProcess;
let configured: AccountInfo;
let ambient: AccountInfo;
const running: Array<{ proc: PluginProcess; client: PluginClient }> = [];

/** A plugin process whose environment holds another account's key in VAST_API_KEY. */
async function plugin(): Promise<PluginClient> {
  const proc = await startPluginProcess(process.execPath, [PLUGIN_MAIN], {
    env: { ...process.env, VAST_API_KEY: ambient.apiKey, VAST_URL: emu.url },
  });
  const client = new PluginClient(proc.address);
  running.push({ proc, client });
  return client;
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
