import { AccountSession, type KeyApi } from "../../provider/account";
import type { CreateKeyRequest } from "../../provider/client/client";
import type { RemoteKey } from "../../provider/client/wire";
import { ErrorCodes, VastOutcomeUnknownError, VastServerError, VastTimeoutError } from "../../provider/errors";
import { silentLogger } from "../../provider/log";

/** A small in-memory fake of the key endpoints, with scripted create failures. */
class FakeApi implements KeyApi {
  readonly baseUrl = "http://127.0.0.1:1";
  keys: RemoteKey[] = [{ id: 1, name: null, rights: null, keyParams: null, createdAt: undefined }];
  nextId = 2;
  calls = { list: 0, create: 0, delete: 0 };
  /** Per create call: "ok", "lost" (committed, response lost) or "not-committed". */
  createScript: Array<"ok" | "lost" | "not-committed"> = [];
  staleOnce = false;
  /** Lists after a create that do not show keys created since (eventual consistency). */
  hideNewKeysForLists = 0;
  private hiddenFrom = Number.POSITIVE_INFINITY;
  /** Runs during every create (e.g. someone else creating a key at the same moment). */
  onCreate: () => void = () => {};
  /** users/current failures to serve before answering. */
  currentUserFailures = 0;
  currentUserFailure = "500";

  async listKeys() {
    this.calls.list++;
    await new Promise((r) => setImmediate(r));
    if (this.staleOnce) {
      this.staleOnce = false;
      return this.keys.slice(0, -1).map((k) => ({ ...k }));
    }
    if (this.hideNewKeysForLists > 0 && this.hiddenFrom !== Number.POSITIVE_INFINITY) {
      this.hideNewKeysForLists--;
      return this.keys.filter((k) => k.id < this.hiddenFrom).map((k) => ({ ...k }));
    }
    return this.keys.map((k) => ({ ...k }));
  }
  async createKey(req: CreateKeyRequest) {
    this.calls.create++;
    const mode = this.createScript.shift() ?? "ok";
    this.onCreate();
    if (this.hiddenFrom === Number.POSITIVE_INFINITY) this.hiddenFrom = this.nextId;
    if (mode !== "not-committed")
      this.keys.push({ id: this.nextId, name: req.name, rights: req.permissions, keyParams: null, createdAt: undefined });
    const id = this.nextId++;
    if (mode !== "ok")
      throw new VastOutcomeUnknownError(ErrorCodes.outcomeUnknown, { method: "POST", path: "/api/v0/auth/apikeys/" }, "lost");
    return { id, key: `value-${id}-0123456789`, serverPermissions: req.permissions, createdAt: undefined };
  }
  async deleteKey(id: number) {
    this.calls.delete++;
    const before = this.keys.length;
    this.keys = this.keys.filter((k) => k.id !== id);
    return before === this.keys.length ? ("already-gone" as const) : ("deleted" as const);
  }
  async currentUser() {
    if (this.currentUserFailures > 0) {
      this.currentUserFailures--;
      throw this.currentUserFailure === "timeout"
        ? new VastTimeoutError(ErrorCodes.timeout, { method: "GET", path: "/api/v0/users/current/" }, "no answer")
        : new VastServerError(ErrorCodes.server, { method: "GET", path: "/api/v0/users/current/", status: 500 }, "failed");
    }
    return { userId: 1, keyId: 1 };
  }
}

/** A fake clock whose sleeps advance time, and a sink for the lines a user would see. */
function clock() {
  const t = { ms: 1_000_000, slept: [] as number[], lines: [] as string[] };
  return t;
}

const session = (api: FakeApi, t = clock()) =>
  new AccountSession({
    client: api,
    listCacheMs: 60_000,
    logger: silentLogger,
    credentialSource: "env VAST_API_KEY",
    settleMs: 5000,
    pollIntervalMs: 1000,
    notify: (line) => t.lines.push(line),
    now: () => t.ms,
    sleep: async (ms) => {
      t.slept.push(ms);
      t.ms += ms;
    },
  });

