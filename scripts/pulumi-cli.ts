/**
 * Locating (or building) the Pulumi CLI and building the environment of an offline, local engine
 * run. Shared by the demo and the e2e tests.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/**
 * The repository root: the nearest directory above this module holding `scripts/pulumi-version`
 * (this file runs from `scripts/` under ts-jest and from `dist/scripts/` once compiled).
 */
function findRepoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "scripts", "pulumi-version"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`scripts/pulumi-version not found above ${__dirname}`);
  }
}

const REPO_ROOT = findRepoRoot();

/** The script that finds or builds the CLI and prints its bin directory. */
export const INSTALL_SCRIPT = path.join(REPO_ROOT, "scripts", "install-pulumi.sh");

/** The Pulumi CLI version the install script builds; `scripts/pulumi-version` is the one place it is written. */
export const PULUMI_CLI_VERSION = fs.readFileSync(path.join(REPO_ROOT, "scripts", "pulumi-version"), "utf8").trim();

/** What an engine run of a TypeScript program needs: the CLI, the Node.js host, the dynamic-provider plugin. */
const CORE_BINARIES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

/**
 * Where `scripts/install-pulumi.sh` caches the CLI, by the script's own rule: `PULUMI_BUILD_DIR`,
 * else `$XDG_CACHE_HOME` (default `~/.cache`) `/vast-pulumi/pulumi-<version>`; binaries in `bin/`.
 */
export function installCacheBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), ".cache");
  const out = env.PULUMI_BUILD_DIR || path.join(cache, "vast-pulumi", `pulumi-${PULUMI_CLI_VERSION}`);
  return path.join(out, "bin");
}

function lacking(dir: string): string[] {
  return CORE_BINARIES.filter((b) => !fs.existsSync(path.join(dir, b)));
}

/**
 * The directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`:
 * `PULUMI_BIN_DIR`, else the first `PATH` entry with all three, else the install script's cache.
 * Never builds anything (see {@link ensurePulumiCli}).
 * @throws an error saying how to get the CLI when it is missing.
 */
export function pulumiBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.PULUMI_BIN_DIR, ...(env.PATH ?? "").split(path.delimiter), installCacheBinDir(env)];
  for (const dir of candidates) {
    if (dir && lacking(dir).length === 0) return dir;
  }
  throw new Error(
    `The Pulumi CLI was not found (${CORE_BINARIES.join(", ")}). ` +
      "Build it from Go modules with `bash scripts/install-pulumi.sh` (it prints its bin directory; `npm run demo` and " +
      "`npm run test:e2e` run it for you) and put that directory on PATH, or set PULUMI_BIN_DIR.",
  );
}

/**
 * The bin directory of a Pulumi CLI with its language hosts and plugins, building what is missing
 * first: `PULUMI_BIN_DIR` when set (it must hold the CLI; nothing is built then), else the directory
 * `scripts/install-pulumi.sh` prints (a complete Pulumi on PATH, or its cache, built or completed
 * on first use, which takes minutes; the script reports its progress on stderr, shown as it runs).
 * @throws when the script fails (its output says why) or `PULUMI_BIN_DIR` lacks a binary.
 */
export function ensurePulumiCli(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PULUMI_BIN_DIR) {
    const missing = lacking(env.PULUMI_BIN_DIR);
    if (missing.length > 0) throw new Error(`PULUMI_BIN_DIR=${env.PULUMI_BIN_DIR} lacks ${missing.join(", ")}`);
    return env.PULUMI_BIN_DIR;
  }
  const run = spawnSync("bash", [INSTALL_SCRIPT], { env, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  if (run.error) throw new Error(`could not run ${INSTALL_SCRIPT}: ${run.error.message}`);
  if (run.status !== 0) throw new Error(`scripts/install-pulumi.sh failed (exit ${run.status}); see its output above`);
  const dir = run.stdout.trim();
  const missing = lacking(dir);
  if (missing.length > 0) throw new Error(`${INSTALL_SCRIPT} printed ${dir}, which lacks ${missing.join(", ")}`);
  return dir;
}

/**
 * Environment for an offline, local engine run: temp PULUMI_HOME, file:// backend, passphrase
 * secrets, no update check, no plugin downloads. Inherited `VAST_*` and `PULUMI_*` are dropped.
 */
export function localEngineEnv(scratch: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  fs.mkdirSync(path.join(scratch, "state"), { recursive: true });
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VAST_") && !k.startsWith("PULUMI_")));
  return {
    ...base,
    PATH: `${pulumiBinDir()}${path.delimiter}${process.env.PATH ?? ""}`,
    PULUMI_HOME: path.join(scratch, "home"),
    PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
    PULUMI_CONFIG_PASSPHRASE: "local-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    ...extra,
  };
}
