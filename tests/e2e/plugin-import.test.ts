/**
 * `pulumi import` through the `vast` provider plugin on the real engine, against the emulator:
 * into a YAML program, into a TypeScript program using the typed `ApiKey` class (with the plugin
 * installed from its tarball), and the migration of a stack from the dynamic `VastApiKey` to the
 * plugin resource without recreating the key.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { AccountInfo } from "../../emulator/store";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { call, createKeyOutOfBand } from "../helpers/http";
import { builtPlugin, requireYamlHost, writeYamlProgram, yamlProject } from "../helpers/plugin";
import { installExample, PulumiWorkspace } from "../helpers/pulumi";

const PERMISSIONS = { api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} } };

let emu: EmulatorProcess;

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 0.1 });
});
afterAll(async () => emu?.stop());

/** Makes a key "in the console" (straight through the API), as a user would before importing it. */
async function consoleKey(account: AccountInfo, name: string): Promise<{ id: number; key: string }> {
  const made = await call(emu.url, "POST", "/api/v0/auth/apikeys/", { key: account.apiKey, body: { name, permissions: PERMISSIONS } });
  expect(made.status).toBe(200);
  return made.json as { id: number; key: string };
}

async function liveIds(account: AccountInfo): Promise<number[]> {
  return (await emu.admin.liveKeys(account.userId)).map((k) => k.id).filter((id) => id !== account.keyId);
}

describe("pulumi import into a YAML program", () => {
  let account: AccountInfo;
  let ws: PulumiWorkspace;

  beforeAll(async () => {
    requireYamlHost();
    account = await emu.newAccount();
    ws = new PulumiWorkspace(yamlProject("vast-import"), { VAST_PACING_SCALE: "0.1" });
    await ws.initStack("dev", { url: emu.url, apiKey: account.apiKey });
  });

  it("takes a console-made key under management: no new key, then no changes; destroy deletes it", async () => {
    const existing = await consoleKey(account, "console-made");
    const imported = await ws.importResource("dev", "vast:index:ApiKey", "console", String(existing.id));
    expect(imported.stdout).toMatch(/= +vast:index:ApiKey console imported/);
    expect(imported.stdout).toMatch(/= 1 imported/);
    expect(await liveIds(account)).toEqual([existing.id]);

    writeYamlProgram(
      ws.dir,
      "vast-import",
      builtPlugin().dir,
      [
        "  console:",
        "    type: vast:index:ApiKey",
        "    properties:",
        "      name: console-made",
        `      permissions: ${JSON.stringify(PERMISSIONS)}`,
      ].join("\n"),
    );
    await ws.run(["preview", "--expect-no-changes", "--stack", "dev"]);
    await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", "dev"]);
    expect(await ws.exportState("dev")).not.toContain(existing.key);

    await ws.destroy("dev");
    expect(await liveIds(account)).toEqual([]);
  });

  it("console-made keys (full access, no name, rights listed in another form): the generated YAML previews and ups with no changes", async () => {
    const made = async (body: Record<string, unknown>) => (await createKeyOutOfBand(emu.url, account.apiKey, body)).id;
    const full = await made({ name: "console-full" });
    const nameless = await made({ permissions: { api: { instance_read: {} } } });
    const other = await made({ name: "console-other", permissions: PERMISSIONS });
    const generated: string[] = [];
    await emu.admin.setOptions({ rightsAs: "categories-string" });
    try {
      for (const [name, id] of [
        ["full", full],
        ["nameless", nameless],
        ["other", other],
      ] as const) {
        const out = path.join(ws.dir, `${name}.yaml`);
        const r = await ws.run([
          "import",
          "vast:index:ApiKey",
          name,
          String(id),
          "--yes",
          "--protect=false",
          "--out",
          out,
          "--stack",
          "dev",
        ]);
        // The provider's own check accepts what the import recorded (no "bug in the vast provider" warning).
        expect(r.stdout + r.stderr).not.toMatch(/almost certainly a bug/i);
        generated.push(fs.readFileSync(out, "utf8").replace(/^resources:\n/, ""));
      }
      writeYamlProgram(ws.dir, "vast-import", builtPlugin().dir, generated.join(""));
      expect(generated.join("")).toContain('name: ""');
      await ws.run(["preview", "--expect-no-changes", "--stack", "dev"]);
      await ws.run(["up", "--yes", "--expect-no-changes", "--stack", "dev"]);
      await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", "dev"]);
      expect((await liveIds(account)).sort()).toEqual([full, nameless, other].sort());
    } finally {
      await emu.admin.setOptions({ rightsAs: "string" });
    }
    await ws.destroy("dev");
    expect(await liveIds(account)).toEqual([]);
    writeYamlProgram(ws.dir, "vast-import", builtPlugin().dir, "");
  });

  it("refuses an id the account does not have, naming it, and imports nothing", async () => {
    const r = await ws.run(["import", "vast:index:ApiKey", "ghost", "999999", "--yes", "--generate-code=false", "--stack", "dev"], {
      allowFailure: true,
    });
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain('cannot import vast:index:ApiKey "ghost": no Vast API key with id 999999');
    expect(await ws.exportState("dev")).not.toContain("ghost");
  });
});