describe("account session", () => {
  it("serves concurrent reads with one list call", async () => {
    const api = new FakeApi();
    api.keys.push({ id: 2, name: "a", rights: null, keyParams: null, createdAt: undefined });
    const s = session(api);
    const found = await Promise.all([1, 2, 1, 2, 2].map((id) => s.findKey(id)));
    expect(found.map((k) => k?.id)).toEqual([1, 2, 1, 2, 2]);
    expect(api.calls.list).toBe(1);
  });

  it("confirms a miss with one fresh list, so a single stale answer never loses a key", async () => {
    const api = new FakeApi();
    api.keys.push({ id: 2, name: "a", rights: null, keyParams: null, createdAt: undefined });
    api.staleOnce = true;
    const s = session(api);
    await expect(s.findKey(2)).resolves.toMatchObject({ id: 2 });
    expect(api.calls.list).toBe(2);
    await expect(s.findKey(99)).resolves.toBeUndefined();
  });

  it("after a lost create response, finds the orphan in the first list: deletes it and creates again at once", async () => {
    const api = new FakeApi();
    api.createScript = ["lost", "ok"];
    const t = clock();
    const s = session(api, t);
    const created = await s.createKey({ name: "ci", permissions: { api: {} } });
    const named = api.keys.filter((k) => k.name === "ci");
    expect(named.map((k) => k.id)).toEqual([created.id]);
    expect(api.calls).toMatchObject({ create: 2, delete: 1 });
    // No settle wait and no late sweep: a list before each attempt and one after the loss.
    expect(t.slept).toEqual([]);
    expect(api.calls.list).toBe(3);
    expect(t.lines.join("\n")).toMatch(/create of key "ci" lost its response.*checking whether Vast created it/);
  });

  it("keeps listing while the lost key has not shown yet, and stops as soon as it does", async () => {
    const api = new FakeApi();
    api.createScript = ["lost", "ok"];
    api.hideNewKeysForLists = 2;
    const t = clock();
    const created = await session(api, t).createKey({ name: "ci", permissions: { api: {} } });
    expect(api.keys.filter((k) => k.name === "ci").map((k) => k.id)).toEqual([created.id]);
    expect(t.slept).toEqual([1000, 1000]);
    expect(api.calls.delete).toBe(1);
  });

  it("does not delete anything when the lost create never committed: waits out the window, then creates again", async () => {
    const api = new FakeApi();
    api.keys.push({ id: 5, name: "ci", rights: null, keyParams: null, createdAt: undefined });
    api.nextId = 6;
    api.createScript = ["not-committed", "ok"];
    const t = clock();
    const created = await session(api, t).createKey({ name: "ci", permissions: { api: {} } });
    expect(api.keys.filter((k) => k.name === "ci").map((k) => k.id)).toEqual([5, created.id]);
    expect(api.calls.delete).toBe(0);
    expect(t.slept.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(t.lines.join("\n")).toMatch(/no new key "ci" appeared within 5 s; creating it again/);
  });

  it("refuses to guess when another same-name key appeared too: deletes none and names both", async () => {
    const api = new FakeApi();
    api.createScript = ["lost"];
    api.onCreate = () => api.keys.push({ id: 99, name: "ci", rights: null, keyParams: null, createdAt: undefined });
    const err = await session(api, clock())
      .createKey({ name: "ci", permissions: { api: {} } })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VAST_RECONCILE_AMBIGUOUS", candidates: [2, 99] });
    expect((err as Error).message).toMatch(/ids 2, 99.*none was deleted/);
    expect(
      api.keys
        .filter((k) => k.name === "ci")
        .map((k) => k.id)
        .sort((a, b) => a - b),
    ).toEqual([2, 99]);
    expect(api.calls.delete).toBe(0);
  });

  it("never counts a key that existed before the attempt, even one with a higher id", async () => {
    const api = new FakeApi();
    // Ids that are not monotonic: an older key with a higher id than the next one.
    api.keys.push({ id: 500, name: "ci", rights: null, keyParams: null, createdAt: undefined });
    api.createScript = ["lost", "ok"];
    await session(api, clock()).createKey({ name: "ci", permissions: { api: {} } });
    expect(api.keys.some((k) => k.id === 500)).toBe(true);
    expect(api.calls.delete).toBe(1);
  });

  it("shares the pre-create list with a read that asked after the previous create ended", async () => {
    const api = new FakeApi();
    const s = session(api, clock());
    await s.createKey({ name: "a", permissions: {} });
    expect(api.calls.list).toBe(1);
    const [found, created] = await Promise.all([s.findKey(1), s.createKey({ name: "b", permissions: {} })]);
    expect(found?.id).toBe(1);
    expect(created.id).toBe(3);
    expect(api.calls).toMatchObject({ list: 2, create: 2 });
  });

  it("never takes a list from before the previous create as the next one's, so a lost create is still found exactly", async () => {
    const api = new FakeApi();
    const s = session(api, clock());
    await s.findKey(1); // cached for the test's whole 60 s list window
    await s.createKey({ name: "x", permissions: {} });
    // Someone else makes a key with the name we are about to use, after our last create.
    api.keys.push({ id: 50, name: "ci", rights: null, keyParams: null, createdAt: undefined });
    api.nextId = 51;
    api.createScript = ["lost", "ok"];
    const created = await s.createKey({ name: "ci", permissions: {} });
    // The pre-create list showed key 50, so only key 51 (the lost create's) was deleted.
    expect(api.keys.filter((k) => k.name === "ci").map((k) => k.id)).toEqual([50, created.id]);
    expect(api.calls.delete).toBe(1);
  });

  it("gives up after repeated unknown outcomes, leaving no orphan behind", async () => {
    const api = new FakeApi();
    api.createScript = ["lost", "lost", "lost"];
    const err = await session(api, clock())
      .createKey({ name: "ci", permissions: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VAST_RECONCILE_FAILED" });
    expect(api.keys.filter((k) => k.name === "ci")).toEqual([]);
  });

  it.each(["500", "timeout"])("refuses to delete any key while its own key is unknown (%s), and asks again next time", async (why) => {
    const api = new FakeApi();
    api.keys.push({ id: 7, name: "victim", rights: null, keyParams: null, createdAt: undefined });
    api.currentUserFailures = 1;
    api.currentUserFailure = why;
    const s = session(api, clock());
    await expect(s.deleteKey(1)).rejects.toMatchObject({ code: "VAST_IDENTITY_UNVERIFIED" });
    await expect(s.deleteKey(1)).rejects.toMatchObject({ code: "VAST_REFUSED_SELF_DELETE" });
    expect(api.calls.delete).toBe(0);
    await expect(s.deleteKey(7)).resolves.toBe("deleted");
  });

  it("refuses a key recorded under another account, naming both accounts", async () => {
    const s = session(new FakeApi(), clock());
    await expect(s.assertAccount(1, 7, "refresh")).resolves.toBe(1);
    await expect(s.assertAccount(undefined, 7, "refresh")).resolves.toBe(1);
    await expect(s.assertAccount(4, 7, "delete")).rejects.toMatchObject({
      code: "VAST_WRONG_ACCOUNT",
      message: expect.stringMatching(/refusing to delete key 7: it belongs to Vast account 4 .* belongs to account 1/),
    });
  });

  it("names the credential source once, with key and account ids", async () => {
    const t = clock();
    const s = session(new FakeApi(), t);
    await s.identity();
    await s.identity();
    expect(t.lines).toEqual(["vast: using the API key from env VAST_API_KEY (key 1, account 1) at http://127.0.0.1:1"]);
  });

  it("refuses to delete the key it authenticates with", async () => {
    const api = new FakeApi();
    await expect(session(api).deleteKey(1)).rejects.toMatchObject({ code: "VAST_REFUSED_SELF_DELETE" });
    expect(api.calls.delete).toBe(0);
  });
});
