/**
 * `RotatingVastApiKey` through `rotatingVastApiKeyProvider` (the shim, which requires the
 * compiled `pulumi-vast-api-keys/rotating` by package name) against the emulator process over
 * real HTTP, with time moved by `VAST_NOW`. Each test drives one resource the way the engine
 * does (check → diff → update when diff reports changes; read for refresh) and checks the keys
 * on the emulator, which keys authenticate, and the order of the API calls.
 */
import { rotatingVastApiKeyProvider as provider, vastApiKeyProvider } from "pulumi-vast-api-keys";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { checkAndCreate, useAccount } from "../helpers/provider";

const DAY = 86_400_000;
const T0 = Date.parse("2031-03-01T00:00:00Z");
const MISC = { api: { misc: {}, user_read: {} } };
const READ_ONLY = { api: { user_read: {}, instance_read: {} } };
const POST = "POST /api/v0/auth/apikeys/";
const DELETE = "DELETE /api/v0/auth/apikeys/{id}/";

interface Key {
  keyId: number;
  key: string;
  name: string;
  createdAt: string;
}

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());
afterEach(async () => {
  delete process.env.VAST_NOW;
  await emu.admin.clearFaults();
});

/** Sets the provider's clock to `days` after T0. */
function at(days: number): void {
  process.env.VAST_NOW = new Date(T0 + days * DAY).toISOString();
}

/** One resource as the engine keeps it: id, outputs, and what the last diff printed. */
class Rotating {
  id = "";
  outs: Record<string, unknown> = {};
  said: string[] = [];
  constructor(
    readonly account: AccountInfo,
    public inputs: Record<string, unknown>,
  ) {}

  static async create(account: AccountInfo, inputs: Record<string, unknown>): Promise<Rotating> {
    await useAccount(provider, emu.url, account.apiKey);
    const r = new Rotating(account, inputs);
    const created = await checkAndCreate(provider, inputs);
    r.id = created.id;
    r.outs = created.outs as Record<string, unknown>;
    return r;
  }

  /** `pulumi up` for this resource: check, diff (reasons captured), update when needed. */
  async up(inputs: Record<string, unknown> = this.inputs): Promise<boolean> {
    this.inputs = inputs;
    const checked = await provider.check?.(this.inputs, inputs);
    if (checked?.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
    const news = checked?.inputs ?? inputs;
    const d = await this.diff(news);
    if (!d.changes) return false;
    expect(d.replaces).toEqual([]);
    const updated = await provider.update?.(this.id, this.outs, news);
    this.outs = updated?.outs as Record<string, unknown>;
    return true;
  }

  async diff(news: Record<string, unknown>) {
    const lines: string[] = [];
    const spy = jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      const d = (await provider.diff?.(this.id, this.outs, news)) ?? {};
      this.said = lines.filter((l) => l.startsWith("vast: "));
      return d;
    } finally {
      spy.mockRestore();
    }
  }

  /** `pulumi refresh`: returns whether the engine would report a change. */
  async refresh(): Promise<boolean> {
    const read = await provider.read?.(this.id, this.outs);
    expect(read?.id).toBe(this.id);
    this.outs = read?.props as Record<string, unknown>;
    return (await this.diff((await provider.check?.(this.inputs, this.inputs))?.inputs ?? this.inputs)).changes === true;
  }

  get current(): Key {
    return this.outs.current as Key;
  }
  get previous(): Key | undefined {
    return this.outs.previous as Key | undefined;
  }

  /** Names of this account's live keys other than the management key. */
  async live(): Promise<string[]> {
    return (await emu.admin.liveKeys(this.account.userId))
      .filter((k) => k.id !== this.account.keyId)
      .map((k) => k.name ?? "")
      .sort();
  }
}

/** The status a key value gets from `GET /users/current/` (200: valid; 401: deleted). */
async function authStatus(k: Key | undefined): Promise<number> {
  if (!k) throw new Error("no key");
  return (await call(emu.url, "GET", "/api/v0/users/current/", { key: k.key })).status;
}

async function apiCallsSince(seq: number) {
  return (await emu.admin.requests(seq)).filter((e) => e.route === POST || e.route === DELETE).map((e) => e.route.split(" ")[0]);
}

