/**
 * The serialization round trip: `__provider` is produced exactly as `pulumi.dynamic.Resource`
 * produces it, loaded in a fresh Node process the way the engine's dynamic-provider host loads
 * it (`require-from-string(...).handler()`, cwd = the program directory), and driven through a
 * full lifecycle against the emulator.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { rotatingVastApiKeyProvider, vastApiKeyProvider } from "pulumi-vast-api-keys";
import { serializeProvider } from "../../scripts/serialize-provider";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";

const run = promisify(execFile);

const CHILD = `
const fs = require("node:fs");
const provider = require("require-from-string")(fs.readFileSync(process.argv[1], "utf8")).handler();
const cfg = { "vast:apiKey": process.env.T_KEY, "vast:url": process.env.T_URL };
(async () => {
  await provider.configure({ config: { get: (k) => cfg[k], require: (k) => cfg[k] } });
  const inputs = JSON.parse(process.env.T_INPUTS);
  const checked = await provider.check({}, inputs);
  const created = await provider.create(checked.inputs);
  const read = await provider.read(created.id, created.outs);
  const diff = await provider.diff(created.id, read.props, checked.inputs);
  const updated = await provider.update(created.id, created.outs, checked.inputs);
  await provider.delete(created.id, updated.outs);
  const gone = await provider.read(created.id, updated.outs);
  const value = (o) => o.key ?? o.current.key;
  const keyId = created.outs.keyId ?? created.outs.current.keyId;
  console.log(JSON.stringify({ keyId, keyKept: value(updated.outs) === value(created.outs) && value(read.props) === value(created.outs), diff, gone }));
})().catch((e) => { console.error(e.code, e.message); process.exit(1); });
`;

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());

it.each([
  ["VastApiKey", vastApiKeyProvider, { name: "serialized", permissions: { api: { misc: {} } } }, {}],
  [
    "RotatingVastApiKey",
    rotatingVastApiKeyProvider,
    { name: "serialized", permissions: { api: { misc: {} } }, rotateEveryDays: 30 },
    // A rotating key is never dropped by refresh: a gone key is recorded for the next up to repair.
    { id: expect.any(String), props: expect.objectContaining({ tracking: { current: expect.objectContaining({ gone: true }) } }) },
  ],
] as Array<[string, ResourceProvider, Record<string, unknown>, unknown]>)(
  "loads the __provider of %s in a fresh Node process and runs a full lifecycle with it",
  async (_name, provider, inputs, gone) => {
    const account = await emu.newAccount();
    const text = await serializeProvider(provider);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
    expect(text).not.toContain(account.apiKey);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "provider-")), "provider.js");
    fs.writeFileSync(file, text);

    const { stdout } = await run(process.execPath, ["-e", CHILD, file], {
      cwd: ROOT,
      env: { ...process.env, T_KEY: account.apiKey, T_URL: emu.url, T_INPUTS: JSON.stringify(inputs), VAST_PACING_SCALE: "0.01" },
    });
    const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
    expect(result).toMatchObject({ keyKept: true, diff: { changes: false } });
    expect(result.gone).toEqual(gone);
    const state = await emu.admin.state();
    expect(state.keys.find((k) => k.id === Number(result.keyId))?.deletedAt).toEqual(expect.any(Number));
  },
);

it("fails clearly when the package cannot be resolved from the program directory", async () => {
  const text = await serializeProvider(vastApiKeyProvider);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "no-package-"));
  const file = path.join(dir, "provider.js");
  fs.writeFileSync(file, text);
  const script = `const p = require(${JSON.stringify(path.join(ROOT, "node_modules/require-from-string"))})(require("fs").readFileSync(process.argv[1], "utf8")).handler(); (async () => p.read("1", {}))().catch((e) => { console.log(e.message); });`;
  const { stdout } = await run(process.execPath, ["-e", script, file], { cwd: dir });
  expect(stdout).toContain("Cannot find module 'pulumi-vast-api-keys/runtime'");
});
