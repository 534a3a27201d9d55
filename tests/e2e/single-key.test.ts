/**
 * The single-key example on the real engine: a permission change in the program (replacement,
 * new key before the old one is deleted), a new package version between two `up`s, and
 * rotation by age and by trigger.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call } from "../helpers/http";
import { installExample, opsByName, PulumiWorkspace, summaryOf } from "../helpers/pulumi";

const STACK = "dev";
/** The Pulumi resource name. */
const NAME = "ci-deploy";
/** The key's name on Vast: the example adds the stack name. */
const VAST_NAME = `ci-deploy-${STACK}`;

let emu: EmulatorProcess;
let account: AccountInfo;
let ws: PulumiWorkspace;

async function liveKey() {
  const keys = (await emu.admin.liveKeys(account.userId)).filter((k) => k.name === VAST_NAME);
  expect(keys).toHaveLength(1);
  return keys[0] as (typeof keys)[number];
}

function editProgram(from: string | RegExp, to: string) {
  const file = path.join(ws.dir, "index.ts");
  const before = fs.readFileSync(file, "utf8");
  const after = before.replace(from, to);
  if (after === before) throw new Error(`program edit did not apply: ${from}`);
  fs.writeFileSync(file, after);
}

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
  account = await emu.newAccount();
  ws = new PulumiWorkspace(installExample("single-key"), { VAST_PACING_SCALE: "0.1" });
  await ws.initStack(STACK, { url: emu.url, apiKey: account.apiKey });
});
afterAll(async () => emu?.stop());

