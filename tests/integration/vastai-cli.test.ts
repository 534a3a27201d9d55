/**
 * Fidelity proof: the official `vastai` CLI from PyPI, a client we did not write, works against
 * the emulator through `VAST_URL`. The CLI exits 0 even on errors, so every assertion is on what
 * it prints. If PyPI cannot be reached, `scripts/ensure-vastai.sh` fails and so does this test.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { runProcess } from "../helpers/process";

let emu: EmulatorProcess;
let vastai: string;
let account: AccountInfo;
let home: string;

/** Runs `vastai <args>` with an isolated HOME; returns stdout + stderr and the exit code. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: path.join(home, ".config"), VAST_URL: emu.url };
  const r = await runProcess(vastai, args, { env, timeoutMs: 60_000 });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

beforeAll(async () => {
  try {
    vastai = execFileSync("bash", [path.join(ROOT, "scripts/ensure-vastai.sh")], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch (err) {
    throw new Error(
      `The vastai CLI could not be installed from PyPI, so the fidelity test cannot run: ${(err as { stderr?: string }).stderr ?? err}`,
    );
  }
  // Real thresholds scaled to a tenth; the CLI's own retries (0.15 s, 0.225 s) cover the rest.
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  home = fs.mkdtempSync(path.join(os.tmpdir(), "vastai-home-"));
});
afterAll(async () => emu?.stop());

describe("the official vastai CLI against the emulator", () => {
  let createdId = 0;
  let createdKey = "";

  it("set api-key saves the key where the CLI reads it", async () => {
    const r = await cli(["set", "api-key", account.apiKey]);
    expect(r.out).toContain("Your api key has been saved in");
    expect(fs.readFileSync(path.join(home, ".config/vastai/vast_api_key"), "utf8")).toBe(account.apiKey);
  });

  it("create api-key --name --permission_file creates a scoped key", async () => {
    const file = path.join(home, "perms.json");
    fs.writeFileSync(file, JSON.stringify({ api: { misc: {}, user_read: {} } }));
    const r = await cli(["create", "api-key", "--name", "fidelity", "--permission_file", file]);
    expect(r.code).toBe(0);
    const m = /api-key created \{'id': (\d+), 'key': '([0-9a-f]{64})'/.exec(r.out);
    expect(m).not.toBeNull();
    createdId = Number(m?.[1]);
    createdKey = m?.[2] ?? "";
    expect(r.out).toContain("'permissions': {'api': {'misc': {}, 'user_read': {}}}");
    const stored = (await emu.admin.liveKeys(account.userId)).find((k) => k.id === createdId);
    expect(stored).toMatchObject({ name: "fidelity", key: createdKey, permissions: { api: { misc: {}, user_read: {} } } });
  });

  it("show api-keys --raw prints the list as JSON, without key values", async () => {
    const r = await cli(["show", "api-keys", "--raw"]);
    const body = JSON.parse(r.out) as { apikeys: Array<{ id: number; name: string | null; rights: string | null }> };
    expect(body.apikeys.map((k) => k.id)).toEqual([account.keyId, createdId]);
    expect(body.apikeys[1]).toMatchObject({ name: "fidelity", rights: '{"api":{"misc":{},"user_read":{}}}' });
    expect(r.out).not.toContain(createdKey);
    expect(r.out).not.toContain(account.apiKey);
  });

  it("show api-key ID prints one key", async () => {
    const r = await cli(["show", "api-key", String(createdId)]);
    expect(r.out).toContain(`'id': ${createdId}`);
    expect(r.out).toContain("'name': 'fidelity'");
  });

  it("--api-key overrides the saved key (show user --raw with the new scoped key)", async () => {
    const r = await cli(["--api-key", createdKey, "show", "user", "--raw"]);
    expect(JSON.parse(r.out)).toMatchObject({ id: account.userId, key_id: createdId });
    expect(r.out).not.toContain(createdKey);
  });

  it("a scoped key without user_write is refused when creating keys", async () => {
    const file = path.join(home, "perms2.json");
    fs.writeFileSync(file, JSON.stringify({ api: { misc: {} } }));
    const r = await cli(["--api-key", createdKey, "create", "api-key", "--name", "nope", "--permission_file", file]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/403|lacks the user_write permission/);
    expect((await emu.admin.liveKeys(account.userId)).map((k) => k.name)).not.toContain("nope");
  });

  it("delete api-key ID deletes it; showing it again reports not found", async () => {
    expect((await cli(["delete", "api-key", String(createdId)])).out).toContain("Successfully Deleted API Key");
    const again = await cli(["show", "api-key", String(createdId)]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("Failed with error 404: API Key not found.");
    expect((await cli(["--api-key", createdKey, "show", "user", "--raw"])).out).toContain('"status_code": 401');
  });

  it("show user --raw with the saved key, then reset api-key rotates it", async () => {
    expect(JSON.parse((await cli(["show", "user", "--raw"])).out)).toMatchObject({ key_id: account.keyId });
    const r = await cli(["reset", "api-key"]);
    const fresh = /New api-key: ([0-9a-f]{64})/.exec(r.out)?.[1];
    expect(fresh).toBeDefined();
    expect(fresh).not.toBe(account.apiKey);
    expect((await cli(["show", "user", "--raw"])).out).toContain('"msg": "Invalid user key"');
    expect(JSON.parse((await cli(["--api-key", fresh ?? "", "show", "user", "--raw"])).out)).toMatchObject({ key_id: account.keyId });
  });
});
