/**
 * Defects that lived where two features meet (issue "Trust at the seams"), each driven through
 * both doors (the dynamic provider and the plugin's provider) in the engine's call order against
 * the emulator over real HTTP: adoption × replacement, adoption × full-access keys, import ×
 * console-made keys, drift × "no permission document", config × the dynamic door, old state ×
 * another account's credential, a non-numeric id × logs, and rotation × failures.
 */
import { presets } from "pulumi-vast-api-keys";
import { revealProps } from "../../dist/provider/plugin/secrets";
import { serviceError } from "../../dist/provider/plugin/server";
import type { AccountInfo } from "../../emulator/store";
import { bothDoors, type Door, type Kind } from "../helpers/doors";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { createKeyOutOfBand } from "../helpers/http";

type Props = Record<string, unknown>;
const DAY = 86_400_000;
const PERMS = { api: { instance_read: {}, instance_write: {} } };

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());
afterEach(() => {
  delete process.env.VAST_NOW;
});

/** A fresh account the door is pointed at through stack config. */
async function account(door: Door): Promise<AccountInfo> {
  const a = await emu.newAccount();
  await door.configure({ "vast:apiKey": a.apiKey, "vast:url": emu.url });
  return a;
}

/** A key made outside Pulumi with a raw POST, as the console or another tool makes it. */
const outOfBand = (a: AccountInfo, body: Props) => createKeyOutOfBand(emu.url, a.apiKey, body);

const liveIds = async (a: AccountInfo) => (await emu.admin.liveKeys(a.userId)).map((k) => k.id);

/** The engine's `up` for one resource: check against recorded inputs, diff, then update or replace (new first). */
async function up(door: Door, kind: Kind, name: string, rec: { id: string; inputs: Props; outs: Props }, news: Props) {
  const checked = await door.check(kind, name, rec.inputs, news);
  expect(checked.failures).toEqual([]);
  const d = await door.diff(kind, name, rec.id, rec.outs, checked.inputs);
  if (d.replaces.length) {
    const made = await door.create(kind, name, checked.inputs);
    await door.delete(kind, name, rec.id, rec.outs);
    return { diff: d, rec: { id: made.id, inputs: checked.inputs, outs: made.outs } };
  }
  if (d.changes)
    return {
      diff: d,
      rec: { ...rec, inputs: checked.inputs, outs: (await door.update(kind, name, rec.id, rec.outs, checked.inputs)).outs },
    };
  return { diff: d, rec };
}

/** check → create of a new resource. */
async function create(door: Door, kind: Kind, name: string, news: Props) {
  const checked = await door.check(kind, name, {}, news);
  expect(checked.failures).toEqual([]);
  const made = await door.create(kind, name, checked.inputs);
  return { id: made.id, inputs: checked.inputs, outs: made.outs };
}

