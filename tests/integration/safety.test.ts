/**
 * Safety properties against the emulator over real HTTP: the guard against deleting the
 * provider's own key survives transient failures, a credential of another account never makes a
 * key look "gone", lost-create reconciliation deletes only what it can attribute to its own
 * request, and unusable or unreadable answers are handled as unknown rather than ignored.
 */
import { vastApiKeyProvider as provider } from "pulumi-vast-api-keys";
import type { FaultSpec } from "../../emulator/faults";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call, pause } from "../helpers/http";
import { checkAndCreate, stackConfig, useAccount } from "../helpers/provider";
import { captureStderr } from "../helpers/stderr";

const CURRENT = "GET /api/v0/users/current/";
const POST = "POST /api/v0/auth/apikeys/";
const LIST = "GET /api/v0/auth/apikeys/";
const PERMS = { api: { misc: {}, instance_read: {} } };

// Short enough for "no answer" faults to trip the client's timeout quickly.
// Three attempts per call keep "keeps failing" cases short while still retrying once or twice.
const saved = { timeout: process.env.VAST_TIMEOUT_MS, attempts: process.env.VAST_MAX_ATTEMPTS };
process.env.VAST_TIMEOUT_MS = "800";
process.env.VAST_MAX_ATTEMPTS = "3";
afterAll(() => {
  for (const [name, value] of [
    ["VAST_TIMEOUT_MS", saved.timeout],
    ["VAST_MAX_ATTEMPTS", saved.attempts],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());
afterEach(async () => emu.admin.clearFaults());

/** A fresh account the provider is pointed at (each gets a new session, so nothing is cached). */
async function account(): Promise<AccountInfo> {
  const a = await emu.newAccount();
  await useAccount(provider, emu.url, a.apiKey);
  return a;
}

const liveIds = async (a: AccountInfo) => (await emu.admin.liveKeys(a.userId)).map((k) => k.id).sort((x, y) => x - y);

describe("the guard against deleting the provider's own key", () => {
  const transient: Array<[string, FaultSpec["action"]]> = [
    ["500", { type: "status", status: 500 }],
    ["502", { type: "status", status: 502 }],
    ["a connection reset", { type: "reset" }],
    ["a timeout", { type: "delay", ms: 2_000 }],
  ];

  it.each(transient)("still refuses after one %s on users/current (retried, not taken as 'unknown')", async (_label, action) => {
    const a = await account();
    await emu.admin.addFaults({ route: CURRENT, action });
    await expect(provider.delete?.(String(a.keyId), {})).rejects.toMatchObject({ code: "VAST_REFUSED_SELF_DELETE" });
    expect(await liveIds(a)).toContain(a.keyId);
  });

  it.each(transient)("refuses every delete while users/current keeps failing (%s), and never caches that", async (_label, action) => {
    const a = await account();
    // Made outside the provider, so that the provider has not established its identity yet.
    const other = (await call(emu.url, "POST", "/api/v0/auth/apikeys/", { key: a.apiKey, body: { name: "other", permissions: PERMS } }))
      .json as { id: number };
    await emu.admin.addFaults({ route: CURRENT, times: 50, action });
    for (const id of [a.keyId, other.id]) {
      const err = await Promise.resolve(provider.delete?.(String(id), {})).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: "VAST_IDENTITY_UNVERIFIED", message: expect.stringMatching(`refusing to delete key ${id}`) });
    }
    expect(await liveIds(a)).toEqual([a.keyId, other.id]);

    await emu.admin.clearFaults();
    await expect(provider.delete?.(String(a.keyId), {})).rejects.toMatchObject({ code: "VAST_REFUSED_SELF_DELETE" });
    await provider.delete?.(String(other.id), {});
    expect(await liveIds(a)).toEqual([a.keyId]);
  });
});

describe("a credential of another account", () => {
  it("makes read, update and delete fail naming both accounts, never 'gone'; the key survives", async () => {
    const a = await account();
    const created = await checkAndCreate(provider, { name: "in-a", permissions: PERMS });
    expect(created.outs).toMatchObject({ accountId: a.userId });

    const b = await account();
    const wrong = new RegExp(`account ${a.userId} \\(recorded in state\\).*belongs to account ${b.userId}`);
    await expect(provider.read?.(created.id, created.outs)).rejects.toMatchObject({ code: "VAST_WRONG_ACCOUNT", message: wrong });
    await expect(provider.update?.(created.id, created.outs, { name: "in-a", permissions: PERMS })).rejects.toMatchObject({
      code: "VAST_WRONG_ACCOUNT",
    });
    await expect(provider.delete?.(created.id, created.outs)).rejects.toMatchObject({ code: "VAST_WRONG_ACCOUNT" });
    expect(await liveIds(a)).toContain(Number(created.id));

    await useAccount(provider, emu.url, a.apiKey);
    await expect(provider.read?.(created.id, created.outs)).resolves.toMatchObject({ id: created.id });
    await provider.delete?.(created.id, created.outs);
  });

  it("records the account of state written before accounts were recorded, on the next read", async () => {
    const a = await account();
    const created = await checkAndCreate(provider, { name: "old-state", permissions: PERMS });
    const { accountId: _dropped, ...v1 }: Record<string, unknown> = { ...created.outs, schemaVersion: 1 };
    const read = await provider.read?.(created.id, v1);
    expect(read?.props).toMatchObject({ accountId: a.userId, schemaVersion: 2 });
    await provider.delete?.(created.id, read?.props);
  });

  it("names the credential source once per process in a normal (non-debug) line", async () => {
    const stderr = captureStderr();
    try {
      const a = await emu.newAccount();
      await provider.configure?.(stackConfig({ "vast:apiKey": a.apiKey, "vast:url": emu.url }));
      const k = await checkAndCreate(provider, { name: "announced", permissions: PERMS });
      await provider.read?.(k.id, k.outs);
      await provider.delete?.(k.id, k.outs);
      const lines = stderr.lines().filter((l) => l.includes(`(key ${a.keyId}, account ${a.userId})`));
      expect(lines).toEqual([`vast: using the API key from stack config vast:apiKey (key ${a.keyId}, account ${a.userId}) at ${emu.url}`]);
      expect(stderr.text()).not.toContain(a.apiKey);
    } finally {
      stderr.restore();
    }
  });
});

describe("lost-create reconciliation", () => {
  it("deletes the key its lost request made and creates again: found in the first list, no settle wait, no sweep", async () => {
    const a = await account();
    const mark = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    await emu.admin.addFaults({ route: POST, action: { type: "reset-after-commit" } });
    const created = await checkAndCreate(provider, { name: "lost-once", permissions: PERMS });
    const log = (await emu.admin.requests(mark)).filter((e) => e.identity !== "anonymous" && e.route !== CURRENT);
    const lost = log.find((e) => e.route === POST && e.outcome === "reset")?.createdKeyId;
    // pre-list, lost create, one list that finds it, its delete, pre-list, create; nothing after.
    expect(log.map((e) => e.route)).toEqual([LIST, POST, LIST, "DELETE /api/v0/auth/apikeys/{id}/", LIST, POST]);
    expect(await liveIds(a)).toEqual([a.keyId, Number(created.id)]);
    expect(lost).not.toBe(Number(created.id));
    await provider.delete?.(created.id, created.outs);
  });

  it("deletes none when someone else created a key with the same name meanwhile, and names both", async () => {
    const a = await account();
    // "Someone else": another key of the same account, creating through the public API.
    const colleague = await call(emu.url, "POST", "/api/v0/auth/apikeys/", {
      key: a.apiKey,
      body: { name: "colleague", permissions: { api: { user_read: {}, user_write: {}, misc: {}, instance_read: {} } } },
    });
    const colleagueKey = (colleague.json as { key: string }).key;
    await pause(50);
    const mark = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    // The lost create commits; the list that follows is slow, and meanwhile the colleague creates
    // a key with the same name.
    await emu.admin.addFaults(
      { route: POST, action: { type: "reset-after-commit" } },
      { route: LIST, skip: 1, action: { type: "delay", ms: 3_000 } },
    );
    const pending = provider.create({ name: "shared-name", permissions: PERMS }).catch((e: unknown) => e);
    for (let i = 0; i < 200; i++) {
      const seen = await emu.admin.requests(mark);
      if (seen.some((e) => e.route === POST && e.outcome === "reset")) break;
      await pause(25);
    }
    const theirs = await call(emu.url, "POST", "/api/v0/auth/apikeys/", {
      key: colleagueKey,
      body: { name: "shared-name", permissions: { api: { misc: {} } } },
    });
    expect(theirs.status).toBe(200);
    const err = await pending;
    const theirId = (theirs.json as { id: number }).id;
    expect(err).toMatchObject({ code: "VAST_RECONCILE_AMBIGUOUS" });
    const candidates = (err as { candidates: number[] }).candidates;
    expect(candidates).toHaveLength(2);
    expect(candidates).toContain(theirId);
    expect((err as Error).message).toMatch(/none was deleted/);
    const named = (await emu.admin.liveKeys(a.userId)).filter((k) => k.name === "shared-name").map((k) => k.id);
    expect(named.sort((x, y) => x - y)).toEqual(candidates);
  });

  it("reconciles a 2xx create answer that names no key id as an unknown outcome", async () => {
    const a = await account();
    await emu.admin.addFaults({ route: POST, action: { type: "garbled-after-commit" } });
    const created = await checkAndCreate(provider, { name: "garbled", permissions: PERMS });
    const named = (await emu.admin.liveKeys(a.userId)).filter((k) => k.name === "garbled");
    expect(named.map((k) => k.id)).toEqual([Number(created.id)]);
    expect(named[0]?.key).toBe((created.outs as { key: string }).key);
    await provider.delete?.(created.id, created.outs);
  });
});

describe("unreadable state", () => {
  it("fails update with its own code and advice that works: refresh rebuilds the state", async () => {
    await account();
    const created = await checkAndCreate(provider, { name: "mangled", permissions: PERMS });
    const mangled = { ...(created.outs as Record<string, unknown>), createdAt: 12, keyId: "not a number" };
    const err = await Promise.resolve(provider.update?.(created.id, mangled, { name: "mangled", permissions: PERMS })).catch(
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: "VAST_STATE_UNREADABLE", message: expect.stringMatching(/Run `pulumi refresh`/) });

    const refreshed = await provider.read?.(created.id, mangled);
    expect(refreshed?.props).toMatchObject({ keyId: Number(created.id), key: (created.outs as { key: string }).key });
    const updated = await provider.update?.(created.id, refreshed?.props, { name: "mangled", permissions: PERMS, rotateAfterDays: 9 });
    expect(updated?.outs).toMatchObject({ rotateAfterDays: 9 });
    await provider.delete?.(created.id, created.outs);
  });
});

