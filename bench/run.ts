/**
 * `npm run bench`: measurements against the emulator with Vast's real thresholds (create and
 * delete 2 s, list 1 s). Not part of the test pass/fail; prints each figure and its ratio to
 * the floor or the target. `npm run bench -- --only stacks,door` runs only the named sections
 * (create, read, lost, size, require, plugin, overhead, stacks, door).
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import { Agent, getGlobalDispatcher, request, setGlobalDispatcher } from "undici";
import { type EmulatorProcess, startEmulatorProcess } from "../emulator/process";
import { VastClient } from "../provider/client/client";
import { Pacer } from "../provider/client/pacing";
import { rotatingVastApiKeyProvider, vastApiKeyProvider } from "../provider/shim";
import { describeStacksRun, runStacks } from "../scripts/parallel-stacks";
import { pluginPaths, startPluginProcess } from "../scripts/plugin-process";
import { pulumiBinDir } from "../scripts/pulumi-cli";
import { serializeProvider } from "../scripts/serialize-provider";
import { BASELINES, baselineCreate } from "./baselines";
import { describeDoorRun, describeDynamicPhases, makeDoorProjects, runDoor } from "./door";
import { benchDrift } from "./drift";

const ROOT = path.resolve(__dirname, "..", "..");
const run = promisify(execFile);
const KEYS = 20;
const CALLERS = 8;
const CREATE_INTERVAL_S = 2;
const FLOOR_S = (KEYS - 1) * CREATE_INTERVAL_S;

const fmt = (n: number, d = 2) => n.toFixed(d);
const line = (label: string, text: string) => console.log(`  ${label.padEnd(18)} ${text}`);

/** Runs `work(i)` for i in [0, n) with `callers` concurrent workers; returns wall seconds. */
async function pool(n: number, callers: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (next < n) await work(next++);
    }),
  );
  return (performance.now() - start) / 1000;
}

/**
 * Starts a section on new connections: a fresh global undici dispatcher, which the baselines, the
 * bare requests and the emulator's admin client use. Without it a section could pick a pooled
 * socket that the emulator closed after its keep-alive window while an earlier section kept this
 * process busy, and fail with "other side closed" (a bare request is never retried). The
 * provider's own pool is left alone: its sessions hold it, and it retries reads on a dead socket.
 */