describe.each(bothDoors())("%s", (_label, door) => {
  describe("adopt × replacement", () => {
    it("rotating an adopted key (rotateAfterDays passed) creates a new key, then retires the adopted one", async () => {
      const a = await account(door);
      const existing = await outOfBand(a, { name: "prod-ci", permissions: PERMS });
      const inputs = { name: "prod-ci", permissions: PERMS, rotateAfterDays: 90, adopt: { keyId: existing.id, key: existing.key } };
      const adopted = await create(door, "ApiKey", "prod-ci", inputs);
      expect(adopted.id).toBe(String(existing.id));

      process.env.VAST_NOW = new Date(Date.now() + 91 * DAY).toISOString();
      const next = await up(door, "ApiKey", "prod-ci", adopted, inputs);
      expect(next.diff.replaces).toContain("rotateAfterDays");
      expect(next.rec.id).not.toBe(adopted.id);
      const live = await liveIds(a);
      expect(live).toContain(Number(next.rec.id));
      expect(live).not.toContain(existing.id);
      // The state names a live key, with its new value.
      expect(await door.read("ApiKey", "prod-ci", next.rec.id, next.rec.outs)).toBeDefined();
      expect(next.rec.outs.key).toEqual(expect.any(String));
      expect(next.rec.outs.key).not.toBe(existing.key);
    });

    it("a rotationTrigger change replaces an adopted key with a new one; a console key older than rotateAfterDays too", async () => {
      const a = await account(door);
      const console = await outOfBand(a, { name: "prod-deploy", permissions: PERMS });
      await emu.admin.editKey(console.id, { createdAt: Date.now() / 1000 - 200 * 86_400 });
      const inputs = { name: "prod-deploy", permissions: PERMS, rotateAfterDays: 90, rotationTrigger: "1", adopt: { keyId: console.id } };
      const adopted = await create(door, "ApiKey", "prod-deploy", inputs);
      const rotated = await up(door, "ApiKey", "prod-deploy", adopted, inputs);
      expect(rotated.diff.replaces).toContain("rotateAfterDays");
      expect(rotated.rec.id).not.toBe(adopted.id);
      const bumped = await up(door, "ApiKey", "prod-deploy", rotated.rec, { ...inputs, rotationTrigger: "2" });
      expect(bumped.diff.replaces).toContain("rotationTrigger");
      expect(bumped.rec.id).not.toBe(rotated.rec.id);
      expect(await liveIds(a)).toEqual(expect.arrayContaining([Number(bumped.rec.id)]));
      expect(await liveIds(a)).not.toEqual(expect.arrayContaining([console.id]));
    });

    it("an adopted key deleted since, then dropped by refresh, is not silently recreated: adopt names what to do", async () => {
      const a = await account(door);
      const existing = await outOfBand(a, { name: "gone", permissions: PERMS });
      await create(door, "ApiKey", "gone", { name: "gone", permissions: PERMS, adopt: { keyId: existing.id } });
      await emu.admin.deleteKey(existing.id);
      // Refresh dropped it: the engine creates it anew, with the program's inputs.
      const checked = await door.check("ApiKey", "gone", {}, { name: "gone", permissions: PERMS, adopt: { keyId: existing.id } });
      await expect(door.create("ApiKey", "gone", checked.inputs)).rejects.toMatchObject({
        code: "VAST_ADOPT_FAILED",
        message: expect.stringContaining("remove `adopt` to create a new key"),
      });
    });
  });

  describe("adopt × keys without a permission document (full access)", () => {
    it("refuses to adopt a console-made full-access key under narrower permissions, before changing anything", async () => {
      const a = await account(door);
      const console = await outOfBand(a, { name: "prod-monitoring" });
      const checked = await door.check(
        "ApiKey",
        "m",
        {},
        { name: "prod-monitoring", permissions: { api: { instance_read: {} } }, adopt: { keyId: console.id } },
      );
      await expect(door.create("ApiKey", "m", checked.inputs)).rejects.toMatchObject({
        code: "VAST_ADOPT_FAILED",
        message: expect.stringMatching(/no permission document on Vast, which is full access; declare presets\.fullAccess\(\)/),
      });
      expect(await liveIds(a)).toContain(console.id);
    });

    it("adopts it declared as full access; a later re-scope on Vast is drift", async () => {
      const a = await account(door);
      const console = await outOfBand(a, { name: "ops" });
      const inputs = { name: "ops", permissions: presets.fullAccess(), adopt: { keyId: console.id } };
      const adopted = await create(door, "ApiKey", "ops", inputs);
      expect(adopted.outs.serverRights).toBe("null");
      const same = await door.read("ApiKey", "ops", adopted.id, adopted.outs);
      expect((await door.diff("ApiKey", "ops", adopted.id, same?.outs ?? {}, inputs)).changes).toBe(false);
      await emu.admin.editKey(console.id, { permissions: { api: { billing_write: {} } } });
      const drifted = await door.read("ApiKey", "ops", adopted.id, adopted.outs);
      const d = await door.diff("ApiKey", "ops", adopted.id, drifted?.outs ?? {}, inputs);
      expect(d.replaces).toContain("permissions");
    });
  });

  describe("drift × 'no permission document'", () => {
    it("a key re-scoped to full access outside Pulumi is drift, as a narrower re-scope is", async () => {
      const a = await account(door);
      const full = await create(door, "ApiKey", "to-full", { name: "to-full", permissions: PERMS });
      const narrow = await create(door, "ApiKey", "to-billing", { name: "to-billing", permissions: PERMS });
      await emu.admin.editKey(Number(full.id), { permissions: null });
      await emu.admin.editKey(Number(narrow.id), { permissions: { api: { instance_read: {}, billing_write: {} } } });
      for (const rec of [full, narrow]) {
        const r = await door.read("ApiKey", "k", rec.id, rec.outs);
        expect((await door.diff("ApiKey", "k", rec.id, r?.outs ?? {}, rec.inputs)).replaces).toContain("permissions");
      }
      expect(a.userId).toBeGreaterThan(0);
    });

    it("a rotating key whose current key is re-scoped to full access rolls to a new key", async () => {
      await account(door);
      const rot = await create(door, "RotatingApiKey", "rot", { name: "rot", permissions: PERMS, rotateEveryDays: 30 });
      await emu.admin.editKey((rot.outs.current as { keyId: number }).keyId, { permissions: null });
      const r = await door.read("RotatingApiKey", "rot", rot.id, rot.outs);
      expect((await door.diff("RotatingApiKey", "rot", rot.id, r?.outs ?? {}, rot.inputs)).changes).toBe(true);
      const { outs: rolled } = await door.update("RotatingApiKey", "rot", rot.id, r?.outs ?? {}, rot.inputs);
      expect((rolled.current as { keyId: number }).keyId).not.toBe((rot.outs.current as { keyId: number }).keyId);
    });
  });

  describe("config × this door", () => {
    it.each([
      ["a misspelt key", { "vast:apikey": "x".repeat(64) }, "vast:apikey"],
      ["an empty vast:apiKey", { "vast:apiKey": "" }, "vast:apiKey is set but empty"],
      ["an empty vast:url", { "vast:url": "" }, "vast:url is set but empty"],
    ])("refuses %s before any API call, naming it, even with VAST_API_KEY set", async (_l, config, named) => {
      const ambient = await emu.newAccount();
      const saved = process.env.VAST_API_KEY;
      process.env.VAST_API_KEY = ambient.apiKey;
      try {
        const before = (await emu.admin.requests()).length;
        const attempt = async () => {
          await door.configure({ "vast:url": emu.url, ...config });
          const checked = await door.check("ApiKey", "k", {}, { name: "k", permissions: PERMS });
          if (checked.failures.length) throw new Error(checked.failures.map((f) => f.reason).join("; "));
          await door.create("ApiKey", "k", checked.inputs);
        };
        const err = await attempt().then(
          () => undefined,
          (e: unknown) => e as Error,
        );
        expect(err?.message).toContain(named);
        expect(err?.message).not.toContain("x".repeat(64));
        expect(await emu.admin.liveKeys(ambient.userId)).toHaveLength(1);
        expect((await emu.admin.requests()).length).toBe(before);
      } finally {
        if (saved === undefined) delete process.env.VAST_API_KEY;
        else process.env.VAST_API_KEY = saved;
      }
    });
  });

  describe("old state × another account's credential", () => {
    it("a RotatingVastApiKey from before accounts were recorded gets no account from a credential that finds none of its keys", async () => {
      const right = await account(door);
      const rot = await create(door, "RotatingApiKey", "auto", { name: "auto", permissions: PERMS, rotateEveryDays: 30 });
      const { schemaVersion: _v, accountId: _a, ...v1 } = rot.outs;
      const other = await account(door);
      const r = await door.read("RotatingApiKey", "auto", rot.id, v1);
      expect(r?.outs.accountId).toBeUndefined();
      // The right credential still works on it, and then records its account.
      await door.configure({ "vast:apiKey": right.apiKey, "vast:url": emu.url });
      const back = await door.read("RotatingApiKey", "auto", rot.id, v1);
      expect(back?.outs.accountId).toBe(right.userId);
      expect(other.userId).not.toBe(right.userId);
    });

    it("nor from an update (the in-place upgrade of its older shape) with that credential", async () => {
      // Found by the model-based test: the update took state's own record of the keys as proof.
      const right = await account(door);
      const rot = await create(door, "RotatingApiKey", "auto", { name: "auto", permissions: PERMS, rotateEveryDays: 30 });
      const { schemaVersion: _v, accountId: _a, ...v1 } = rot.outs;
      await account(door);
      expect((await door.diff("RotatingApiKey", "auto", rot.id, v1, rot.inputs)).changes).toBe(true);
      const wrong = await door.update("RotatingApiKey", "auto", rot.id, v1, rot.inputs);
      expect(wrong.outs.accountId).toBeUndefined();
      await door.configure({ "vast:apiKey": right.apiKey, "vast:url": emu.url });
      const upgraded = await door.update("RotatingApiKey", "auto", rot.id, v1, rot.inputs);
      expect(upgraded.outs.accountId).toBe(right.userId);
    });
  });

  it("never echoes a non-numeric id (a key value pasted as the id of an import)", async () => {
    const a = await account(door);
    const made = await outOfBand(a, { name: "ci", permissions: PERMS });
    const err = await door.read("ApiKey", "ci", made.key, {}).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("numeric key id");
    expect((err as Error).message).not.toContain(made.key);
  });

  describe("rotation × failures", () => {
    it("a roll whose create fails (403: rights the management key lacks) deletes nothing", async () => {
      const a = await account(door);
      const rot = await create(door, "RotatingApiKey", "r", { name: "r", permissions: PERMS, rotateEveryDays: 30 });
      process.env.VAST_NOW = new Date(Date.now() + 31 * DAY).toISOString();
      const rotated = await up(door, "RotatingApiKey", "r", rot, rot.inputs);
      // Inside the overlap of `previous`, a management key without billing rights asks for billing_write.
      const limited = await outOfBand(a, { name: "mgmt", permissions: { api: { user_read: {}, user_write: {} } } });
      await door.configure({ "vast:apiKey": limited.key, "vast:url": emu.url });
      const before = await liveIds(a);
      const news = { ...rot.inputs, permissions: { api: { billing_write: {} } } };
      const checked = await door.check("RotatingApiKey", "r", rotated.rec.inputs, news);
      await expect(door.update("RotatingApiKey", "r", rot.id, rotated.rec.outs, checked.inputs)).rejects.toMatchObject({
        code: "VAST_FORBIDDEN",
      });
      expect((await liveIds(a)).sort()).toEqual(before.sort());
    });

    it("a deletion that fails after the new key was made fails the update with outputs naming every key", async () => {
      const a = await account(door);
      const rot = await create(door, "RotatingApiKey", "d", { name: "d", permissions: PERMS, rotateEveryDays: 30, overlapDays: 1 });
      process.env.VAST_NOW = new Date(Date.now() + 31 * DAY).toISOString();
      const first = await up(door, "RotatingApiKey", "d", rot, rot.inputs);
      process.env.VAST_NOW = new Date(Date.now() + 62 * DAY).toISOString();
      // The next rotation creates key 3, then deletes key 1 (its overlap ended): that delete fails.
      await emu.admin.addFaults({ route: "DELETE /api/v0/auth/apikeys/{id}/", times: 20, action: { type: "status", status: 403 } });
      try {
        const err = (await door.update("RotatingApiKey", "d", rot.id, first.rec.outs, first.rec.inputs).catch((e: unknown) => e)) as {
          code: string;
          properties: Props;
          id: string;
        };
        expect(err.code).toBe("VAST_STEP_INCOMPLETE");
        expect(err.id).toBe(rot.id);
        const outs = revealProps(err.properties).plain;
        const tracking = outs.tracking as { retiring?: Array<{ keyId: number }> };
        const named = [
          (outs.current as { keyId: number }).keyId,
          (outs.previous as { keyId: number }).keyId,
          ...(tracking.retiring ?? []).map((r) => r.keyId),
        ];
        expect(named.sort()).toEqual((await liveIds(a)).filter((id) => id !== a.keyId).sort());
        // The plugin sends it as Pulumi's partial-failure detail.
        expect(serviceError(err).metadata?.get("grpc-status-details-bin")).toHaveLength(1);
        // Next up, the deletion goes through.
        await emu.admin.clearFaults();
        const { outs: retried } = await door.update("RotatingApiKey", "d", rot.id, outs, first.rec.inputs);
        expect((retried.tracking as { retiring?: unknown }).retiring).toBeUndefined();
        expect((await liveIds(a)).filter((id) => id !== a.keyId).sort()).toEqual(
          [(retried.current as { keyId: number }).keyId, (retried.previous as { keyId: number }).keyId].sort(),
        );
      } finally {
        await emu.admin.clearFaults();
      }
    });
  });
});

