/**
 * The two doors through the real Pulumi CLI: `pulumi up` of N keys with a TypeScript program using
 * the packed package (`VastApiKey`, the engine's Node.js dynamic-provider host) and with a YAML
 * program using the `vast` plugin (`vast:index:ApiKey`), against the emulator at Vast's real
 * thresholds. bench/door-probe.ts, loaded into every Node.js process the engine starts, says where
 * the dynamic door's time goes: program start (Node, Pulumi's host, ts-node's compile), loading
 * this package, provider start, and the calls.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { EmulatorProcess } from "../emulator/process";
import { npmInstall, packPackage, writeYamlProgram } from "../scripts/projects";
import { localEngineEnv } from "../scripts/pulumi-cli";
import type { ProbeEvent } from "./door-probe";

/** One process of a run, from the probe, times in s from the start of `pulumi up`. */
export interface ProbedProcess {
  role: string;
  start: number;
  exit?: number;
  /** Event name → s from the start of `pulumi up`. */
  at: Record<string, number>;
  /** Require durations, s. */
  ms: Record<string, number>;
}

/** One `pulumi up`. */
export interface DoorRun {
  upS: number;
  /** First and last accepted create, s from the start of `pulumi up`. */
  firstCreateS: number;
  lastCreateS: number;
  creates: number;
  rateLimited: number;
  processes: ProbedProcess[];
}

/** Where the projects live and what they need; made once, used for every run. */
export interface DoorProjects {
  typescript: string;
  yaml: string;
  cleanup(): void;
}

/**
 * Makes both programs declaring `keys` keys: the TypeScript one as `examples/single-key` (its
 * package.json and tsconfig.json) with this package installed from its tarball, the YAML one naming
 * the plugin in `pluginDir`.
 */