async function freshConnections(): Promise<void> {
  const previous = getGlobalDispatcher();
  setGlobalDispatcher(new Agent());
  await previous.close();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

const SECTIONS = ["create", "lost", "size", "require", "plugin", "overhead", "drift", "stacks", "door"] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { only: { type: "string" } } });
  const only = values.only?.split(",").map((x) => x.trim());
  const unknown = only?.filter((x) => !(SECTIONS as readonly string[]).includes(x)) ?? [];
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(", ")}; sections: ${SECTIONS.join(", ")}`);
  const want = (section: (typeof SECTIONS)[number]) => !only || only.includes(section);
  const emu = await startEmulatorProcess({ rateLimitScale: 1 });
  /** Points the provider at one emulator account, as stack config `vast:apiKey` / `vast:url` would. */
  const useAccount = (apiKey: string) =>
    vastApiKeyProvider.configure?.({
      config: { get: (k: string) => ({ "vast:apiKey": apiKey, "vast:url": emu.url })[k], require: (k: string) => k },
    });
  const mine = await emu.newAccount();
  const created: Array<{ id: string; outs: Record<string, unknown> }> = [];
  try {
    if (want("create")) await createSection();
    if (want("lost")) await lostSection();
    if (want("size")) await sizeSection();
    if (want("require")) await requireSection();
    if (want("plugin")) await pluginSection();
    if (want("overhead")) await overheadSection();
    if (want("drift")) await driftSection();
    if (want("stacks")) await stacksSection(emu);
    if (want("door")) await doorSection(emu);
    // Back to the account that made them: the provider refuses to delete another account's keys.
    await useAccount(mine.apiKey);
    await Promise.all(created.map((c) => vastApiKeyProvider.delete?.(c.id, c.outs)));
  } finally {
    await emu.stop();
  }
  process.exit(0);

  async function createSection(): Promise<void> {
    console.log(`create ${KEYS} keys with ${CALLERS} concurrent callers (floor = ${KEYS - 1} x ${CREATE_INTERVAL_S} s = ${FLOOR_S} s)`);
    await freshConnections();
    await useAccount(mine.apiKey);
    let since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    let failures = 0;
    const oursWall = await pool(KEYS, CALLERS, async (i) => {
      try {
        const r = await vastApiKeyProvider.create({ name: `bench-${i}`, permissions: { api: { misc: {} } } });
        created.push({ id: r.id, outs: r.outs });
      } catch {
        failures++;
      }
    });
    let log = await emu.admin.requests(since);
    const our429 = log.filter((e) => e.outcome === 429).length;
    line(
      "ours",
      `${fmt(oursWall, 1)} s  ratio ${fmt(oursWall / FLOOR_S)}  429s ${our429}  failures ${failures}  (target <= 1.15, 0 failures)`,
    );

    for (const policy of BASELINES) {
      await freshConnections();
      const acct = await emu.newAccount();
      since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
      let failed = 0;
      const wall = await pool(KEYS, CALLERS, async (i) => {
        const r = await baselineCreate(emu.url, acct.apiKey, `base-${i}`, policy);
        if (!r.ok) failed++;
      });
      log = await emu.admin.requests(since);
      const n429 = log.filter((e) => e.outcome === 429).length;
      line(policy.name, `${fmt(wall, 1)} s  ratio ${fmt(wall / FLOOR_S)}  429s ${n429}  failures ${failed}`);
    }

    console.log(`refresh (read) of ${created.length} keys, all at once as the engine does`);
    await freshConnections();
    since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
    const readStart = performance.now();
    await Promise.all(created.map((c) => vastApiKeyProvider.read?.(c.id, c.outs)));
    const readWall = (performance.now() - readStart) / 1000;
    const listCalls = (await emu.admin.requests(since)).filter((e) => e.route === "GET /api/v0/auth/apikeys/").length;
    line("ours", `${listCalls} list call(s) for ${created.length} reads, ${fmt(readWall, 3)} s  (target: 1 call)`);
  }

  async function lostSection(): Promise<void> {
    console.log("a create whose response is lost after Vast committed it (real thresholds, VAST_TIMEOUT_MS default)");
    for (const [label, action] of [
      ["reset", { type: "reset-after-commit" }],
      ["no answer", { type: "drop-after-commit" }],
    ] as const) {
      await freshConnections();
      const acct = await emu.newAccount();
      await useAccount(acct.apiKey);
      await emu.admin.addFaults({ route: "POST /api/v0/auth/apikeys/", action });
      const start = performance.now();
      const made = await vastApiKeyProvider.create({ name: `lost-${label}`, permissions: { api: { misc: {} } } });
      const wall = (performance.now() - start) / 1000;
      const named = (await emu.admin.liveKeys(acct.userId)).filter((k) => k.name === `lost-${label}`);
      const held = named.length === 1 && named[0]?.id === Number(made.id) && named[0]?.key === made.outs.key;
      const target = label === "reset" ? "target <= 10 s" : "bounded by the 30 s timeout + the check";
      line(label, `${fmt(wall, 1)} s  keys left ${named.length}, value held ${held}  (${target})`);
    }
  }

  async function sizeSection(): Promise<void> {
    console.log("__provider size");
    const bytes = Buffer.byteLength(await serializeProvider(vastApiKeyProvider));
    line("per resource", `${bytes} bytes  ratio ${fmt(bytes / 2000)} of the 2000-byte budget  (target <= 1.00)`);
    const rotatingBytes = Buffer.byteLength(await serializeProvider(rotatingVastApiKeyProvider));
    line("rotating", `${rotatingBytes} bytes  ratio ${fmt(rotatingBytes / 2000)} of the 2000-byte budget  (target <= 1.00)`);
  }

  async function requireSection(): Promise<void> {
    // Child processes run asynchronously so that this process keeps serving its timers (undici
    // closes idle sockets on one) instead of blocking for seconds.
    console.log("cold require (fresh node process, median of 5)");
    for (const mod of ["pulumi-vast-api-keys", "pulumi-vast-api-keys/runtime"]) {
      const script = `const s=process.hrtime.bigint();require(${JSON.stringify(mod)});console.log(Number(process.hrtime.bigint()-s)/1e6)`;
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const { stdout } = await run(process.execPath, ["-e", script], { cwd: ROOT, encoding: "utf8" });
        times.push(Number(stdout));
      }
      line(mod.replace("pulumi-vast-api-keys", "pkg"), `${fmt(median(times), 1)} ms`);
    }
  }

  async function pluginSection(): Promise<void> {
    console.log("provider plugin: cold start (spawn to the port on stdout, median of 7) and tarball size");
    const plugin = pluginPaths(ROOT);
    if (!fs.existsSync(plugin.executable)) {
      line("plugin", "not built, skipped: run `npm run build:plugin`");
    } else {
      const starts: number[] = [];
      for (let i = 0; i < 7; i++) {
        const proc = await startPluginProcess(plugin.executable);
        starts.push(proc.startupMs);
        await proc.stop();
      }
      line("cold start", `${fmt(median(starts), 0)} ms`);
      line("tarball", `${fmt(fs.statSync(plugin.tarball).size / 1024, 0)} KB`);
    }
  }

  async function overheadSection(): Promise<void> {
    console.log("per-call overhead vs a bare undici request (GET users/current, 300 calls, pacing off)");
    await freshConnections();
    const acct = await emu.newAccount();
    const client = new VastClient({ baseUrl: emu.url, apiKey: acct.apiKey, pacer: new Pacer({ scale: 0 }) });
    const N = 300;
    const bare = async () => {
      const res = await request(`${emu.url}/api/v0/users/current/`, { headers: { authorization: `Bearer ${acct.apiKey}` } });
      await res.body.json();
    };
    for (let i = 0; i < 30; i++) {
      await bare();
      await client.currentUser();
    }
    let t = performance.now();
    for (let i = 0; i < N; i++) await bare();
    const bareMs = (performance.now() - t) / N;
    t = performance.now();
    for (let i = 0; i < N; i++) await client.currentUser();
    const clientMs = (performance.now() - t) / N;
    line("bare undici", `${fmt(bareMs, 3)} ms/call`);
    line(
      "VastClient",
      `${fmt(clientMs, 3)} ms/call  ratio ${fmt(clientMs / bareMs)}  overhead ${fmt((clientMs - bareMs) * 1000, 0)} us/call`,
    );
  }

  async function driftSection(): Promise<void> {
    console.log(`vast-api-keys drift on a stack of 20 keys (real Pulumi CLI, YAML program on the plugin)`);
    await freshConnections();
    await benchDrift(emu, ROOT, line);
  }
}

/**
 * Parallel stacks on one credential (a CI matrix): separate provider processes, each creating its
 * keys with the engine's concurrency (8 calls at once), against one account.
 */
async function stacksSection(emu: EmulatorProcess): Promise<void> {
  console.log("parallel stacks on one credential: separate provider processes x creates each (floor = (all - 1) x 2 s)");
  for (const [stacks, createsPerStack] of [
    [6, 8],
    [10, 5],
    [3, 10],
  ] as const) {
    const r = await runStacks(emu, { stacks, createsPerStack });
    line(`${stacks} x ${createsPerStack}`, `${describeStacksRun(r)}  (target: 0 failures, <= 1.15)`);
  }
}

/**
 * `pulumi up` of 20 keys through the real CLI, by each door, with the dynamic door's timeline;
 * and the dynamic door once more without ts-node's type check, to show its share.
 */
async function doorSection(emu: EmulatorProcess): Promise<void> {
  const floor = (KEYS - 1) * CREATE_INTERVAL_S;
  console.log(`pulumi up of ${KEYS} keys through the real CLI (floor = ${KEYS - 1} x ${CREATE_INTERVAL_S} s = ${floor} s)`);
  const plugin = pluginPaths(ROOT);
  let bin: string;
  try {
    bin = pulumiBinDir();
  } catch (err) {
    line("doors", `skipped: ${err instanceof Error ? err.message : String(err)}`);
    return;
  }
  if (!fs.existsSync(plugin.executable)) {
    line("doors", "skipped: the plugin is not built (`npm run build:plugin`)");
    return;
  }
  line("cli", bin);
  const projects = makeDoorProjects(ROOT, plugin.dir, KEYS);
  // npm blocked this process for seconds: the emulator may have closed our idle sockets.
  await freshConnections();
  try {
    const yaml = await runDoor(emu, projects.yaml);
    line("plugin (YAML)", describeDoorRun(yaml, floor));
    const ts = await runDoor(emu, projects.typescript);
    line("dynamic (TS)", describeDoorRun(ts, floor));
    for (const phase of describeDynamicPhases(ts)) line("", phase);
    const transpiled = await runDoor(emu, projects.typescript, { PULUMI_NODEJS_TRANSPILE_ONLY: "true" });
    line("dynamic, no check", `${describeDoorRun(transpiled, floor)}  (PULUMI_NODEJS_TRANSPILE_ONLY=true: ts-node without type check)`);
    for (const phase of describeDynamicPhases(transpiled)) line("", phase);
  } finally {
    projects.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
