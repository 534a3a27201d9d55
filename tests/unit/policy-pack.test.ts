/**
 * The policy pack as shipped: its metadata, its place in the published package, and the
 * `pulumi-analyzer-policy-vastnode` shim the CLI starts for `runtime: vastnode` (run here against
 * a stand-in runner that reports what it was given).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROOT } from "../helpers/emulator";
import { POLICY_DIR } from "../helpers/policy";
import { runProcess } from "../helpers/process";

const SHIM = path.join(POLICY_DIR, "bin", "pulumi-analyzer-policy-vastnode");
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, "utf8"));

describe("the pack's files", () => {
  const pack = readJson(path.join(POLICY_DIR, "package.json"));
  const pkg = readJson(path.join(ROOT, "package.json"));

  it("carries the package's version (the engine shows it; PolicyPack refuses a pack without one)", () => {
    expect(pack.version).toBe(pkg.version);
  });

  it("asks for the vastnode runtime, whose analyzer shim is executable", () => {
    expect(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8")).toMatch(/^runtime: vastnode$/m);
    expect(fs.statSync(SHIM).mode & 0o111).toBe(0o111);
  });

  it("is published with the package: manifest, PulumiPolicy.yaml, the compiled entry point and the shim", () => {
    const main = path.posix.join("policy", path.posix.dirname(pack.main));
    expect(pkg.files).toEqual(expect.arrayContaining(["policy/PulumiPolicy.yaml", "policy/package.json", "policy/bin", main]));
    expect(pkg.devDependencies["@pulumi/policy"]).toBeDefined();
    expect(pack.peerDependencies).toMatchObject({ "@pulumi/policy": expect.any(String), "pulumi-vast-api-keys": "*" });
  });
});

describe("pulumi-analyzer-policy-vastnode", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "vastnode-shim-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function fakeModule(name: string, file: string, body: string) {
    const root = path.join(dir, "node_modules", ...name.split("/"));
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, "package.json"), JSON.stringify({ name, version: "0.0.0" }));
    fs.writeFileSync(path.join(root, file), body);
  }

  const env = (extra: Record<string, string>) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PULUMI_")));
    return { ...base, ...extra };
  };

  it("copies the stack, project, organization and dry-run into PULUMI_NODEJS_* and runs the SDK's runner with the CLI's arguments", async () => {
    fakeModule("@pulumi/policy", "index.js", "");
    fakeModule(
      "@pulumi/pulumi",
      "cmd/run-policy-pack/index.js",
      "const e = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('PULUMI_NODEJS_')));\n" +
        "console.log(JSON.stringify({ args: process.argv.slice(2), cwd: process.cwd(), env: e }));\n",
    );
    const r = await runProcess(SHIM, ["127.0.0.1:4242", "."], {
      cwd: dir,
      env: env({ PULUMI_STACK: "prod", PULUMI_PROJECT: "keys", PULUMI_ORGANIZATION: "acme", PULUMI_DRY_RUN: "true" }),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // Nothing but the runner's output on stdout: the CLI reads the port from its first line.
    expect(JSON.parse(r.stdout)).toEqual({
      args: ["127.0.0.1:4242", "."],
      cwd: fs.realpathSync(dir),
      env: {
        PULUMI_NODEJS_STACK: "prod",
        PULUMI_NODEJS_PROJECT: "keys",
        PULUMI_NODEJS_ORGANIZATION: "acme",
        PULUMI_NODEJS_DRY_RUN: "true",
      },
    });
  });

  it("fails before starting anything when the pack cannot resolve @pulumi/pulumi or @pulumi/policy, naming them", async () => {
    const r = await runProcess(SHIM, ["127.0.0.1:4242", "."], { cwd: dir, env: env({ PULUMI_STACK: "prod" }) });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    // The CLI recognises this exact text and adds "try running npm install in <pack>".
    expect(r.stderr).toContain("Cannot find module '@pulumi/pulumi/cmd/run-policy-pack'");
    expect(r.stderr).toContain("Cannot find module '@pulumi/policy'");
    expect(r.stderr).toContain("npm install --save-dev @pulumi/policy");
  });
});