export function makeDoorProjects(root: string, pluginDir: string, keys: number): DoorProjects {
  const ts = fs.mkdtempSync(path.join(os.tmpdir(), "bench-door-ts-"));
  const example = path.join(root, "examples", "single-key");
  const pkg = JSON.parse(fs.readFileSync(path.join(example, "package.json"), "utf8"));
  const tarball = packPackage(root);
  pkg.dependencies["pulumi-vast-api-keys"] = `file:${tarball}`;
  fs.writeFileSync(path.join(ts, "package.json"), JSON.stringify(pkg, null, 2));
  fs.copyFileSync(path.join(example, "tsconfig.json"), path.join(ts, "tsconfig.json"));
  fs.writeFileSync(path.join(ts, "Pulumi.yaml"), "name: bench-door-ts\nruntime:\n  name: nodejs\n  options:\n    typescript: true\n");
  fs.writeFileSync(
    path.join(ts, "index.ts"),
    'import { VastApiKey } from "pulumi-vast-api-keys";\n\n' +
      `export const ids = Array.from({ length: ${keys} }, (_, i) => new VastApiKey(\`key-\${i}\`, { permissions: { api: { misc: {} } } }).keyId);\n`,
  );
  npmInstall(ts);

  const yaml = fs.mkdtempSync(path.join(os.tmpdir(), "bench-door-yaml-"));
  const resources = Array.from(
    { length: keys },
    (_, i) =>
      `  key-${i}:\n    type: vast:index:ApiKey\n    properties:\n      name: key-${i}\n      permissions:\n        api:\n          misc: {}\n`,
  ).join("");
  writeYamlProgram(yaml, "bench-door-yaml", pluginDir, resources);
  return {
    typescript: ts,
    yaml,
    cleanup: () => {
      for (const d of [ts, yaml, path.dirname(tarball)]) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

function pulumi(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive"], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${args[0]} exited ${code}: ${out.slice(-3000)}`))));
  });
}

/** Runs `pulumi up --yes` of the project in `dir` on a new account and stack, with the probe in every Node.js process. */
export async function runDoor(emu: EmulatorProcess, dir: string, extraEnv: Record<string, string> = {}): Promise<DoorRun> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "bench-door-ws-"));
  const probeFile = path.join(scratch, "probe.jsonl");
  const probe = path.join(__dirname, "door-probe.js");
  const env = localEngineEnv(scratch, {
    ...extraEnv,
    NODE_OPTIONS: `--require ${probe} ${process.env.NODE_OPTIONS ?? ""}`.trim(),
    VAST_BENCH_PROBE: probeFile,
  });
  try {
    const account = await emu.newAccount();
    await pulumi(["stack", "init", "bench"], dir, env);
    await pulumi(["config", "set", "vast:url", emu.url], dir, env);
    await pulumi(["config", "set", "--secret", "vast:apiKey", account.apiKey], dir, env);
    fs.rmSync(probeFile, { force: true });
    const since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    const t0 = Date.now();
    await pulumi(["up", "--yes"], dir, env);
    const upS = (Date.now() - t0) / 1000;
    const log = await emu.admin.requests(since);
    const accepted = log.filter((e) => e.route === "POST /api/v0/auth/apikeys/" && e.outcome === 200).map((e) => (e.at - t0) / 1000);
    return {
      upS,
      firstCreateS: accepted[0] ?? Number.NaN,
      lastCreateS: accepted.at(-1) ?? Number.NaN,
      creates: accepted.length,
      rateLimited: log.filter((e) => e.outcome === 429).length,
      processes: readProbe(probeFile, t0),
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function readProbe(file: string, t0: number): ProbedProcess[] {
  if (!fs.existsSync(file)) return [];
  const byPid = new Map<number, ProbedProcess>();
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const e = JSON.parse(line) as ProbeEvent;
    const s = (e.t - t0) / 1000;
    let p = byPid.get(e.pid);
    if (!p) {
      p = { role: e.role, start: s, at: {}, ms: {} };
      byPid.set(e.pid, p);
    }
    if (e.event === "start") p.start = s;
    else if (e.event === "exit") p.exit = s;
    else {
      p.at[e.event] ??= s;
      if (e.ms !== undefined) p.ms[e.event] = e.ms / 1000;
    }
  }
  return [...byPid.values()].filter((p) => p.role !== "other").sort((a, b) => a.start - b.start);
}

/** True when the program first loaded `@pulumi/pulumi` while loading this package (the program imports only the package). */
function sdkInside(p: ProbedProcess): boolean {
  const sdk = p.at["sdk loaded"];
  const pkg = p.at["package loaded"];
  return sdk !== undefined && pkg !== undefined && sdk <= pkg && sdk >= pkg - (p.ms["package loaded"] ?? 0);
}

const f = (s: number | undefined) => (s === undefined || Number.isNaN(s) ? "?" : s.toFixed(2));

/** One line: wall, ratio to the floor, and when the creates ran. */
export function describeDoorRun(r: DoorRun, floorS: number): string {
  return (
    `${f(r.upS)} s  ratio ${(r.upS / floorS).toFixed(3)}  first create +${f(r.firstCreateS)} s, last +${f(r.lastCreateS)} s ` +
    `(${r.creates} creates, ${r.rateLimited} x 429), exit +${f(r.upS)} s`
  );
}

/**
 * The dynamic door's timeline, one line per engine operation (preview, update): when the program's
 * Node.js started, when it asked for this package (after Pulumi's host and ts-node's compile), how
 * long loading the package took, when the dynamic-provider host started, when it had the runtime
 * (after its own start-up), and the first check and create.
 */
export function describeDynamicPhases(r: DoorRun): string[] {
  const programs = r.processes.filter((p) => p.role === "program");
  const providers = r.processes.filter((p) => p.role === "provider");
  return programs.map((program, i) => {
    const provider = providers[i];
    const asked = (program.at["package loaded"] ?? Number.NaN) - (program.ms["package loaded"] ?? 0);
    const runtimeAsked = (provider?.at["runtime loaded"] ?? Number.NaN) - (provider?.ms["runtime loaded"] ?? 0);
    const phase = i === 0 ? "preview" : "update ";
    return (
      `${phase}: program node +${f(program.start)}, asks for the package +${f(asked)} (start-up and ts-node ${f(asked - program.start)} s), ` +
      `package loaded in ${f(program.ms["package loaded"])} s${sdkInside(program) ? ` (@pulumi/pulumi ${f(program.ms["sdk loaded"])} s of it)` : ""}; provider host +${f(provider?.start)}, asks for the runtime +${f(runtimeAsked)} ` +
      `(host start-up ${f(runtimeAsked - (provider?.start ?? Number.NaN))} s), runtime loaded in ${f(provider?.ms["runtime loaded"])} s; ` +
      `first check +${f(provider?.at["check first"])}${provider?.at["create first"] !== undefined ? `, first create call +${f(provider.at["create first"])}` : ""}; ` +
      `program exit +${f(program.exit)}`
    );
  });
}