describe("single key on the real engine", () => {
  it("creates the key", async () => {
    expect(summaryOf(await ws.up(STACK))).toMatchObject({ create: 2 });
    const key = await liveKey();
    expect((await ws.outputs(STACK, true)).key).toBe(key.key);
    const state = JSON.parse(await ws.exportState(STACK)) as {
      deployment: { resources: Array<{ type: string; outputs?: Record<string, unknown> }> };
    };
    const stored = state.deployment.resources.find((r) => r.type === "pulumi-nodejs:dynamic/vast:ApiKey")?.outputs?.__provider;
    expect(typeof stored).toBe("string");
    expect(Buffer.byteLength(stored as string)).toBeLessThanOrEqual(2000);
  });

  it("a permission change in the program replaces the key: new key created before the old one is deleted", async () => {
    const old = await liveKey();
    editProgram("presets.instanceManagementWithoutBilling()", "presets.instanceManagementOnly()");
    const plan = await ws.preview(STACK);
    expect(plan.steps.find((s) => s.urn.endsWith(`::${NAME}`))?.op).toBe("replace");

    const since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    await ws.up(STACK);
    const log = await emu.admin.requests(since);
    const created = log.find((e) => e.route === "POST /api/v0/auth/apikeys/" && e.outcome === 200);
    const deleted = log.find((e) => e.route === "DELETE /api/v0/auth/apikeys/{id}/" && e.path.endsWith(`/${old.id}/`));
    expect(created && deleted && created.seq < deleted.seq).toBe(true);

    const fresh = await liveKey();
    expect(fresh.id).toBe(created?.createdKeyId);
    expect(fresh.permissions).toEqual({ api: { instance_read: {}, instance_write: {} } });
    expect((await call(emu.url, "GET", "/api/v0/auth/apikeys/", { key: old.key })).status).toBe(401);
    expect((await call(emu.url, "GET", "/api/v0/auth/apikeys/", { key: fresh.key })).status).toBe(403);
  });

  it("a new package version between two ups does not strand state", async () => {
    const before = await liveKey();
    // Simulate an upgrade: new shim text (so __provider changes) and new runtime code.
    const pkg = path.join(ws.dir, "node_modules", "pulumi-vast-api-keys", "dist", "provider");
    const shim = path.join(pkg, "shim.js");
    fs.writeFileSync(shim, fs.readFileSync(shim, "utf8").replace(/\.check\(\.\.\.a\)/, ".check(/* v2 */ ...a)"));
    fs.appendFileSync(path.join(pkg, "runtime.js"), "\nexports.upgradedRuntime = true;\n");

    await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", STACK]);
    const plan = await ws.preview(STACK);
    expect(plan.changeSummary).toMatchObject({ update: 1 });
    expect(plan.changeSummary.replace ?? 0).toBe(0);
    expect(opsByName(await ws.up(STACK))[NAME]).toEqual(["update"]);
    const after = await liveKey();
    expect(after.id).toBe(before.id);
    expect((await ws.outputs(STACK, true)).key).toBe(before.key);
    expect(await ws.exportState(STACK)).toContain("/* v2 */");
    await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", STACK]);
  });

  it("rotateAfterDays alone updates in place; once the key is older, preview and up rotate it", async () => {
    editProgram("presets.instanceManagementOnly(),", "presets.instanceManagementOnly(),\n  rotateAfterDays: 90,");
    expect((await ws.preview(STACK)).changeSummary).toMatchObject({ update: 1 });
    const old = await liveKey();
    await ws.up(STACK);
    expect((await liveKey()).id).toBe(old.id);

    // A tiny period: the key (created seconds ago) is already past it.
    editProgram("rotateAfterDays: 90,", "rotateAfterDays: 0.00001,");
    const plan = await ws.run(["preview", "--json", "--stack", STACK]);
    const parsed = JSON.parse(plan.stdout) as { changeSummary: Record<string, number>; diagnostics?: Array<{ message: string }> };
    expect(parsed.changeSummary).toMatchObject({ replace: 1 });
    expect(JSON.stringify(parsed.diagnostics ?? [])).toMatch(/rotateAfterDays is 0.00001: rotating/);
    await ws.up(STACK);
    const rotated = await liveKey();
    expect(rotated.id).toBeGreaterThan(old.id);
    expect((await call(emu.url, "GET", "/api/v0/auth/apikeys/", { key: old.key })).status).toBe(401);
  });

  it("a changed rotationTrigger replaces the key", async () => {
    editProgram("rotateAfterDays: 0.00001,", 'rotationTrigger: "2026-Q4",');
    const old = await liveKey();
    await ws.up(STACK);
    const first = await liveKey();
    expect(first.id).toBeGreaterThan(old.id);
    editProgram('rotationTrigger: "2026-Q4",', 'rotationTrigger: "2027-Q1",');
    expect((await ws.preview(STACK)).changeSummary).toMatchObject({ replace: 1 });
    await ws.up(STACK);
    const second = await liveKey();
    expect(second.id).toBeGreaterThan(first.id);
    expect((await ws.outputs(STACK, true)).keyId).toBe(second.id);
    expect((await call(emu.url, "GET", "/api/v0/auth/apikeys/", { key: first.key })).status).toBe(401);
  });

  it("a misspelt or empty vast: setting fails the preview naming it, with no call to Vast (the dynamic door)", async () => {
    const since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    const pasted = "e".repeat(64);
    for (const [key, value, said] of [
      ["vast:apikey", pasted, "unknown configuration key vast:apikey"],
      ["vast:apiKey", "", "vast:apiKey is set but empty"],
    ] as const) {
      await ws.run(["config", "set", "--secret", key, value, "--stack", STACK]);
      // Plain preview: a refresh would read with the configuration recorded by the last `up`, as
      // Pulumi refreshes do, which is not the setting under test.
      const r = await ws.run(["preview", "--stack", STACK], { allowFailure: true });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(said);
      if (key === "vast:apiKey") await ws.run(["config", "set", "--secret", key, account.apiKey, "--stack", STACK]);
      else await ws.run(["config", "rm", key, "--stack", STACK]);
    }
    expect(await emu.admin.requests(since)).toEqual([]);
    expect(ws.transcript.join("\n")).not.toContain(pasted);
  });

  it("destroy deletes the key", async () => {
    await ws.destroy(STACK);
    expect((await emu.admin.liveKeys(account.userId)).map((k) => k.id)).toEqual([account.keyId]);
  });
});
