import { AccountSession, type KeyApi } from "../../provider/account";
import type { CreateKeyRequest } from "../../provider/client/client";
import type { RemoteKey } from "../../provider/client/wire";
import { ErrorCodes, VastOutcomeUnknownError } from "../../provider/errors";
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

  async listKeys() {
    this.calls.list++;
    await new Promise((r) => setImmediate(r));
    if (this.staleOnce) {
      this.staleOnce = false;
      return this.keys.slice(0, -1).map((k) => ({ ...k }));
    }
    return this.keys.map((k) => ({ ...k }));
  }
  async createKey(req: CreateKeyRequest) {
    this.calls.create++;
    const mode = this.createScript.shift() ?? "ok";
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
    return { userId: 1, keyId: 1 };
  }
}

const session = (api: FakeApi) => new AccountSession({ client: api, listCacheMs: 60_000, logger: silentLogger });

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

  it("after a lost create response, deletes the orphan and creates again: exactly one key, value held", async () => {
    const api = new FakeApi();
    api.createScript = ["lost", "ok"];
    const s = session(api);
    const created = await s.createKey({ name: "ci", permissions: { api: {} } });
    const named = api.keys.filter((k) => k.name === "ci");
    expect(named.map((k) => k.id)).toEqual([created.id]);
    expect(api.calls).toMatchObject({ create: 2, delete: 1 });
  });

  it("does not delete anything when the lost create never committed", async () => {
    const api = new FakeApi();
    api.keys.push({ id: 5, name: "ci", rights: null, keyParams: null, createdAt: undefined });
    api.nextId = 6;
    api.createScript = ["not-committed", "ok"];
    const s = session(api);
    const created = await s.createKey({ name: "ci", permissions: { api: {} } });
    expect(api.keys.filter((k) => k.name === "ci").map((k) => k.id)).toEqual([5, created.id]);
    expect(api.calls.delete).toBe(0);
  });

  it("gives up after repeated unknown outcomes, leaving no orphan behind", async () => {
    const api = new FakeApi();
    api.createScript = ["lost", "lost", "lost"];
    const err = await session(api)
      .createKey({ name: "ci", permissions: {} })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VAST_RECONCILE_FAILED" });
    expect(api.keys.filter((k) => k.name === "ci")).toEqual([]);
  });

  it("refuses to delete the key it authenticates with", async () => {
    const api = new FakeApi();
    await expect(session(api).deleteKey(1)).rejects.toMatchObject({ code: "VAST_REFUSED_SELF_DELETE" });
    expect(api.calls.delete).toBe(0);
  });
});
