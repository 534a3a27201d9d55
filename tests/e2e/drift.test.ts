/**
 * `vast-api-keys drift` on the real Pulumi CLI against the emulator, through both doors: the
 * TypeScript program (the per-environment example, package installed from `npm pack`, the bin as
 * installed) and the YAML program on the plugin. Out of band, keys are deleted, renamed and
 * re-scoped and a console key is made; the clock moves with `VAST_NOW`. The command must report
 * each, exit 2, change nothing (state byte for byte, no lock, only GETs in the emulator's request
 * log), exit 0 once `pulumi up --refresh` repaired the stack, and exit 1 when it cannot check.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import type { DriftReport, Finding } from "../../provider/drift";
import { everyKeyValue, lastRequestSeq } from "../helpers/account-keys";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { call, pause } from "../helpers/http";
import { installYamlExample, requireYamlHost } from "../helpers/plugin";
import { installExample, PulumiWorkspace } from "../helpers/pulumi";

const STACK = "dev";
const DAY = 86_400_000;
/** Past `rotateAfterDays: 30` and `rotateEveryDays: 30` of keys made now; before any overlap of 7 days ends. */
const LATER = new Date(Date.now() + 31 * DAY).toISOString();

let emu: EmulatorProcess;

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
});
afterAll(async () => emu?.stop());

/** Every file of the workspace's file:// backend, by path (state, history, backups, locks). */
function backendFiles(ws: PulumiWorkspace): Map<string, Buffer> {
  const root = path.join(ws.scratch, "state");
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
  return new Map(walk(root).map((f) => [path.relative(root, f), fs.readFileSync(f)]));
}

function locks(ws: PulumiWorkspace): string[] {
  return [...backendFiles(ws).keys()].filter((f) => f.startsWith(path.join(".pulumi", "locks")));
}

async function liveKey(account: AccountInfo, name: string) {
  const key = (await emu.admin.liveKeys(account.userId)).find((k) => k.name === name);
  if (!key) throw new Error(`no live key named ${name}`);
  return key;
}

/** A key made in the Vast console: created with the management key, known to no stack. */
async function consoleKey(account: AccountInfo, name: string): Promise<number> {
  for (;;) {
    const r = await call(emu.url, "POST", "/api/v0/auth/apikeys/", {
      key: account.apiKey,
      body: { name, permissions: { api: { billing_read: {} } } },
    });
    // The stack's own creates may have used the account's create interval just now.
    if (r.status === 429) {
      await pause(500);
      continue;
    }
    expect(r.status).toBe(200);
    return (r.json as { id: number }).id;
  }
}

/** Exit code and stderr together, so that a failed expectation shows why the command exited as it did. */
const outcome = (r: { code: number; stderr: string }) => `exit ${r.code}\n${r.stderr}`;

/** `[kind, resource, keyId, slot]` of each finding, sorted. */
function findings(r: DriftReport): Array<[Finding["kind"], string, number, string]> {
  return r.stacks
    .flatMap((s) =>
      s.resources.flatMap((x) => x.findings.map((f) => [f.kind, x.resource, f.keyId, f.slot] as [Finding["kind"], string, number, string])),
    )
    .sort((a, b) => `${a[1]}${a[0]}`.localeCompare(`${b[1]}${b[0]}`));
}

/**
 * Runs `drift` three times (table, --json, --markdown) and checks that it changed nothing: the
 * backend's files byte for byte, no lock left, and only GET requests reaching Vast.
 */
