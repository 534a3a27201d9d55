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
import { vastApiKeyProvider } from "pulumi-vast-api-keys";
import { serializeProvider } from "../../scripts/serialize-provider";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";

const run = promisify(execFile);

const CHILD = `
const fs = require("node:fs");
const provider = require("require-from-string")(fs.readFileSync(process.argv[1], "utf8")).handler();
const cfg = { "vast:apiKey": process.env.T_KEY, "vast:url": process.env.T_URL };
(async () => {
  await provider.configure({ config: { get: (k) => cfg[k], require: (k) => cfg[k] } });
  const inputs = { name: "serialized", permissions: { api: { misc: {} } } };
  const checked = await provider.check({}, inputs);
  const created = await provider.create(checked.inputs);
  const read = await provider.read(created.id, created.outs);
  const diff = await provider.diff(created.id, read.props, inputs);
  const updated = await provider.update(created.id, created.outs, inputs);
  await provider.delete(created.id, updated.outs);
  const gone = await provider.read(created.id, updated.outs);
  console.log(JSON.stringify({ id: created.id, keyKept: updated.outs.key === created.outs.key && read.props.key === created.outs.key, diff, gone }));
})().catch((e) => { console.error(e.code, e.message); process.exit(1); });
`;

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());

it("loads __provider in a fresh Node process and runs a full lifecycle with it", async () => {
  const account = await emu.newAccount();
  const text = await serializeProvider(vastApiKeyProvider);
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(2000);
  expect(text).not.toContain(account.apiKey);
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "provider-")), "provider.js");
  fs.writeFileSync(file, text);

  const { stdout } = await run(process.execPath, ["-e", CHILD, file], {
    cwd: ROOT,
    env: { ...process.env, T_KEY: account.apiKey, T_URL: emu.url, VAST_PACING_SCALE: "0.01" },
  });
  const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}");
  expect(result).toMatchObject({ keyKept: true, diff: { changes: false }, gone: {} });
  const state = await emu.admin.state();
  expect(state.keys.find((k) => k.id === Number(result.id))?.deletedAt).toEqual(expect.any(Number));
});

it("fails clearly when the package cannot be resolved from the program directory", async () => {
  const text = await serializeProvider(vastApiKeyProvider);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "no-package-"));
  const file = path.join(dir, "provider.js");
  fs.writeFileSync(file, text);
  const script = `const p = require(${JSON.stringify(path.join(ROOT, "node_modules/require-from-string"))})(require("fs").readFileSync(process.argv[1], "utf8")).handler(); (async () => p.read("1", {}))().catch((e) => { console.log(e.message); });`;
  const { stdout } = await run(process.execPath, ["-e", script, file], { cwd: dir });
  expect(stdout).toContain("Cannot find module 'pulumi-vast-api-keys/runtime'");
});