const lastSeq = async () => (await emu.admin.requests()).at(-1)?.seq ?? 0;

async function fresh(inputs: Record<string, unknown> = {}) {
  at(0);
  return Rotating.create(await emu.newAccount(), { name: "scaler", permissions: MISC, rotateEveryDays: 30, overlapDays: 7, ...inputs });
}

describe("RotatingVastApiKey lifecycle through the provider", () => {
  it("creates <name>-1 as current with a working secret value; a fresh key needs nothing", async () => {
    const r = await fresh({ overlapDays: undefined });
    expect(r.outs).toMatchObject({
      name: "scaler",
      rotateEveryDays: 30,
      overlapDays: 7.5,
      generation: 1,
      schemaVersion: 3,
      accountId: r.account.userId,
    });
    expect(r.current).toMatchObject({
      name: "scaler-1",
      createdAt: new Date(T0).toISOString(),
      key: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(r.outs).not.toHaveProperty("previous");
    expect(await r.live()).toEqual(["scaler-1"]);
    expect(await authStatus(r.current)).toBe(200);
    at(29);
    expect(await r.up()).toBe(false);
    expect(r.said).toEqual([]);
  });

  it("due: rotates (K2 current, K1 previous and still valid); past the overlap: retires K1; destroy deletes both", async () => {
    const r = await fresh();
    const k1 = r.current;
    at(31);
    const seq = await lastSeq();
    expect(await r.up()).toBe(true);
    expect(r.said).toEqual([
      expect.stringMatching(
        /^vast: rotating key "scaler" will rotate: current key "scaler-1" \(id \d+\) is 31\.00 days old, rotateEveryDays is 30; "scaler-2" becomes current; "scaler-1" \(id \d+\) stays valid as previous until 2031-04-08T00:00:00\.000Z \(overlapDays 7\)\n$/,
      ),
    ]);
    expect(await apiCallsSince(seq)).toEqual(["POST"]);
    expect(r.current.name).toBe("scaler-2");
    expect(r.previous).toEqual(k1);
    expect(r.outs).toMatchObject({ rotatedAt: "2031-04-01T00:00:00.000Z", retiresPreviousAt: "2031-04-08T00:00:00.000Z" });
    expect(await r.live()).toEqual(["scaler-1", "scaler-2"]);
    expect([await authStatus(k1), await authStatus(r.current)]).toEqual([200, 200]);

    at(37);
    expect(await r.up()).toBe(false);
    at(38);
    expect(await r.up()).toBe(true);
    expect(r.said[0]).toMatch(
      /will retire its previous key: the overlap of previous key "scaler-1" \(id \d+\) ended at 2031-04-08T00:00:00\.000Z/,
    );
    expect(await r.live()).toEqual(["scaler-2"]);
    expect(await authStatus(k1)).toBe(401);
    expect(await authStatus(r.current)).toBe(200);
    expect(r.outs).not.toHaveProperty("previous");
    expect(r.outs).not.toHaveProperty("retiresPreviousAt");

    at(61);
    await r.up();
    expect(await r.live()).toEqual(["scaler-2", "scaler-3"]);
    await provider.delete?.(r.id, r.outs);
    expect(await r.live()).toEqual([]);
    await expect(provider.delete?.(r.id, r.outs)).resolves.toBeUndefined();
  });

  it("overdue by several periods: one rotation, one new key", async () => {
    const r = await fresh();
    at(100);
    const seq = await lastSeq();
    await r.up();
    expect(r.said[0]).toContain("(2 periods overdue; one rotation catches up)");
    expect(await apiCallsSince(seq)).toEqual(["POST"]);
    expect(await r.live()).toEqual(["scaler-1", "scaler-2"]);
    at(101);
    expect(await r.up()).toBe(false);
  });

  it("rotation due and overlap passed at once: creates first, then deletes the previous key, in one step", async () => {
    const r = await fresh();
    at(31);
    await r.up();
    at(62);
    const seq = await lastSeq();
    await r.up();
    expect(r.said[0]).toMatch(/will rotate: .*overlap of previous key "scaler-1" .* ended/);
    expect(await apiCallsSince(seq)).toEqual(["POST", "DELETE"]);
    expect(await r.live()).toEqual(["scaler-2", "scaler-3"]);
    expect(r.previous?.name).toBe("scaler-2");
  });

  it("a permission change during an overlap rolls: new rights current, the old current kept, the oldest key kept until its published retirement", async () => {
    const r = await fresh();
    at(31);
    await r.up();
    const k2 = r.current;
    at(33);
    const seq = await lastSeq();
    await r.up({ ...r.inputs, permissions: READ_ONLY });
    expect(r.said[0]).toMatch(
      /will roll to a new key: permissions changed; .*previous key "scaler-1" \(id \d+\) stays valid until 2031-04-08T00:00:00\.000Z, as published, then is deleted/,
    );
    expect(await apiCallsSince(seq)).toEqual(["POST"]);
    expect(r.previous).toEqual(k2);
    const live = (await emu.admin.liveKeys(r.account.userId)).filter((k) => k.id !== r.account.keyId);
    expect(live.map((k) => [k.name, k.permissions])).toEqual([
      ["scaler-1", MISC],
      ["scaler-2", MISC],
      ["scaler-3", READ_ONLY],
    ]);
    expect(r.outs).toMatchObject({ permissions: READ_ONLY, retiresPreviousAt: "2031-04-10T00:00:00.000Z" });
    // At the time published for it, scaler-1 is deleted; nothing else.
    at(38);
    const seq2 = await lastSeq();
    await r.up({ ...r.inputs, permissions: READ_ONLY });
    expect(await apiCallsSince(seq2)).toEqual(["DELETE"]);
    expect(await r.live()).toEqual(["scaler-2", "scaler-3"]);
  });

  it("current deleted out of band: refresh reports it, up recreates current and keeps previous", async () => {
    const r = await fresh();
    at(31);
    await r.up();
    const k1 = r.previous;
    await emu.admin.deleteKey(r.current.keyId);
    at(32);
    expect(await r.refresh()).toBe(true);
    expect(r.outs.tracking).toMatchObject({ current: { gone: true } });
    await r.up();
    expect(r.said[0]).toMatch(
      /will recreate its current key: current key "scaler-2" \(id \d+\) was deleted outside Pulumi: creating "scaler-3"/,
    );
    expect(await r.live()).toEqual(["scaler-1", "scaler-3"]);
    expect(r.previous).toEqual(k1);
    expect(await authStatus(r.current)).toBe(200);
    expect(await r.refresh()).toBe(false);
  });

  it("previous deleted out of band: refresh reports it, up forgets it without an API call", async () => {
    const r = await fresh();
    at(31);
    await r.up();
    await emu.admin.deleteKey(r.previous?.keyId ?? 0);
    expect(await r.refresh()).toBe(true);
    const seq = await lastSeq();
    await r.up();
    expect(r.said[0]).toMatch(/will retire its previous key: previous key "scaler-1" \(id \d+\) was deleted outside Pulumi: forgetting it/);
    expect(await apiCallsSince(seq)).toEqual([]);
    expect(r.outs).not.toHaveProperty("previous");
    expect(await r.refresh()).toBe(false);
  });

  it("re-scoped out of band: a re-scoped current rolls, a re-scoped previous is retired", async () => {
    const r = await fresh();
    await emu.admin.editKey(r.current.keyId, { permissions: { api: { misc: {} } } });
    expect(await r.refresh()).toBe(true);
    await r.up();
    expect(r.said[0]).toMatch(/will roll to a new key: the permissions of current key "scaler-1" .* were changed outside Pulumi/);
    expect(r.current.name).toBe("scaler-2");
    expect((await emu.admin.liveKeys(r.account.userId)).find((k) => k.name === "scaler-2")?.permissions).toEqual(MISC);
    // The re-scoped key, now previous, is not kept for the overlap.
    await r.up();
    expect(r.said[0]).toMatch(/will retire its previous key: the permissions of previous key "scaler-1" .* retiring it now/);
    expect(await r.live()).toEqual(["scaler-2"]);
  });

  it("a create that fails deletes nothing (the previous key due for retirement included); the next up completes", async () => {
    const r = await fresh();
    at(31);
    await r.up();
    at(62);
    const before = r.outs;
    await emu.admin.addFaults({ route: POST, action: { type: "status", status: 400 } });
    await expect(r.up()).rejects.toMatchObject({ code: "VAST_BAD_REQUEST" });
    // The engine keeps the old outputs; every live key is one of them, and none was deleted.
    expect(r.outs).toBe(before);
    const named = [r.current.name, r.previous?.name];
    for (const name of await r.live()) expect(named).toContain(name);
    expect(await r.live()).toEqual(["scaler-1", "scaler-2"]);
    await r.up();
    expect(await r.live()).toEqual(["scaler-2", "scaler-3"]);
  });

  it("with a credential of another account: refresh, update and delete fail naming both accounts; the keys survive", async () => {
    const r = await fresh();
    const other = await emu.newAccount();
    await useAccount(provider, emu.url, other.apiKey);
    const wrong = { code: "VAST_WRONG_ACCOUNT", message: expect.stringMatching(`account ${r.account.userId} \\(recorded in state\\)`) };
    await expect(provider.read?.(r.id, r.outs)).rejects.toMatchObject(wrong);
    at(31);
    await expect(provider.update?.(r.id, r.outs, { ...r.inputs, overlapDays: 7 })).rejects.toMatchObject(wrong);
    await expect(provider.delete?.(r.id, r.outs)).rejects.toMatchObject(wrong);
    expect(await r.live()).toEqual(["scaler-1"]);
    await useAccount(provider, emu.url, r.account.apiKey);
    await provider.delete?.(r.id, r.outs);
    expect(await r.live()).toEqual([]);
  });

  it("changing the schedule alone is an in-place update without key operations", async () => {
    const r = await fresh();
    at(31);
    await r.up();
    const seq = await lastSeq();
    expect(await r.up({ ...r.inputs, rotateEveryDays: 60, overlapDays: 10 })).toBe(true);
    expect(r.said).toEqual([]);
    expect(await apiCallsSince(seq)).toEqual([]);
    expect(r.outs).toMatchObject({ rotateEveryDays: 60, overlapDays: 10, retiresPreviousAt: "2031-04-11T00:00:00.000Z" });
  });

  it("rejects bad inputs in check with the property path, before any API call", async () => {
    const a = await emu.newAccount();
    await useAccount(provider, emu.url, a.apiKey);
    const seq = await lastSeq();
    const result = await provider.check?.({}, { name: "x", permissions: MISC, rotateEveryDays: 10, overlapDays: 10 });
    expect(result?.failures).toEqual([
      { property: "overlapDays", reason: "must be less than rotateEveryDays (10): the previous key is retired before the next rotation" },
    ]);
    await expect(provider.create({ name: "x", permissions: MISC })).rejects.toMatchObject({
      code: "VAST_INVALID_INPUT",
      property: "rotateEveryDays",
    });
    process.env.VAST_NOW = "next tuesday";
    await expect(provider.create({ name: "x", permissions: MISC, rotateEveryDays: 1 })).rejects.toMatchObject({
      code: "VAST_INVALID_SETTING",
    });
    expect((await emu.admin.requests(seq)).filter((e) => e.identity !== "anonymous")).toEqual([]);
  });

  it("VAST_NOW also moves the clock of VastApiKey's rotateAfterDays", async () => {
    const a = await emu.newAccount();
    await useAccount(vastApiKeyProvider, emu.url, a.apiKey);
    const inputs = { name: "plain", permissions: MISC, rotateAfterDays: 90 };
    const created = await checkAndCreate(vastApiKeyProvider, inputs);
    const createdAt = Date.parse((created.outs as { createdAt: string }).createdAt);
    process.env.VAST_NOW = new Date(createdAt + 89 * DAY).toISOString();
    expect(await vastApiKeyProvider.diff?.(created.id, created.outs, inputs)).toEqual({ changes: false, replaces: [] });
    process.env.VAST_NOW = new Date(createdAt + 91 * DAY).toISOString();
    const spy = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      expect(await vastApiKeyProvider.diff?.(created.id, created.outs, inputs)).toMatchObject({ replaces: ["rotateAfterDays"] });
    } finally {
      spy.mockRestore();
    }
    await vastApiKeyProvider.delete?.(created.id, created.outs);
  });
});
