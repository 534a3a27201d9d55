/**
 * Secrets scan: a full lifecycle on the real engine with the provider's debug logging on
 * (VAST_DEBUG=1), including a failed refresh, then a search for every key value ever created
 * and for the management key in: all CLI output (every log line and error message), the state
 * (backend files and `stack export`) and the emulator's request log. Expected: 0 plaintext hits
 * outside the encrypted secret fields.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { installExample, PulumiWorkspace } from "../helpers/pulumi";

const STACK = "dev";
let emu: EmulatorProcess;
let account: AccountInfo;
let ws: PulumiWorkspace;
const transcript: string[] = [];

async function pulumi(args: string[], allowFailure = false) {
  const r = await ws.run([...args, "--stack", STACK], { allowFailure });
  transcript.push(r.stdout, r.stderr);
  return r;
}

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  ws = new PulumiWorkspace(installExample("single-key"), { VAST_PACING_SCALE: "0.1", VAST_DEBUG: "1" });
  await ws.initStack(STACK, { url: emu.url, apiKey: account.apiKey });
});
afterAll(async () => emu?.stop());

it("finds no key value and no management key in logs, errors, state or the request log", async () => {
  await pulumi(["up", "--yes"]);
  await pulumi(["stack", "output", "--json"]);

  await emu.admin.addFaults({ route: "GET /api/v0/auth/apikeys/", times: 20, action: { type: "status", status: 500 } });
  const failed = await pulumi(["refresh", "--yes"], true);
  expect(failed.code).not.toBe(0);
  expect(failed.stdout + failed.stderr).toMatch(/VAST_SERVER_ERROR|Vast failed to process the request/);
  await emu.admin.clearFaults();

  const file = path.join(ws.dir, "index.ts");
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("instanceManagementWithoutBilling()", "readOnly()"));
  await pulumi(["up", "--yes"]);
  await pulumi(["refresh", "--yes"]);
  const state = ws.rawState() + (await ws.exportState(STACK));
  await pulumi(["destroy", "--yes"]);

  expect(transcript.join("\n")).toMatch(/\[vast\] POST \/api\/v0\/auth\/apikeys\/ -> 200/);
  const created = (await emu.admin.state()).keys.filter((k) => k.userId === account.userId && k.id !== account.keyId);
  expect(created.length).toBe(2);
  const secrets = [account.apiKey, ...created.map((k) => k.key)];
  const haystacks = { transcript: transcript.join("\n"), state, requestLog: JSON.stringify(await emu.admin.requests()) };
  const hits = Object.entries(haystacks).flatMap(([where, text]) =>
    secrets.filter((s) => text.includes(s)).map((s) => `${where}: …${s.slice(-4)}`),
  );
  expect(hits).toEqual([]);
});
