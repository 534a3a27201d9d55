/**
 * `vast-api-keys recover` (the compiled bin) against the emulator, with a state file shaped like a
 * killed `pulumi up` leaves it: lists the key a pending create left behind, deletes it only with
 * `--delete`, keeps the management key (even when its name matches), keys the state names, and
 * ambiguous candidates; prints no key value; exit codes 2 / 0 / 1.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { API_KEY_TYPE, PLUGIN_API_KEY_TYPE } from "../../provider/audit";
import { everyKeyValue, managedKeys } from "../helpers/account-keys";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { call, pause } from "../helpers/http";
import { runProcess } from "../helpers/process";

const PERMISSIONS = { api: { instance_read: {} } };

let emu: EmulatorProcess;
let account: AccountInfo;
let stateFile: string;
const ids: Record<string, number[]> = {};

const recover = (args: string[]) =>
  runProcess(process.execPath, [path.join(ROOT, "dist/provider/cli/main.js"), "recover", ...args], {
    env: { ...process.env, VAST_URL: emu.url, VAST_API_KEY: account.apiKey },
  });

async function createKey(name: string): Promise<number> {
  await pause(30); // the emulator's create interval, scaled
  const r = await call(emu.url, "POST", "/api/v0/auth/apikeys/", { key: account.apiKey, body: { name, permissions: PERMISSIONS } });
  const id = (r.json as { id: number }).id;
  ids[name] = [...(ids[name] ?? []), id];
  return id;
}

const pendingCreate = (type: string, name: string) => ({
  type: "creating",
  resource: { urn: `urn:pulumi:dev::proj::${type}::${name}`, custom: true, type, inputs: { name, permissions: PERMISSIONS } },
});

beforeAll(async () => {
  emu = await startEmulatorProcess();
  account = await emu.newAccount();
  const recorded = await createKey("dev-role1"); // made before the interruption and recorded
  await pause(20);
  const checkpoint = new Date().toISOString();
  await createKey("dev-role2"); // left behind by its pending create
  await createKey("dev-role3"); // two candidates for one pending create
  await createKey("dev-role3");
  // The management key, renamed like a pending create: never a candidate.
  await emu.admin.editKey(account.keyId, { name: "dev-role4" });
  const state = {
    version: 3,
    deployment: {
      manifest: { time: checkpoint },
      resources: [{ urn: `urn:pulumi:dev::proj::${API_KEY_TYPE}::dev-role1`, type: API_KEY_TYPE, id: String(recorded) }],
      pending_operations: [
        pendingCreate(API_KEY_TYPE, "dev-role1"),
        pendingCreate(API_KEY_TYPE, "dev-role2"),
        pendingCreate(PLUGIN_API_KEY_TYPE, "dev-role3"),
        pendingCreate(PLUGIN_API_KEY_TYPE, "dev-role4"),
      ],
    },
  };
  stateFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "recover-")), "s.json");
  fs.writeFileSync(stateFile, JSON.stringify(state));
});
afterAll(async () => emu?.stop());

describe("vast-api-keys recover", () => {
  it("lists without deleting by default (exit 2), as JSON, without any key value", async () => {
    const r = await recover(["--state", stateFile, "--json"]);
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as {
      deleteRequested: boolean;
      next: string[];
      pending: Array<{ resource: string; outcome: string; keys: Array<{ id: number; action: string }> }>;
    };
    expect(report.pending.map((p) => [p.resource, p.outcome, p.keys.map((k) => [k.id, k.action])])).toEqual([
      ["dev-role1", "not-created", []],
      ["dev-role2", "left-behind", [[ids["dev-role2"]?.[0], "delete"]]],
      ["dev-role3", "ambiguous", (ids["dev-role3"] ?? []).map((id) => [id, "keep"])],
      ["dev-role4", "not-created", []],
    ]);
    expect(report.deleteRequested).toBe(false);
    expect(report.next).toEqual([
      `vast-api-keys recover --state ${stateFile} --delete`,
      "pulumi refresh --yes --clear-pending-creates",
      "pulumi up",
    ]);
    expect((await managedKeys(emu, account)).length).toBe(4);
    for (const value of await everyKeyValue(emu, account)) expect(r.stdout + r.stderr).not.toContain(value);
  });

  it("--delete deletes the key left behind and nothing else; ambiguous candidates remain, so exit 2", async () => {
    const r = await recover(["--state", stateFile, "--delete"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(new RegExp(`key ${ids["dev-role2"]?.[0]} "dev-role2" .* was left behind: deleted`));
    expect(r.stdout).toMatch(/none is deleted; check them by hand/);
    expect(r.stdout.trimEnd().split("\n").slice(-3)).toEqual([
      "Next, in order:",
      "  pulumi refresh --yes --clear-pending-creates",
      "  pulumi up",
    ]);
    expect(r.stderr).toMatch(/vast: using the API key from environment variable VAST_API_KEY/);
    const live = (await emu.admin.liveKeys(account.userId)).map((k) => k.id).sort((a, b) => a - b);
    expect(live).toEqual([account.keyId, ...(ids["dev-role1"] ?? []), ...(ids["dev-role3"] ?? [])].sort((a, b) => a - b));
  });

  it("exits 0 once nothing is left behind", async () => {
    for (const id of ids["dev-role3"]?.slice(1) ?? []) await emu.admin.deleteKey(id);
    const r = await recover(["--state", stateFile, "--delete"]);
    expect(r.code).toBe(0);
    expect((await emu.admin.liveKeys(account.userId)).some((k) => k.id === account.keyId)).toBe(true);
  });

  it("a usage error names the option and prints the usage (exit 1)", async () => {
    const r = await recover(["--delete"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--state: give the file `pulumi stack export` wrote[\s\S]*usage: vast-api-keys recover/);
    const since = await recover(["--state", stateFile, "--since", "yesterday"]);
    expect(since.stderr).toMatch(/--since: must be an ISO-8601 time/);
  });
});