async function driftChangingNothing(
  ws: PulumiWorkspace,
  run: (args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>,
) {
  const before = backendFiles(ws);
  const since = await lastRequestSeq(emu);
  const text = await run([]);
  const json = await run(["--json"]);
  const markdown = await run(["--markdown"]);
  const log = await emu.admin.requests(since);
  expect(backendFiles(ws)).toEqual(before);
  expect(locks(ws)).toEqual([]);
  expect(log.map((e) => e.method).filter((m) => m !== "GET")).toEqual([]);
  // It did read: one identity call and one key list per run.
  expect(log.filter((e) => e.route === "GET /api/v0/auth/apikeys/").length).toBeGreaterThanOrEqual(3);
  for (const r of [text, json, markdown]) expect(outcome(r)).toMatch(/^exit 2\n/);
  return { text, json, markdown, report: JSON.parse(json.stdout) as DriftReport };
}

describe("drift through the TypeScript program (VastApiKey, RotatingVastApiKey)", () => {
  let account: AccountInfo;
  let ws: PulumiWorkspace;
  let bin: string;
  const drift = (args: string[], on = ws) => on.exec(bin, ["drift", ...args]);

  beforeAll(async () => {
    account = await emu.newAccount();
    ws = new PulumiWorkspace(installExample("per-environment"), { VAST_PACING_SCALE: "0.1" });
    bin = path.join(ws.dir, "node_modules", ".bin", "vast-api-keys");
    fs.writeFileSync(
      path.join(ws.dir, `Pulumi.${STACK}.yaml`),
      [
        "config:",
        "  vast-api-keys-environments:keys:",
        "    monitoring: { preset: readOnly }",
        "    gone: { preset: readOnly }",
        "    ci: { preset: instanceManagementOnly, rotateAfterDays: 30 }",
        "    developer: { preset: instanceManagementWithBilling }",
        "    auto: { preset: instanceManagementOnly, rotateEveryDays: 60, overlapDays: 7 }",
        "",
      ].join("\n"),
    );
    await ws.initStack(STACK, { url: emu.url, apiKey: account.apiKey });
    await ws.up(STACK);
  });

  it("a stack just brought up: exit 0, every key ok, the management key listed but not counted; no stack left selected", async () => {
    await ws.run(["stack", "unselect"]);
    const r = await drift(["--json"]);
    // Checking selects each stack; the selection before it (none here) is put back.
    expect(JSON.parse((await ws.run(["stack", "ls", "--json"])).stdout)).toEqual([
      expect.objectContaining({ name: STACK, current: false }),
    ]);
    expect(outcome(r)).toMatch(/^exit 0\n/);
    const report = JSON.parse(r.stdout) as DriftReport;
    expect(report.drift).toBe(false);
    expect(report.summary).toEqual({ stacks: 1, resources: 5, keys: 5, findings: 0, unmanaged: 0 });
    expect(report.unmanaged).toEqual([expect.objectContaining({ keyId: account.keyId, managementKey: true, fullAccess: true })]);
    expect(r.stderr).toContain(`vast: using the API key from stack config vast:apiKey (key ${account.keyId}, account ${account.userId})`);
  });

  it("out of band: one key deleted, one re-scoped to full access, one console key, one past rotateAfterDays: exit 2, each reported, nothing changed", async () => {
    const gone = await liveKey(account, "dev-gone");
    const monitoring = await liveKey(account, "dev-monitoring");
    const ci = await liveKey(account, "dev-ci");
    await emu.admin.deleteKey(gone.id);
    await emu.admin.editKey(monitoring.id, { permissions: null });
    const stray = await consoleKey(account, "made-in-console");

    const later = ws.withEnv({ VAST_NOW: LATER });
    const { text, json, markdown, report } = await driftChangingNothing(ws, (args) => drift(args, later));
    expect(findings(report)).toEqual([
      ["rotation-due", "dev-ci", ci.id, "key"],
      ["deleted", "dev-gone", gone.id, "key"],
      ["rescoped", "dev-monitoring", monitoring.id, "key"],
    ]);
    const due = report.stacks[0]?.resources.find((x) => x.resource === "dev-ci")?.findings[0];
    expect(due).toMatchObject({ since: new Date(ci.createdAt * 1000 + 30 * DAY).toISOString() });
    expect(report.stacks[0]?.resources.find((x) => x.resource === "dev-monitoring")?.findings[0]).toMatchObject({ fullAccess: true });
    expect(report.unmanaged.map((k) => [k.keyId, k.managementKey, k.billing, k.fullAccess])).toEqual([
      [account.keyId, true, true, true],
      [stray, false, true, false],
    ]);
    expect(report.summary).toMatchObject({ findings: 3, unmanaged: 1 });
    expect(report.checkedAt).toBe(LATER);

    expect(text.stdout).toMatch(new RegExp(`dev-gone +VastApiKey +${gone.id} +dev-gone +deleted on Vast`));
    expect(text.stdout).toMatch(
      /dev-monitoring +VastApiKey +\d+ +dev-monitoring +re-scoped on Vast: no permission document now, which is FULL ACCESS/,
    );
    expect(text.stdout).toMatch(/dev-ci +VastApiKey +\d+ +dev-ci +rotation due since \S+ \(rotateAfterDays 30\)/);
    expect(text.stdout).toMatch(/dev-auto +RotatingVastApiKey +\d+ current +dev-auto-1 +ok/);
    expect(text.stdout).toMatch(new RegExp(`${stray} +made-in-console +[\\d.]+d +billing`));
    expect(text.stdout).toMatch(/Exit 2: drift found\.\n$/);
    expect(markdown.stdout).toMatch(/^## Vast API keys: drift found\n/);
    expect(markdown.stdout).toContain(`| dev-gone | VastApiKey | ${gone.id} | dev-gone | **deleted on Vast** |`);

    const values = await everyKeyValue(emu, account);
    for (const out of [text, json, markdown]) for (const v of values) expect(`${out.stdout}${out.stderr}`).not.toContain(v);
  });

  it("keys recorded in another account than the stack's credential: exit 2, each key reported, none read", async () => {
    const other = await emu.newAccount();
    await ws.run(["config", "set", "--secret", "vast:apiKey", other.apiKey, "--stack", STACK]);
    try {
      const r = await drift(["--json", "--stack", STACK]);
      expect(outcome(r)).toMatch(/^exit 2\n/);
      const report = JSON.parse(r.stdout) as DriftReport;
      const kinds = new Set(findings(report).map((f) => f[0]));
      expect([...kinds]).toEqual(["wrong-account"]);
      expect(report.stacks[0]?.resources.every((x) => x.findings.length === x.keys.length)).toBe(true);
      expect(report.stacks[0]?.accountId).toBe(other.userId);
    } finally {
      await ws.run(["config", "set", "--secret", "vast:apiKey", account.apiKey, "--stack", STACK]);
    }
  });

  it("after `pulumi up --refresh` and deleting the console key: exit 0", async () => {
    // The same clock as the check that found the drift, so that up rotates the old key.
    await ws.withEnv({ VAST_NOW: LATER }).run(["up", "--refresh", "--yes", "--skip-preview", "--stack", STACK]);
    const stray = (await emu.admin.liveKeys(account.userId)).find((k) => k.name === "made-in-console");
    if (stray) await emu.admin.deleteKey(stray.id);
    // Vast stamps the new keys with its own clock (VAST_NOW moves the provider's only), so the
    // repaired stack is checked at the real time: the fresh key is days, not months, old.
    const r = await drift([]);
    expect(outcome(r)).toMatch(/^exit 0\n/);
    expect(r.stdout).toMatch(/^vast-api-keys drift at \S+: no drift: 1 stack, 5 key resources, 0 findings, 0 unmanaged keys\n/);
  });

  it("exit 1 when it cannot check: unknown stack, wrong passphrase, revoked credential; nothing on stdout", async () => {
    const unknown = await drift(["--stack", "nope"]);
    expect([unknown.code, unknown.stdout]).toEqual([1, ""]);
    expect(unknown.stderr).toContain("VAST_CHECK_FAILED: no stack named nope in this project's backend (stacks: dev)");

    const badPassphrase = await drift([], ws.withEnv({ PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" }));
    expect([badPassphrase.code, badPassphrase.stdout]).toEqual([1, ""]);
    expect(badPassphrase.stderr).toMatch(
      /VAST_CHECK_FAILED: stack dev: exporting its state \(pulumi stack export\) failed: error: .*incorrect passphrase/,
    );

    await emu.admin.deleteKey(account.keyId);
    const revoked = await drift(["--json"]);
    expect([revoked.code, revoked.stdout]).toEqual([1, ""]);
    expect(revoked.stderr).toMatch(/^vast-api-keys: VAST_AUTH_FAILED: stack dev: Vast API GET \/api\/v0\/users\/current\/ -> 401/m);
    const printed = [unknown, badPassphrase, revoked].map((r) => `${r.stdout}${r.stderr}`).join("\n");
    for (const v of await everyKeyValue(emu, account)) expect(printed).not.toContain(v);
  });
});

describe("drift through the YAML program on the plugin (vast:index:ApiKey, vast:index:RotatingApiKey)", () => {
  let account: AccountInfo;
  let ws: PulumiWorkspace;
  const cli = path.join(ROOT, "dist", "provider", "cli", "main.js");
  const drift = (args: string[], on = ws) => on.exec(process.execPath, [cli, "drift", ...args]);

  beforeAll(async () => {
    requireYamlHost();
    account = await emu.newAccount();
    ws = new PulumiWorkspace(installYamlExample(), { VAST_PACING_SCALE: "0.1" });
    await ws.initStack(STACK, { url: emu.url, apiKey: account.apiKey });
    await ws.up(STACK);
  });

  it("deleted, renamed, rotation due and a console key: exit 2 with --json and --markdown, nothing changed", async () => {
    const monitoring = await liveKey(account, "dev-monitoring");
    const deploy = await liveKey(account, "dev-deploy");
    const autoscaler = await liveKey(account, "dev-autoscaler-1");
    await emu.admin.deleteKey(monitoring.id);
    await emu.admin.editKey(deploy.id, { name: "renamed-in-console" });
    const stray = await consoleKey(account, "made-in-console");

    const { text, json, markdown, report } = await driftChangingNothing(ws, (args) => drift(args, ws.withEnv({ VAST_NOW: LATER })));
    expect(findings(report)).toEqual([
      ["rotation-due", "autoscaler", autoscaler.id, "current"],
      ["renamed", "deploy", deploy.id, "key"],
      ["deleted", "monitoring", monitoring.id, "key"],
    ]);
    const resources = report.stacks[0]?.resources ?? [];
    expect(resources.map((x) => x.type).sort()).toEqual(["vast:index:ApiKey", "vast:index:ApiKey", "vast:index:RotatingApiKey"]);
    expect(resources.find((x) => x.resource === "deploy")?.findings[0]).toMatchObject({ from: "dev-deploy", to: "renamed-in-console" });
    expect(resources.find((x) => x.resource === "autoscaler")?.nextUp).toMatch(/^will rotate: current key "dev-autoscaler-1"/);
    expect(report.unmanaged.filter((k) => !k.managementKey).map((k) => k.keyId)).toEqual([stray]);
    expect(markdown.stdout).toContain(
      `| deploy | vast:index:ApiKey | ${deploy.id} | renamed-in-console | **renamed on Vast: "dev-deploy" → "renamed-in-console"** |`,
    );
    expect(text.stdout).toMatch(/autoscaler +vast:index:RotatingApiKey +\d+ current +dev-autoscaler-1 +rotation due since/);
    const values = await everyKeyValue(emu, account);
    for (const out of [text, json, markdown]) for (const v of values) expect(`${out.stdout}${out.stderr}`).not.toContain(v);
  });

  it("after `pulumi up --refresh` and deleting the console key: exit 0 (at the same clock); a revoked credential: exit 1", async () => {
    const later = ws.withEnv({ VAST_NOW: LATER });
    await later.run(["up", "--refresh", "--yes", "--skip-preview", "--stack", STACK]);
    const stray = (await emu.admin.liveKeys(account.userId)).find((k) => k.name === "made-in-console");
    if (stray) await emu.admin.deleteKey(stray.id);
    const clean = await drift(["--json"], later);
    expect(outcome(clean)).toMatch(/^exit 0\n/);
    expect(JSON.parse(clean.stdout)).toMatchObject({ drift: false, summary: { findings: 0, unmanaged: 0 } });

    await emu.admin.deleteKey(account.keyId);
    const revoked = await drift(["--markdown"], later);
    expect([revoked.code, revoked.stdout]).toEqual([1, ""]);
    expect(revoked.stderr).toContain("VAST_AUTH_FAILED");
  });
});
