/**
 * Runs the real Pulumi CLI, offline and local: temp PULUMI_HOME, file:// backend in a temp dir,
 * passphrase secrets, no update check, no plugin downloads. Examples are installed the way a
 * user installs them: the package is packed with `npm pack` and installed from the tarball.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { npmInstall, packPackage } from "../../scripts/projects";
import { localEngineEnv } from "../../scripts/pulumi-cli";
import { ROOT } from "./emulator";
import { type ProcessResult, runProcess } from "./process";

let tarball: string | undefined;

/** `npm pack`s this package once per test process and returns the tarball path. */
export function packedPackage(): string {
  if (tarball && fs.existsSync(tarball)) return tarball;
  tarball = packPackage(ROOT);
  return tarball;
}

/**
 * Copies `examples/<name>` to a temp dir and installs its dependencies, with this package coming
 * from the packed tarball (exactly what a user's `npm install` would do).
 */
export function installExample(name: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${name}-`));
  fs.cpSync(path.join(ROOT, "examples", name), dir, { recursive: true, filter: (src) => !src.includes("node_modules") });
  const pkgFile = path.join(dir, "package.json");
  const pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
  // Only programs that use the package get it (a consumer stack may not).
  if (pkg.dependencies["pulumi-vast-api-keys"]) pkg.dependencies["pulumi-vast-api-keys"] = `file:${packedPackage()}`;
  fs.writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  npmInstall(dir);
  return dir;
}

/**
 * The `vast-api-keys` command, installed from the packed package into a directory of its own as a
 * user installs a tool (without the `@pulumi/pulumi` peer, which the command does not need);
 * returns the directory holding the executable.
 */
export function installCli(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vast-cli-"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "tools", private: true }));
  const args = ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", "--legacy-peer-deps", packedPackage()];
  execFileSync("npm", args, { cwd: dir, stdio: "pipe" });
  return path.join(dir, "node_modules", ".bin");
}

/** One engine event from `--json` output (only the fields the tests read). */
export interface EngineEvent {
  resourcePreEvent?: { metadata: { op: string; urn: string; keys?: string[] } };
  resOutputsEvent?: { metadata: { op: string; urn: string } };
  summaryEvent?: { resourceChanges: Record<string, number> };
  diagnosticEvent?: { message: string; severity: string };
}

/** Options of {@link PulumiWorkspace}. */
export interface PulumiWorkspaceOptions {
  /**
   * Use this workspace's home and file:// backend instead of new ones, so that the two
   * projects' stacks can read each other (`StackReference`).
   */
  shareBackendWith?: PulumiWorkspace;
}

/** A Pulumi project directory with its own isolated home and state backend (or a shared one). */
export class PulumiWorkspace {
  /** Temp directory with PULUMI_HOME and the file:// backend. */
  readonly scratch: string;
  /** What every CLI run printed (stdout and stderr), for secret scans; runs with `--show-secrets` are left out. */
  readonly transcript: string[] = [];
  private readonly env: NodeJS.ProcessEnv;

  /**
   * @param dir Project directory (holds Pulumi.yaml).
   * @param extraEnv Extra environment (e.g. VAST_PACING_SCALE); VAST_* from the test process is not inherited.
   * @param options Backend sharing.
   */
  constructor(
    readonly dir: string,
    private readonly extraEnv: Record<string, string> = {},
    options: PulumiWorkspaceOptions = {},
  ) {
    this.scratch = options.shareBackendWith?.scratch ?? fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-ws-"));
    this.env = localEngineEnv(this.scratch, extraEnv);
  }

  /** The same project and backend, with more environment for the engine (e.g. `VAST_NOW`). */
  withEnv(more: Record<string, string>): PulumiWorkspace {
    return new PulumiWorkspace(this.dir, { ...this.extraEnv, ...more }, { shareBackendWith: this });
  }

  /** Runs `pulumi <args>` in the project; rejects on a non-zero exit unless `allowFailure`. */
  async run(args: string[], opts: { allowFailure?: boolean } = {}): Promise<ProcessResult> {
    const r = await runProcess("pulumi", [...args, "--non-interactive"], { cwd: this.dir, env: this.env });
    if (!args.includes("--show-secrets")) this.transcript.push(r.stdout, r.stderr);
    if (r.code !== 0 && !opts.allowFailure) {
      throw new Error(`pulumi ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    }
    return r;
  }

  /**
   * Runs another command (e.g. this package's `vast-api-keys`) in the project with the engine's
   * environment (the same `PATH`, home, backend and passphrase); never rejects on a non-zero exit.
   */
  async exec(file: string, args: string[]): Promise<ProcessResult> {
    const r = await runProcess(file, args, { cwd: this.dir, env: this.env });
    this.transcript.push(r.stdout, r.stderr);
    return r;
  }

  /**
   * Starts `pulumi <args>` detached, in a process group of its own, so that a test can signal the
   * whole group as a CI runner's death or cancellation does. `done` settles with its exit code
   * (`null` when a signal ended it) and output, which also goes to the transcript.
   */
  start(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; output: string }> } {
    const child = spawn("pulumi", [...args, "--non-interactive"], {
      cwd: this.dir,
      env: this.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    child.stderr?.on("data", (c: Buffer) => {
      output += c.toString();
    });
    const done = new Promise<{ code: number | null; signal: string | null; output: string }>((resolve) => {
      child.on("close", (code, signal) => {
        this.transcript.push(output);
        resolve({ code, signal, output });
      });
    });
    return { child, done };
  }

  /**
   * Runs one shell command line (as a user types it, e.g. `pulumi stack export > s.json`) in the
   * project directory, with this workspace's engine environment plus `env`, and `pathFirst` at the
   * front of `PATH`. Rejects on a non-zero exit.
   */
  async shell(line: string, env: Record<string, string> = {}, pathFirst: string[] = []): Promise<ProcessResult> {
    const PATH = [...pathFirst, this.env.PATH ?? ""].join(path.delimiter);
    const r = await runProcess("sh", ["-c", line], { cwd: this.dir, env: { ...this.env, ...env, PATH } });
    this.transcript.push(r.stdout, r.stderr);
    if (r.code !== 0) throw new Error(`\`${line}\` exited ${r.code}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
    return r;
  }

  /** Selects (creating if needed) a stack and points it at a Vast API with a secret management key. */
  async initStack(stack: string, vast: { url: string; apiKey: string }): Promise<void> {
    await this.run(["stack", "select", stack, "--create"]);
    await this.run(["config", "set", "vast:url", vast.url, "--stack", stack]);
    await this.run(["config", "set", "--secret", "vast:apiKey", vast.apiKey, "--stack", stack]);
  }

  /** `pulumi up --yes --json`, returning engine events. */
  async up(stack: string, extra: string[] = []): Promise<EngineEvent[]> {
    return parseEvents((await this.run(["up", "--yes", "--json", "--stack", stack, ...extra])).stdout);
  }

  /** `pulumi preview --json`: the planned step ops and change summary. */
  async preview(
    stack: string,
    extra: string[] = [],
  ): Promise<{ steps: Array<{ op: string; urn: string }>; changeSummary: Record<string, number> }> {
    const r = await this.run(["preview", "--json", "--stack", stack, ...extra]);
    return JSON.parse(r.stdout);
  }

  /** `pulumi refresh --yes --json`, returning engine events. */
  async refresh(stack: string, extra: string[] = []): Promise<EngineEvent[]> {
    return parseEvents((await this.run(["refresh", "--yes", "--json", "--stack", stack, ...extra])).stdout);
  }

  /** `pulumi destroy --yes`. */
  async destroy(stack: string): Promise<EngineEvent[]> {
    return parseEvents((await this.run(["destroy", "--yes", "--json", "--stack", stack])).stdout);
  }

  /**
   * `pulumi import <type> <name> <id>` without code generation (the Node.js language host built
   * here cannot generate code) and without protecting the imported resource, so that `destroy`
   * works; returns the CLI's output.
   */
  async importResource(stack: string, type: string, name: string, id: string): Promise<ProcessResult> {
    return this.run(["import", type, name, id, "--yes", "--generate-code=false", "--protect=false", "--stack", stack]);
  }

  /** `pulumi stack export` as text (what a state file holds). */
  async exportState(stack: string): Promise<string> {
    return (await this.run(["stack", "export", "--stack", stack])).stdout;
  }

  /** `pulumi stack output --json --show-secrets`. */
  async outputs(stack: string, showSecrets = false): Promise<Record<string, unknown>> {
    const args = ["stack", "output", "--json", "--stack", stack, ...(showSecrets ? ["--show-secrets"] : [])];
    return JSON.parse((await this.run(args)).stdout);
  }

  /** Every file under the state backend, concatenated (to scan for plaintext secrets). */
  rawState(): string {
    const walk = (d: string): string[] =>
      fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]));
    return walk(path.join(this.scratch, "state"))
      .map((f) => fs.readFileSync(f, "utf8"))
      .join("\n");
  }
}

/** Parses `--json` output: JSON event lines (`{"sequence":...}`); other output is ignored. */
export function parseEvents(stdout: string): EngineEvent[] {
  return stdout
    .split("\n")
    .filter((l) => l.startsWith('{"sequence"'))
    .map((l) => JSON.parse(l) as EngineEvent);
}

/** Resource ops by resource name (last URN segment), from engine events. */
export function opsByName(events: EngineEvent[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const e of events) {
    const m = e.resOutputsEvent?.metadata;
    // Both doors: `pulumi-nodejs:dynamic/vast:ApiKey` (VastApiKey) and `vast:index:ApiKey` (the plugin).
    if (!m || !/vast:(index:)?ApiKey::/.test(m.urn)) continue;
    const name = m.urn.split("::").pop() ?? m.urn;
    out[name] = [...(out[name] ?? []), m.op];
  }
  return out;
}

/** The summary of an operation (`{create: 2, same: 1}`), from its summary event. */
export function summaryOf(events: EngineEvent[]): Record<string, number> {
  return events.find((e) => e.summaryEvent)?.summaryEvent?.resourceChanges ?? {};
}
