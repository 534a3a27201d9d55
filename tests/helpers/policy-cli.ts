/**
 * Running the policy pack with the real Pulumi CLI on an installed example, the way a user does:
 * `npm install --save-dev @pulumi/policy` in the project, then
 * `pulumi preview --policy-pack node_modules/pulumi-vast-api-keys/policy`, with the installed
 * package's analyzer shim declared under `plugins: analyzers:` in Pulumi.yaml (so the shipped file
 * is the one under test, and the CLI prints no "from $PATH" warning).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ROOT } from "./emulator";
import type { ProcessResult } from "./process";
import { type PulumiWorkspace, parseEvents } from "./pulumi";

/** Where the pack sits in a project that installed the package (relative to the project). */
export const PACK_IN_PROJECT = path.join("node_modules", "pulumi-vast-api-keys", "policy");

/** One policy violation, from the engine's event stream. */
export interface PolicyEvent {
  resourceUrn?: string;
  policyName: string;
  policyPackName: string;
  enforcementLevel: "advisory" | "mandatory" | "remediate" | "disabled";
  message: string;
}

/** The outcome of a command run with the pack. */
export interface PolicyRun extends ProcessResult {
  /** Violations reported by the pack, in order. */
  violations: PolicyEvent[];
}

/** Environment for a {@link PulumiWorkspace} running the pack: streaming JSON previews, so policy events can be read. */
export const POLICY_ENV = { PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" };

const ANALYZER_ENTRY = ["  analyzers:", "    - name: policy-vastnode", `      path: ${PACK_IN_PROJECT}/bin`].join("\n");

/**
 * Prepares an installed example for the pack: installs `@pulumi/policy` (the version range this
 * repository tests) and declares the installed shim under `plugins: analyzers:` in Pulumi.yaml.
 */
export function enablePolicyPack(dir: string): void {
  const range = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).devDependencies["@pulumi/policy"];
  execFileSync(
    "npm",
    ["install", "--save-dev", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", `@pulumi/policy@${range}`],
    {
      cwd: dir,
      stdio: "pipe",
    },
  );
  const pack = path.join(dir, PACK_IN_PROJECT);
  const main = JSON.parse(fs.readFileSync(path.join(pack, "package.json"), "utf8")).main;
  if (!fs.existsSync(path.join(pack, main))) throw new Error(`${PACK_IN_PROJECT}/${main} is not in the packed package: run npm run build`);
  const projectFile = path.join(dir, "Pulumi.yaml");
  const project = fs.readFileSync(projectFile, "utf8");
  fs.writeFileSync(
    projectFile,
    /^plugins:[ \t]*$/m.test(project)
      ? project.replace(/^plugins:[ \t]*$/m, `plugins:\n${ANALYZER_ENTRY}`)
      : `${project.trimEnd()}\nplugins:\n${ANALYZER_ENTRY}\n`,
  );
}

/**
 * `pulumi preview|up --json --policy-pack <pack>` on `stack`, optionally with a pack config
 * (written to the workspace's scratch dir). Never rejects on a non-zero exit: refusals are the point.
 */
export async function runWithPolicy(
  ws: PulumiWorkspace,
  command: "preview" | "up",
  stack: string,
  config?: Record<string, unknown>,
): Promise<PolicyRun> {
  const args = [command, "--json", "--stack", stack, "--policy-pack", PACK_IN_PROJECT, ...(command === "up" ? ["--yes"] : [])];
  if (config) {
    const file = path.join(ws.scratch, `policy-config-${Date.now()}.json`);
    fs.writeFileSync(file, JSON.stringify(config));
    args.push("--policy-pack-config", file);
  }
  const r = await ws.run(args, { allowFailure: true });
  const violations = parseEvents(r.stdout).flatMap((e) => {
    const p = (e as { policyEvent?: PolicyEvent }).policyEvent;
    return p ? [p] : [];
  });
  return { ...r, violations };
}

/** `policy-name resource-name level` for each violation, for compact assertions. */
export function summarize(violations: PolicyEvent[]): string[] {
  return violations.map((v) => `${v.policyName} ${v.resourceUrn?.split("::").pop() ?? "(stack)"} ${v.enforcementLevel}`);
}

/** Writes `Pulumi.<stack>.yaml` with the example's `keys` config (JSON is YAML), replacing the committed one. */
export function writeStackKeys(dir: string, stack: string, keys: Record<string, unknown>): void {
  const project = /^name:\s*(\S+)/m.exec(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"))?.[1];
  if (!project) throw new Error(`no project name in ${dir}/Pulumi.yaml`);
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), JSON.stringify({ config: { [`${project}:keys`]: keys } }, null, 2));
}
