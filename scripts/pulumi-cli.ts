/**
 * Locating the Pulumi CLI and building the environment of an offline, local engine run. Shared
 * by the demo and the e2e tests.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Where `scripts/install-pulumi.sh` caches the CLI by default. */
export const DEFAULT_PULUMI_BIN = path.join(os.homedir(), ".cache", "vast-pulumi", "pulumi-3.259.0", "bin");

const BINARIES = ["pulumi", "pulumi-language-nodejs", "pulumi-resource-pulumi-nodejs"];

/**
 * The directory holding `pulumi`, `pulumi-language-nodejs` and `pulumi-resource-pulumi-nodejs`:
 * `PULUMI_BIN_DIR`, else the first `PATH` entry with all three, else the install script's cache.
 * @throws an error saying how to get the CLI when it is missing.
 */
export function pulumiBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.PULUMI_BIN_DIR, ...(env.PATH ?? "").split(path.delimiter), DEFAULT_PULUMI_BIN];
  for (const dir of candidates) {
    if (dir && BINARIES.every((b) => fs.existsSync(path.join(dir, b)))) return dir;
  }
  throw new Error(
    "The Pulumi CLI was not found (pulumi, pulumi-language-nodejs and pulumi-resource-pulumi-nodejs). " +
      "Build it from Go modules with `bash scripts/install-pulumi.sh` (it prints its bin directory) and put that directory on PATH, or set PULUMI_BIN_DIR.",
  );
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
