/**
 * Adoption on the real engine: a key made in the "console" (directly through the API) is taken
 * under management by a program, without creating a new key; destroy then deletes it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { installExample, PulumiWorkspace, summaryOf } from "../helpers/pulumi";

const STACK = "dev";
const PROGRAM = `import * as pulumi from "@pulumi/pulumi";
import { VastApiKey, presets } from "pulumi-vast-api-keys";

const config = new pulumi.Config();
const adopted = new VastApiKey("ci-deploy", {
  name: "console-made",
  permissions: presets.instanceManagementWithoutBilling(),
  adopt: { keyId: config.requireNumber("adoptKeyId"), key: config.requireSecret("adoptKey") },
});
export const keyId = adopted.keyId;
export const key = adopted.key;
`;

let emu: EmulatorProcess;
let account: AccountInfo;
let ws: PulumiWorkspace;

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  ws = new PulumiWorkspace(installExample("single-key"), { VAST_PACING_SCALE: "0.1" });
  fs.writeFileSync(path.join(ws.dir, "index.ts"), PROGRAM);
  await ws.initStack(STACK, { url: emu.url, apiKey: account.apiKey });
});
afterAll(async () => emu?.stop());

it("adopts a console-made key, keeps its value secret, and deletes it on destroy", async () => {
  const made = await call(emu.url, "POST", "/api/v0/auth/apikeys/", {
    key: account.apiKey,
    body: { name: "console-made", permissions: { api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} } } },
  });
  const existing = made.json as { id: number; key: string };
  await ws.run(["config", "set", "adoptKeyId", String(existing.id), "--stack", STACK]);
  await ws.run(["config", "set", "--secret", "adoptKey", existing.key, "--stack", STACK]);

  expect(summaryOf(await ws.up(STACK))).toMatchObject({ create: 2 });
  expect((await emu.admin.liveKeys(account.userId)).map((k) => k.id)).toEqual([account.keyId, existing.id]);
  expect(await ws.outputs(STACK)).toEqual({ keyId: existing.id, key: "[secret]" });
  expect((await ws.outputs(STACK, true)).key).toBe(existing.key);
  expect(ws.rawState() + (await ws.exportState(STACK))).not.toContain(existing.key);

  await ws.run(["preview", "--expect-no-changes", "--stack", STACK]);
  await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", STACK]);
  await ws.destroy(STACK);
  expect((await emu.admin.liveKeys(account.userId)).map((k) => k.id)).toEqual([account.keyId]);
});