describe("TypeScript programs with the plugin resource (plugin installed from its tarball)", () => {
  let account: AccountInfo;
  let ws: PulumiWorkspace;

  const program = (body: string) => fs.writeFileSync(path.join(ws.dir, "index.ts"), body);

  beforeAll(async () => {
    account = await emu.newAccount();
    ws = new PulumiWorkspace(installExample("single-key"), { VAST_PACING_SCALE: "0.1" });
    const { tarball, version } = builtPlugin();
    await ws.run(["plugin", "install", "resource", "vast", version, "-f", tarball]);
    expect((await ws.run(["plugin", "ls"])).stdout).toMatch(new RegExp(`vast\\s+resource\\s+${version.replace(/\./g, "\\.")}`));
  });

  it("imports a console-made key into a program declaring it with the typed ApiKey class", async () => {
    await ws.initStack("import", { url: emu.url, apiKey: account.apiKey });
    const existing = await consoleKey(account, "console-made");
    program(`import { ApiKey } from "pulumi-vast-api-keys";

const imported = new ApiKey("imported", {
  name: "console-made",
  permissions: { api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} } },
});
export const keyId = imported.keyId;
`);
    await ws.importResource("import", "vast:index:ApiKey", "imported", String(existing.id));
    await ws.run(["preview", "--expect-no-changes", "--stack", "import"]);
    await ws.run(["up", "--yes", "--expect-no-changes", "--stack", "import"]);
    expect(await ws.outputs("import")).toEqual({ keyId: existing.id });
    expect(await liveIds(account)).toEqual([existing.id]);

    await ws.destroy("import");
    expect(await liveIds(account)).toEqual([]);
  });

  it("moves a stack from VastApiKey to ApiKey without recreating the key (import, then drop the old state entry)", async () => {
    await ws.initStack("migrate", { url: emu.url, apiKey: account.apiKey });
    program(`import { VastApiKey, presets } from "pulumi-vast-api-keys";

const ci = new VastApiKey("ci-deploy", { permissions: presets.instanceManagementWithoutBilling() });
export const keyId = ci.keyId;
`);
    await ws.up("migrate");
    const [id] = await liveIds(account);
    if (id === undefined) throw new Error("the dynamic resource created no key");
    const since = (await emu.admin.requests()).at(-1)?.seq ?? 0;

    // The documented steps (docs/import-and-adoption.md, "Importing existing keys").
    await ws.importResource("migrate", "vast:index:ApiKey", "ci-deploy", String(id));
    const resources = (JSON.parse(await ws.exportState("migrate")) as { deployment: { resources: Array<{ urn: string; type: string }> } })
      .deployment.resources;
    const old = resources.find((r) => r.type === "pulumi-nodejs:dynamic/vast:ApiKey");
    if (!old) throw new Error("no dynamic VastApiKey in the state");
    await ws.run(["state", "delete", old.urn, "--yes", "--stack", "migrate"]);
    program(`import { ApiKey, presets } from "pulumi-vast-api-keys";

const ci = new ApiKey("ci-deploy", { permissions: presets.instanceManagementWithoutBilling() });
export const keyId = ci.keyId;
`);
    await ws.run(["preview", "--expect-no-changes", "--stack", "migrate"]);
    await ws.run(["up", "--yes", "--expect-no-changes", "--stack", "migrate"]);
    await ws.run(["refresh", "--yes", "--expect-no-changes", "--stack", "migrate"]);

    // The same key, untouched: no create and no delete reached the API.
    expect(await liveIds(account)).toEqual([id]);
    expect(await ws.outputs("migrate")).toEqual({ keyId: id });
    const writes = (await emu.admin.requests(since)).filter((e) => e.route.startsWith("POST") || e.route.startsWith("DELETE"));
    expect(writes).toEqual([]);
    const types = (
      JSON.parse(await ws.exportState("migrate")) as { deployment: { resources: Array<{ type: string }> } }
    ).deployment.resources.map((r) => r.type);
    expect(types).toContain("vast:index:ApiKey");
    expect(types).not.toContain("pulumi-nodejs:dynamic/vast:ApiKey");

    await ws.destroy("migrate");
    expect(await liveIds(account)).toEqual([]);
  });
});
