/**
 * Bench section: the wall time of `vast-api-keys drift` on one stack of 20 keys, on the real Pulumi
 * CLI (a YAML program on the built plugin: no npm install needed) against the bench's emulator with
 * Vast's real rate limits. Skipped, saying why, when the CLI, its YAML host or the plugin is missing.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import type { EmulatorProcess } from "../emulator/process";
import { pluginPaths } from "../scripts/plugin-process";
import { localEngineEnv, pulumiBinDir } from "../scripts/pulumi-cli";

const run = promisify(execFile);
const KEYS = 20;
const RUNS = 3;

/** A YAML project with `KEYS` `vast:index:ApiKey` resources on the plugin in `pluginDir`. */
function writeProject(dir: string, pluginDir: string): void {
  const resources = Array.from({ length: KEYS }, (_, i) =>
    [
      `  key${i}:`,
      "    type: vast:index:ApiKey",
      "    properties:",
      `      name: bench-drift-${i}`,
      "      permissions:",
      "        api:",
      "          instance_read: {}",
    ].join("\n"),
  );
  const program = [
    "name: bench-drift",
    "runtime: yaml",
    "plugins:",
    "  providers:",
    "    - name: vast",
    `      path: ${pluginDir}`,
    "resources:",
    ...resources,
    "",
  ];
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), program.join("\n"));
}

/**
 * Creates a stack of `KEYS` keys in a new account (paced like any `up`), then times `RUNS` runs of
 * `vast-api-keys drift --json`; prints the median and range. Returns without measuring, saying why,
 * when a prerequisite is missing.
 */
export async function benchDrift(emu: EmulatorProcess, root: string, line: (label: string, text: string) => void): Promise<void> {
  let bin: string;
  try {
    bin = pulumiBinDir();
  } catch {
    line("drift", "skipped: no Pulumi CLI (bash scripts/install-pulumi.sh builds it)");
    return;
  }
  const plugin = pluginPaths(root);
  if (!fs.existsSync(path.join(bin, "pulumi-language-yaml")) || !fs.existsSync(plugin.executable)) {
    line("drift", "skipped: needs the YAML language host and the built plugin (npm run build:plugin)");
    return;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-drift-"));
  try {
    const dir = path.join(scratch, "project");
    fs.mkdirSync(dir);
    writeProject(dir, plugin.dir);
    const env = localEngineEnv(scratch);
    const pulumi = (...args: string[]) => run("pulumi", [...args, "--non-interactive"], { cwd: dir, env, maxBuffer: 64 << 20 });
    const account = await emu.newAccount();
    await pulumi("stack", "init", "bench");
    await pulumi("config", "set", "vast:url", emu.url);
    await pulumi("config", "set", "--secret", "vast:apiKey", account.apiKey);
    const upStart = performance.now();
    await pulumi("up", "--yes", "--skip-preview");
    line("setup", `up of ${KEYS} keys: ${((performance.now() - upStart) / 1000).toFixed(1)} s`);
    const cli = path.join(root, "dist", "provider", "cli", "main.js");
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const { stdout } = await run(process.execPath, [cli, "drift", "--json"], { cwd: dir, env, maxBuffer: 64 << 20 });
      times.push((performance.now() - t) / 1000);
      const report = JSON.parse(stdout) as { drift: boolean; summary: { resources: number } };
      if (report.drift || report.summary.resources !== KEYS) throw new Error(`drift bench: unexpected report ${stdout.slice(0, 300)}`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
    line("drift run", `${median.toFixed(1)} s median of ${RUNS} (${sorted.map((s) => s.toFixed(1)).join(" / ")} s), exit 0, ${KEYS} keys`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