describe("import × console-made keys (plugin door)", () => {
  const [, door] = bothDoors()[1] as [string, Door];

  it.each([
    ["a full-access key (no document)", { name: "ci-deploy" }, { name: "ci-deploy", permissions: presets.fullAccess() }],
    ["a key without a name", { permissions: PERMS }, { name: "", permissions: PERMS }],
  ])("%s: the imported inputs pass check, and the declaration the docs give previews with no changes", async (_l, body, declared) => {
    const a = await account(door);
    const made = await outOfBand(a, body);
    const imported = await door.read("ApiKey", "ci-deploy", String(made.id), {});
    expect(imported).toBeDefined();
    const own = await door.check("ApiKey", "ci-deploy", {}, imported?.inputs ?? {});
    expect(own.failures).toEqual([]);
    const checked = await door.check("ApiKey", "ci-deploy", imported?.inputs ?? {}, declared);
    expect(checked.failures).toEqual([]);
    expect(await door.diff("ApiKey", "ci-deploy", String(made.id), imported?.outs ?? {}, checked.inputs)).toMatchObject({
      changes: false,
      replaces: [],
    });
  });

  it("rights listed in another form than the create body: declared as created, no changes", async () => {
    await emu.admin.setOptions({ rightsAs: "categories-string" });
    try {
      const a = await account(door);
      const made = await outOfBand(a, { name: "ci-deploy", permissions: PERMS });
      const imported = await door.read("ApiKey", "ci-deploy", String(made.id), {});
      expect((await door.check("ApiKey", "ci-deploy", {}, imported?.inputs ?? {})).failures).toEqual([]);
      const checked = await door.check("ApiKey", "ci-deploy", imported?.inputs ?? {}, { name: "ci-deploy", permissions: PERMS });
      expect((await door.diff("ApiKey", "ci-deploy", String(made.id), imported?.outs ?? {}, checked.inputs)).changes).toBe(false);
    } finally {
      await emu.admin.setOptions({ rightsAs: "string" });
    }
  });
});
