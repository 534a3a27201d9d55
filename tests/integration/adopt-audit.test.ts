/**
 * Adopting existing keys through the provider, and the `vast-api-keys audit` command, against
 * the emulator over real HTTP.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { API_KEY_TYPE, vastApiKeyProvider as provider } from "pulumi-vast-api-keys";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { runProcess } from "../helpers/process";
import { checkAndCreate, useAccount } from "../helpers/provider";
import { captureStderr } from "../helpers/stderr";

const PERMS = { api: { misc: {}, user_read: {} } };

let emu: EmulatorProcess;
beforeAll(async () => {
  // Raw "console" calls in these tests are not paced, so the emulator's rate limits are off here.
  emu = await startEmulatorProcess({ noRateLimit: true });
});
afterAll(async () => emu?.stop());

const liveIds = async (a: AccountInfo) => (await emu.admin.liveKeys(a.userId)).map((k) => k.id).sort((x, y) => x - y);

/** A key made "in the console" (directly through the API), outside Pulumi. */
async function consoleKey(account: AccountInfo, name: string, permissions: unknown = PERMS) {
  const r = await call(emu.url, "POST", "/api/v0/auth/apikeys/", { key: account.apiKey, body: { name, permissions } });
  if (r.status !== 200) throw new Error(`console key "${name}" not created: ${r.status} ${r.text}`);
  return r.json as { id: number; key: string };
}

