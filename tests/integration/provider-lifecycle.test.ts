/**
 * The full lifecycle driven through `vastApiKeyProvider` (the shim, which requires the compiled
 * runtime by package name) against the emulator process over real HTTP.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { vastApiKeyProvider as provider } from "pulumi-vast-api-keys";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { checkAndCreate, stackConfig, useAccount } from "../helpers/provider";

const MISC = { api: { misc: {}, instance_read: {} } };

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());

async function account() {
  const a = await emu.newAccount();
  await useAccount(provider, emu.url, a.apiKey);
  return a;
}

describe("VastApiKey lifecycle through the provider", () => {
  it("creates, reads, diffs, updates in place and deletes a key", async () => {
    const a = await account();
    const inputs = { name: "ci-deploy", permissions: MISC, keyParams: "kp", rotateAfterDays: 90 };
    const created = await checkAndCreate(provider, inputs);
    const outs = created.outs as Record<string, unknown>;
    expect(outs).toMatchObject({ ...inputs, keyId: Number(created.id), accountId: a.userId, schemaVersion: 2 });
    expect(outs.key).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(outs.createdAt as string)).toBeGreaterThan(Date.now() - 60_000);
    const live = await emu.admin.liveKeys(a.userId);
    expect(live.find((k) => k.id === Number(created.id))).toMatchObject({
      name: "ci-deploy",
      permissions: MISC,
      keyParams: "kp",
      key: outs.key,
    });

    const read = await provider.read?.(created.id, outs);
    expect(read).toMatchObject({ id: created.id, props: { key: outs.key, name: "ci-deploy" }, inputs: inputs });
    const reordered = { ...inputs, permissions: { api: { instance_read: {}, misc: {} } } };
    expect(await provider.diff?.(created.id, read?.props, reordered)).toEqual({ changes: false, replaces: [] });
    expect(await provider.diff?.(created.id, outs, { ...inputs, permissions: { api: { misc: {} } } })).toMatchObject({
      changes: true,
      replaces: ["permissions"],
    });

    const updated = await provider.update?.(created.id, outs, { ...inputs, rotateAfterDays: 30, __provider: "new code" });
    expect(updated?.outs).toMatchObject({ key: outs.key, keyId: outs.keyId, rotateAfterDays: 30 });

    await provider.delete?.(created.id, outs);
    expect((await emu.admin.liveKeys(a.userId)).some((k) => k.id === Number(created.id))).toBe(false);
    expect((await call(emu.url, "GET", "/api/v0/auth/apikeys/", { key: outs.key as string })).status).toBe(401);
    expect(await provider.read?.(created.id, outs)).toEqual({});
    await expect(provider.delete?.(created.id, outs)).resolves.toBeUndefined();
  });

  it("reports drift: permissions edited and key renamed outside Pulumi", async () => {
    await account();
    const inputs = { name: "drifty", permissions: MISC };
    const created = await checkAndCreate(provider, inputs);
    await emu.admin.editKey(Number(created.id), { permissions: { api: { misc: {} } } });
    const refreshed = await provider.read?.(created.id, created.outs);
    expect(refreshed?.inputs).toMatchObject(inputs);
    expect(await provider.diff?.(created.id, refreshed?.props, refreshed?.inputs ?? {})).toMatchObject({ replaces: ["permissions"] });

    await emu.admin.editKey(Number(created.id), { name: "renamed" });
    const again = await provider.read?.(created.id, refreshed?.props);
    expect(again?.props).toMatchObject({ name: "renamed" });
    expect((await provider.diff?.(created.id, again?.props, inputs))?.replaces).toEqual(expect.arrayContaining(["name", "permissions"]));
  });

  it("returns no id for a key deleted outside Pulumi", async () => {
    const a = await account();
    const created = await checkAndCreate(provider, { name: "gone", permissions: MISC });
    await emu.admin.deleteKey(Number(created.id));
    expect(await provider.read?.(created.id, created.outs)).toEqual({});
    expect((await emu.admin.liveKeys(a.userId)).map((k) => k.id)).not.toContain(Number(created.id));
  });

  it("reads an unmanaged key by id (VastApiKey.get): server view, no key value", async () => {
    const a = await account();
    const made = await call(emu.url, "POST", "/api/v0/auth/apikeys/", { key: a.apiKey, body: { name: "console-made", permissions: MISC } });
    const id = String((made.json as { id: number }).id);
    const read = await provider.read?.(id, {});
    expect(read?.props).toMatchObject({ name: "console-made", permissions: MISC, keyId: Number(id) });
    expect(read?.props).not.toHaveProperty("key");
  });

  it("refuses to delete the key the provider authenticates with", async () => {
    const a = await account();
    await expect(provider.delete?.(String(a.keyId), {})).rejects.toMatchObject({ code: "VAST_REFUSED_SELF_DELETE" });
    expect((await emu.admin.liveKeys(a.userId)).map((k) => k.id)).toContain(a.keyId);
  });

  it("treats a 404 auth error as bad credentials, never as 'key gone'", async () => {
    const a = await account();
    const created = await checkAndCreate(provider, { name: "k", permissions: MISC });
    await emu.admin.setOptions({ badKeyStatus: 404 });
    try {
      await emu.admin.deleteKey(a.keyId);
      const err = await provider.read?.(created.id, created.outs).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "VAST_AUTH_FAILED" });
      expect((err as Error).message).not.toContain(a.apiKey);
    } finally {
      await emu.admin.setOptions({ badKeyStatus: 401 });
    }
  });

  it.each([
    [{ rightsAs: "object" as const }],
    [{ createKeyField: "api_key" as const }],
    [{ createKeyField: "new_api_key" as const, createPermissionsFalse: true }],
  ])("works with the API variant %j without false drift", async (variant) => {
    await account();
    await emu.admin.setOptions(variant);
    try {
      const created = await checkAndCreate(provider, { name: "variant", permissions: MISC });
      expect((created.outs as { key: string }).key).toMatch(/^[0-9a-f]{64}$/);
      const first = await provider.read?.(created.id, created.outs);
      const second = await provider.read?.(created.id, first?.props);
      expect(await provider.diff?.(created.id, second?.props, { name: "variant", permissions: MISC })).toEqual({
        changes: false,
        replaces: [],
      });
    } finally {
      await emu.admin.setOptions({ rightsAs: "string", createKeyField: "key", createPermissionsFalse: false });
    }
  });

  it("rejects bad inputs in check with the property path, before any API call", async () => {
    const a = await account();
    const before = (await emu.admin.requests()).length;
    const result = await provider.check?.(
      {},
      { name: "x", permissions: { api: { misc: { "api.a.b": { constraints: { id: { in: [1] } } } } } } },
    );
    expect(result?.failures).toEqual([
      { property: "permissions.api.misc.api.a.b.constraints.id", reason: 'unknown operator "in"; allowed: eq, lte, gte' },
    ]);
    await expect(provider.create({ name: "a\nb", permissions: MISC })).rejects.toMatchObject({ code: "VAST_INVALID_INPUT" });
    const after = await emu.admin.requests();
    expect(after.slice(before).filter((e) => e.identity !== "anonymous")).toHaveLength(0);
    expect((await emu.admin.liveKeys(a.userId)).length).toBe(1);
  });

  it("names every credential source when none is configured", async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), "no-creds-"));
    const saved = { HOME: process.env.HOME, VAST_API_KEY: process.env.VAST_API_KEY, XDG: process.env.XDG_CONFIG_HOME };
    process.env.HOME = home;
    delete process.env.VAST_API_KEY;
    delete process.env.XDG_CONFIG_HOME;
    try {
      await provider.configure?.(stackConfig({}));
      await expect(provider.create({ name: "x", permissions: MISC })).rejects.toMatchObject({
        code: "VAST_MISSING_CREDENTIALS",
        message: expect.stringMatching(/vast:apiKey.*VAST_API_KEY.*vast_api_key.*\.vast_api_key/s),
      });
    } finally {
      process.env.HOME = saved.HOME;
      if (saved.VAST_API_KEY !== undefined) process.env.VAST_API_KEY = saved.VAST_API_KEY;
      if (saved.XDG !== undefined) process.env.XDG_CONFIG_HOME = saved.XDG;
    }
  });

  it("refuses plain http to a non-loopback vast:url before sending anything", async () => {
    await provider.configure?.(stackConfig({ "vast:apiKey": "k", "vast:url": "http://vast.example.com" }));
    await expect(provider.create({ name: "x", permissions: MISC })).rejects.toMatchObject({ code: "VAST_INVALID_URL" });
  });
});