describe("create and list answers that differ in form, not in meaning", () => {
  let variant: EmulatorProcess;
  beforeAll(async () => {
    variant = await startEmulatorProcess({ options: { rightsAs: "categories-string" } });
  });
  afterAll(async () => variant?.stop());

  it("show no drift on refresh, and real drift still shows", async () => {
    const a = await variant.newAccount();
    await useAccount(provider, variant.url, a.apiKey);
    const created = await checkAndCreate(provider, { name: "forms", permissions: PERMS });
    await pause(50); // past the emulator's (scaled) list interval: this raw call is not paced
    const listed = await call(variant.url, "GET", "/api/v0/auth/apikeys/", { key: a.apiKey });
    expect(listed.status).toBe(200);
    const item = (listed.json as { apikeys: Array<{ id: number; rights: string }> }).apikeys.find((k) => k.id === Number(created.id));
    expect(item?.rights).not.toContain('"api"');

    const read = await provider.read?.(created.id, created.outs);
    expect(await provider.diff?.(created.id, read?.props, { name: "forms", permissions: PERMS })).toEqual({ changes: false, replaces: [] });

    await variant.admin.editKey(Number(created.id), { permissions: { api: { misc: {} } } });
    const drifted = await provider.read?.(created.id, read?.props);
    expect(await provider.diff?.(created.id, drifted?.props, { name: "forms", permissions: PERMS })).toMatchObject({
      replaces: ["permissions"],
    });
    await provider.delete?.(created.id, created.outs);
  });
});