describe("adopting an existing key", () => {
  let account: AccountInfo;
  beforeEach(async () => {
    account = await emu.newAccount();
    await useAccount(provider, emu.url, account.apiKey);
  });

  it("takes the key under management without creating one, and destroy deletes it", async () => {
    const existing = await consoleKey(account, "console-ci");
    const before = (await emu.admin.liveKeys(account.userId)).length;
    const adopted = await checkAndCreate(provider, {
      name: "console-ci",
      permissions: PERMS,
      adopt: { keyId: existing.id, key: existing.key },
    });
    expect(adopted.id).toBe(String(existing.id));
    expect(adopted.outs).toMatchObject({ keyId: existing.id, key: existing.key, adopted: true, name: "console-ci" });
    expect((await emu.admin.liveKeys(account.userId)).length).toBe(before);
    const read = await provider.read?.(adopted.id, adopted.outs);
    expect(await provider.diff?.(adopted.id, read?.props, { name: "console-ci", permissions: PERMS })).toEqual({
      changes: false,
      replaces: [],
    });
    await provider.delete?.(adopted.id, adopted.outs);
    expect((await emu.admin.liveKeys(account.userId)).map((k) => k.id)).not.toContain(existing.id);
  });

  it("adopts without the value: the key output is absent", async () => {
    const existing = await consoleKey(account, "no-value");
    const adopted = await provider.create({ name: "no-value", permissions: PERMS, adopt: { keyId: existing.id } });
    expect(adopted.outs).not.toHaveProperty("key");
  });

  it.each([
    ["an unknown id", async () => ({ keyId: 99_999 }), "no-such", PERMS, /adopt.keyId: key 99999 does not exist/],
    [
      "a value that Vast rejects",
      async (id: number) => ({ keyId: id, key: "f".repeat(64) }),
      "wrong-value",
      PERMS,
      /adopt.key: Vast rejects this value/,
    ],
    [
      "another key's value",
      async (id: number) => ({ keyId: id, key: (await consoleKey(account, "other")).key }),
      "other-value",
      PERMS,
      /adopt.key: this value belongs to key \d+, not to adopt.keyId/,
    ],
    [
      "mismatching permissions",
      async (id: number) => ({ keyId: id }),
      "perm-mismatch",
      { api: { misc: {} } },
      /permissions: declared .* has /,
    ],
  ])("refuses %s with a clear error and changes nothing", async (_label, adoptOf, name, declared, message) => {
    const existing = await consoleKey(account, name);
    const adopt = await adoptOf(existing.id);
    const before = await liveIds(account);
    const err = await provider.create({ name, permissions: declared, adopt }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VAST_ADOPT_FAILED", message: expect.stringMatching(message) });
    expect((err as Error).message).not.toContain(existing.key);
    // Exactly the same keys: nothing created, nothing deleted.
    expect(await liveIds(account)).toEqual(before);
  });

  it("accepts the value of a least-privilege key (no user_read) with a warning saying what was not verified", async () => {
    const scoped = { api: { instance_read: {} } };
    const existing = await consoleKey(account, "autoscaler", scoped);
    const before = await liveIds(account);
    const stderr = captureStderr();
    let adopted: Awaited<ReturnType<typeof provider.create>>;
    try {
      adopted = await provider.create({ name: "autoscaler", permissions: scoped, adopt: { keyId: existing.id, key: existing.key } });
    } finally {
      stderr.restore();
    }
    expect(adopted.outs).toMatchObject({ keyId: existing.id, key: existing.key, adopted: true });
    expect(stderr.text()).toMatch(
      new RegExp(`adopt.key authenticates but lacks user_read, so it could not be verified to be key ${existing.id}`),
    );
    expect(stderr.text()).not.toContain(existing.key);
    expect(await liveIds(account)).toEqual(before);
  });

  it("refuses a name that differs from the key's, suggesting a replacement", async () => {
    const existing = await consoleKey(account, "real-name");
    await expect(provider.create({ name: "other-name", permissions: PERMS, adopt: { keyId: existing.id } })).rejects.toMatchObject({
      message: expect.stringMatching(/name: declared "other-name", key \d+ is named "real-name".*remove `adopt` to create a new key/s),
    });
  });
});

describe("vast-api-keys audit", () => {
  const audit = (args: string[], env: Record<string, string>) =>
    runProcess(process.execPath, [path.join(ROOT, "dist/provider/cli/main.js"), ...args], { env: { ...process.env, ...env } });

  it("reports managed, unmanaged, missing and old keys; --fail-on-drift exits 2; never prints key values", async () => {
    const account = await emu.newAccount();
    await useAccount(provider, emu.url, account.apiKey);
    const a = await checkAndCreate(provider, { name: "managed-a", permissions: PERMS });
    const b = await checkAndCreate(provider, { name: "managed-b", permissions: PERMS });
    const stray = await consoleKey(account, "stray");
    await emu.admin.editKey(stray.id, { createdAt: Date.now() / 1000 - 200 * 86_400 });
    const urn = (n: string) => `urn:pulumi:prod::proj::${API_KEY_TYPE}::${n}`;
    const exportJson = (ids: string[]) => ({
      version: 3,
      deployment: { resources: ids.map((id, i) => ({ urn: urn(`key-${i}`), type: API_KEY_TYPE, id })) },
    });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "audit-"));
    const withDrift = path.join(dir, "drift.json");
    const clean = path.join(dir, "clean.json");
    fs.writeFileSync(withDrift, JSON.stringify(exportJson([a.id, b.id, "424242"])));
    fs.writeFileSync(clean, JSON.stringify(exportJson([a.id, b.id])));
    const env = { VAST_URL: emu.url, VAST_API_KEY: account.apiKey };

    const json = await audit(["audit", "--state", withDrift, "--json", "--older-than-days", "90"], env);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.managed.map((k: { id: number }) => k.id)).toEqual([Number(a.id), Number(b.id)]);
    expect(report.unmanaged.map((k: { id: number; isAuditCredential: boolean }) => [k.id, k.isAuditCredential])).toEqual([
      [account.keyId, true],
      [stray.id, false],
    ]);
    expect(report.missing).toEqual([{ id: 424242, resource: "key-2", stack: "prod", source: withDrift }]);
    expect(report.old.map((k: { id: number }) => k.id)).toEqual([stray.id]);

    const human = await audit(["audit", "--state", withDrift, "--fail-on-drift"], env);
    expect(human.code).toBe(2);
    expect(human.stdout).toMatch(/Managed keys \(2\)[\s\S]*Unmanaged keys \(2\)[\s\S]*stray[\s\S]*drift \(1\)[\s\S]*424242/);
    expect((await audit(["audit", "--state", clean, "--fail-on-drift"], env)).code).toBe(0);

    const all = json.stdout + human.stdout + human.stderr;
    for (const secret of [account.apiKey, stray.key, String((a.outs as { key: string }).key)]) expect(all).not.toContain(secret);
  });

  it("explains bad usage and unreadable state", async () => {
    const usage = await audit(["audit"], {});
    expect(usage.code).toBe(1);
    expect(usage.stderr).toMatch(/give at least one --state FILE[\s\S]*usage: vast-api-keys audit/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "audit-")), "x.json");
    fs.writeFileSync(file, '{"not":"state"}');
    const bad = await audit(["audit", "--state", file], { VAST_URL: emu.url, VAST_API_KEY: "k" });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("x.json: not a Pulumi state");
  });
});
