/**
 * The emulator's behaviour over real HTTP (it runs as a separate process on 127.0.0.1):
 * routes, auth, scopes, validation, rate limits, every fault, the state file, the admin surface.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { call, pause } from "../helpers/http";

const KEYS = "/api/v0/auth/apikeys/";
const MISC = { api: { misc: {} } };

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0 });
});
afterAll(async () => emu?.stop());

describe("key routes", () => {
  it("creates, lists, shows and soft-deletes keys with Vast's bodies", async () => {
    const { apiKey } = await emu.newAccount();
    const created = await call(emu.url, "POST", KEYS, { key: apiKey, body: { name: "ci", permissions: MISC, key_params: "kp" } });
    expect(created.status).toBe(200);
    const body = created.json as { id: number; key: string; permissions: unknown; created_at: number };
    expect(body).toMatchObject({ name: "ci", permissions: MISC });
    expect(body.key).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isInteger(body.created_at)).toBe(false);

    const list = await call(emu.url, "GET", KEYS, { key: apiKey });
    const item = (list.json as { apikeys: Array<Record<string, unknown>> }).apikeys.find((k) => k.id === body.id);
    expect(item).toMatchObject({ name: "ci", rights: JSON.stringify(MISC), key_params: "kp" });
    expect(list.text).not.toContain(body.key);

    expect((await call(emu.url, "GET", `${KEYS}${body.id}/`, { key: apiKey })).json).toMatchObject({ id: body.id, name: "ci" });
    const del = await call(emu.url, "DELETE", `${KEYS}${body.id}/`, { key: apiKey, body: {} });
    expect(del).toMatchObject({ status: 200, json: "Successfully Deleted API Key" });
    expect(await call(emu.url, "DELETE", `${KEYS}${body.id}/`, { key: apiKey })).toMatchObject({
      status: 404,
      json: { msg: "API Key not found." },
    });
    expect(await call(emu.url, "GET", KEYS, { key: body.key })).toMatchObject({
      status: 401,
      json: { success: false, error: "auth_error", msg: "Invalid user key" },
    });
    const all = await emu.admin.state();
    expect(all.keys.find((k) => k.id === body.id)?.deletedAt).toEqual(expect.any(Number));
  });

  it("numbers keys monotonically and returns 403 for another user's key", async () => {
    const a = await emu.newAccount();
    const b = await emu.newAccount();
    expect(b.keyId).toBeGreaterThan(a.keyId);
    expect(await call(emu.url, "GET", `${KEYS}${a.keyId}/`, { key: b.apiKey })).toMatchObject({
      status: 403,
      json: { msg: "You do not have permission to access this key." },
    });
    expect(await call(emu.url, "DELETE", `${KEYS}${a.keyId}/`, { key: b.apiKey })).toMatchObject({
      status: 403,
      json: { msg: "You do not have permission to delete this API Key." },
    });
  });

  it("resets the caller's key: same id, new value, old value dead at once", async () => {
    const a = await emu.newAccount();
    const r = await call(emu.url, "PUT", "/api/v0/commands/reset_apikey/", { key: a.apiKey, body: { client_id: "me" } });
    const fresh = (r.json as { new_api_key: string; key: string }).new_api_key;
    expect(r.json).toMatchObject({ success: true, key: fresh });
    expect(fresh).not.toBe(a.apiKey);
    expect((await call(emu.url, "GET", KEYS, { key: a.apiKey })).status).toBe(401);
    expect((await call(emu.url, "GET", "/api/v0/users/current/", { key: fresh })).json).toMatchObject({ id: a.userId, key_id: a.keyId });
  });

  it("reports the calling key in users/current, never its value", async () => {
    const a = await emu.newAccount();
    const me = await call(emu.url, "GET", "/api/v0/users/current/", { key: a.apiKey });
    expect(me.json).toMatchObject({ id: a.userId, key_id: a.keyId });
    expect(me.text).not.toContain(a.apiKey);
  });
});

describe("transport rules", () => {
  it("accepts the api_key query parameter as well as Bearer", async () => {
    const a = await emu.newAccount();
    expect((await call(emu.url, "GET", KEYS, { queryKey: a.apiKey })).status).toBe(200);
    expect((await call(emu.url, "GET", KEYS)).status).toBe(401);
  });

  it("answers 405 for other methods, 404 listing the routes for unknown paths, and tolerates a missing slash on GET only", async () => {
    const a = await emu.newAccount();
    const put = await call(emu.url, "PUT", KEYS, { key: a.apiKey, body: {} });
    expect(put.status).toBe(405);
    expect(put.headers.allow).toBe("GET, POST");
    const unknown = await call(emu.url, "GET", "/api/v0/instances/", { key: a.apiKey });
    expect(unknown.status).toBe(404);
    expect((unknown.json as { routes: string[] }).routes).toContain("POST /api/v0/auth/apikeys/");
    expect((await call(emu.url, "GET", "/api/v0/users/current", { key: a.apiKey })).status).toBe(200);
    expect((await call(emu.url, "POST", "/api/v0/auth/apikeys", { key: a.apiKey, body: { name: "x" } })).status).toBe(404);
  });

  it("can answer bad keys with 404 and the auth_error body (variant seen on some endpoints)", async () => {
    await emu.admin.setOptions({ badKeyStatus: 404 });
    try {
      expect(await call(emu.url, "GET", KEYS, { key: "nope" })).toMatchObject({ status: 404, json: { error: "auth_error" } });
    } finally {
      await emu.admin.setOptions({ badKeyStatus: 401 });
    }
  });
});

describe("scopes and validation", () => {
  async function scopedKey(permissions: unknown): Promise<string> {
    const a = await emu.newAccount();
    const r = await call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "scoped", permissions } });
    return (r.json as { key: string }).key;
  }

  it("enforces user_read for listing and user_write for creating", async () => {
    const miscOnly = await scopedKey(MISC);
    expect(await call(emu.url, "GET", KEYS, { key: miscOnly })).toMatchObject({ status: 403, json: { error: "forbidden" } });
    const readOnly = await scopedKey({ api: { user_read: {} } });
    expect((await call(emu.url, "GET", KEYS, { key: readOnly })).status).toBe(200);
    expect((await call(emu.url, "POST", KEYS, { key: readOnly, body: { name: "x", permissions: MISC } })).status).toBe(403);
  });

  it("refuses a key with more rights than its creator", async () => {
    const creator = await scopedKey({ api: { user_read: {}, user_write: {}, misc: {} } });
    expect((await call(emu.url, "POST", KEYS, { key: creator, body: { name: "ok", permissions: MISC } })).status).toBe(200);
    const tooMuch = await call(emu.url, "POST", KEYS, { key: creator, body: { name: "no", permissions: { api: { billing_write: {} } } } });
    expect(tooMuch).toMatchObject({ status: 403, json: { msg: "Permissions cannot be greater than what you already possess." } });
    expect((await call(emu.url, "POST", KEYS, { key: creator, body: { name: "full" } })).status).toBe(403);
  });

  it.each([
    [{ name: "x", permissions: "read" }, "invalid_permissions"],
    [{ name: "x", permissions: { read: true } }, "invalid_permissions"],
    [{ name: "x", permissions: { api: { misc: true } } }, "invalid_permissions"],
    [{ name: "n".repeat(256), permissions: MISC }, "invalid_args"],
    [{ name: 5, permissions: MISC }, "invalid_args"],
    ["{not json", "invalid_args"],
    [[1, 2], "invalid_args"],
  ])("rejects create body %j with 400 %s", async (body, error) => {
    const a = await emu.newAccount();
    expect(await call(emu.url, "POST", KEYS, { key: a.apiKey, body })).toMatchObject({ status: 400, json: { success: false, error } });
  });
});

describe("rate limits", () => {
  afterEach(async () => {
    await emu.admin.setOptions({ rateLimit: { scale: 0, body: "json", retryAfter: false } });
  });

  it("answers 429 with Vast's threshold body per identity and route, and lets calls through after the interval", async () => {
    await emu.admin.setOptions({ rateLimit: { scale: 0.1 } });
    const a = await emu.newAccount();
    const b = await emu.newAccount();
    expect((await call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "1", permissions: MISC } })).status).toBe(200);
    const second = await call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "2", permissions: MISC } });
    expect(second).toMatchObject({ status: 429, json: { detail: "API requests too frequent endpoint threshold=0.2" } });
    expect(second.headers["retry-after"]).toBeUndefined();
    expect((await call(emu.url, "GET", KEYS, { key: a.apiKey })).status).toBe(200);
    expect((await call(emu.url, "POST", KEYS, { key: b.apiKey, body: { name: "3", permissions: MISC } })).status).toBe(200);
    await pause(250);
    expect((await call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "4", permissions: MISC } })).status).toBe(200);
  });

  it("offers the plain-text body and Retry-After variants", async () => {
    await emu.admin.setOptions({ rateLimit: { scale: 1, body: "text", retryAfter: true } });
    const a = await emu.newAccount();
    await call(emu.url, "GET", KEYS, { key: a.apiKey });
    const limited = await call(emu.url, "GET", KEYS, { key: a.apiKey });
    expect(limited.status).toBe(429);
    expect(limited.text).toBe("API requests too frequent: endpoint threshold=1.0");
    expect(limited.headers["retry-after"]).toBe("1");
  });
});

describe("fault injection", () => {
  afterEach(async () => {
    await emu.admin.clearFaults();
  });

  it("injects a status on the Nth call of a route only", async () => {
    const a = await emu.newAccount();
    await emu.admin.addFaults({ route: "GET /api/v0/auth/apikeys/", skip: 1, action: { type: "status", status: 503 } });
    expect((await call(emu.url, "GET", KEYS, { key: a.apiKey })).status).toBe(200);
    expect((await call(emu.url, "GET", KEYS, { key: a.apiKey })).status).toBe(503);
    expect((await call(emu.url, "GET", KEYS, { key: a.apiKey })).status).toBe(200);
  });

  it("resets the connection before committing, or after committing", async () => {
    const a = await emu.newAccount();
    await emu.admin.addFaults({ route: "POST /api/v0/auth/apikeys/", action: { type: "reset" } });
    await expect(call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "before", permissions: MISC } })).rejects.toThrow();
    await emu.admin.addFaults({ route: "POST /api/v0/auth/apikeys/", action: { type: "reset-after-commit" } });
    await expect(call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "after", permissions: MISC } })).rejects.toThrow();
    const names = (await emu.admin.liveKeys(a.userId)).map((k) => k.name);
    expect(names).toContain("after");
    expect(names).not.toContain("before");
  });

  it("commits a create and then never answers", async () => {
    const a = await emu.newAccount();
    await emu.admin.addFaults({ route: "POST /api/v0/auth/apikeys/", action: { type: "drop-after-commit" } });
    await expect(
      call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "dropped", permissions: MISC }, timeoutMs: 300 }),
    ).rejects.toThrow(/timeout/i);
    expect((await emu.admin.liveKeys(a.userId)).map((k) => k.name)).toContain("dropped");
    const log = await emu.admin.requests();
    expect(log.find((e) => e.fault === "drop-after-commit")).toMatchObject({ outcome: "dropped", createdKeyId: expect.any(Number) });
  });

  it("delays a response, then answers normally", async () => {
    const a = await emu.newAccount();
    await emu.admin.addFaults({ route: "GET /api/v0/users/current/", action: { type: "delay", ms: 50 } });
    expect((await call(emu.url, "GET", "/api/v0/users/current/", { key: a.apiKey })).status).toBe(200);
    expect((await emu.admin.requests()).some((e) => e.fault === "delay" && e.outcome === 200)).toBe(true);
  });

  it("serves one stale list from before the latest change", async () => {
    const a = await emu.newAccount();
    const created = await call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "fresh", permissions: MISC } });
    const id = (created.json as { id: number }).id;
    await emu.admin.addFaults({ route: "GET /api/v0/auth/apikeys/", action: { type: "stale-list" } });
    const ids = (r: { json: unknown }) => (r.json as { apikeys: Array<{ id: number }> }).apikeys.map((k) => k.id);
    expect(ids(await call(emu.url, "GET", KEYS, { key: a.apiKey }))).not.toContain(id);
    expect(ids(await call(emu.url, "GET", KEYS, { key: a.apiKey }))).toContain(id);
  });
});

describe("admin surface and state file", () => {
  it("is invisible without the admin token", async () => {
    for (const headers of [undefined, "wrong-token"]) {
      const r = await call(emu.url, "GET", "/__emulator/state", headers ? { key: headers } : {});
      expect(r.status).toBe(404);
      expect(r.text).not.toContain("nextKeyId");
    }
  });

  it("never logs key values in its request log", async () => {
    const a = await emu.newAccount();
    await call(emu.url, "GET", KEYS, { queryKey: a.apiKey });
    expect(JSON.stringify(await emu.admin.requests())).not.toContain(a.apiKey);
  });

  it("stamps created_at and deletions with its clock moved by clockOffsetMs (rate limits keep the real time)", async () => {
    const a = await emu.newAccount();
    const DAY = 86_400_000;
    await emu.admin.setOptions({ clockOffsetMs: 40 * DAY });
    try {
      const before = Date.now();
      const made = (await call(emu.url, "POST", KEYS, { key: a.apiKey, body: { name: "later", permissions: MISC } })).json as {
        id: number;
        created_at: number;
      };
      expect(made.created_at * 1000).toBeGreaterThanOrEqual(before + 40 * DAY);
      expect(made.created_at * 1000).toBeLessThan(before + 41 * DAY);
      await emu.admin.deleteKey(made.id);
      const record = (await emu.admin.state()).keys.find((k) => k.id === made.id);
      expect((record?.deletedAt ?? 0) * 1000).toBeGreaterThanOrEqual(before + 40 * DAY);
    } finally {
      await emu.admin.setOptions({ clockOffsetMs: 0 });
    }
  });

  it("keeps the account across restarts when given a state file", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "emu-state-")), "state.json");
    const first = await startEmulatorProcess({ stateFile: file, noRateLimit: true });
    const made = await call(first.url, "POST", KEYS, {
      key: first.seed.apiKey,
      body: { name: "kept", permissions: { api: { user_read: {} } } },
    });
    const { id, key } = made.json as { id: number; key: string };
    await first.stop();
    const second = await startEmulatorProcess({ stateFile: file, noRateLimit: true });
    try {
      expect(second.seed.apiKey).toBe(first.seed.apiKey);
      expect((await call(second.url, "GET", "/api/v0/users/current/", { key })).json).toMatchObject({ key_id: id });
      const next = await call(second.url, "POST", KEYS, { key: second.seed.apiKey, body: { name: "next", permissions: MISC } });
      expect((next.json as { id: number }).id).toBe(id + 1);
    } finally {
      await second.stop();
    }
  });

  it("without --port, takes a free port when 8787 is taken and prints the URL to use", async () => {
    // Hold 8787 (or find it already held by someone else: taken either way).
    const holder = net.createServer();
    await new Promise<void>((resolve) => {
      holder.once("error", () => resolve());
      holder.listen(8787, "127.0.0.1", () => resolve());
    });
    const child = spawn(process.execPath, [path.join(ROOT, "dist", "emulator", "cli.js"), "--no-rate-limit"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const banner = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("Try:")) resolve(out);
        });
        child.on("exit", (code) => reject(new Error(`emulator exited with ${code}: ${out}`)));
      });
      expect(banner).toContain("Port 8787 is in use, so the emulator takes a free port (--port N chooses one)");
      const url = /listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(banner);
      expect(Number(url?.[2])).not.toBe(8787);
      const key = /Seeded full-access key \(user \d+, key id \d+\): (\S+)/.exec(banner)?.[1] ?? "";
      expect((await call(url?.[1] ?? "", "GET", "/api/v0/users/current/", { key })).status).toBe(200);
    } finally {
      child.kill("SIGTERM");
      holder.close();
    }
  });
});
