/**
 * N stacks deployed at the same time with one credential (a CI matrix): each a separate Node
 * process with its own provider runtime (scripts/stack-worker.ts), against one emulator. Nothing
 * is shared between the processes but the account, exactly as between the provider processes of
 * parallel `pulumi up` runs. Used by `npm run bench` (Vast's real thresholds) and by
 * tests/integration/parallel-stacks.test.ts (scaled thresholds).
 */
import { fork } from "node:child_process";
import * as path from "node:path";
import type { EmulatorProcess } from "../emulator/process";
import type { AccountInfo } from "../emulator/store";
import type { StackWorkerResult } from "./stack-worker";

/** One multi-process run. */
export interface StacksRun {
  /** The account the stacks shared. */
  account: AccountInfo;
  /** Processes (stacks). */
  stacks: number;
  /** Creates per process. */
  createsPerStack: number;
  /** Wall time from the common start to the last process's end, s. */
  wallS: number;
  /** The minimum Vast's create interval allows for all creates on one credential, s. */
  floorS: number;
  /** Failed creates, with their codes. */
  failures: Array<{ code: string; message: string }>;
  /** 429 answers, by route. */
  rateLimited: Record<string, number>;
  /** Requests sent, by route. */
  requests: Record<string, number>;
  /** The slowest single create (queueing in its process included), s. */
  slowestCreateS: number;
  /**
   * Where the time beyond the floor went, s, from the emulator's log of accepted creates: before
   * the first one, between them beyond the create interval (summed), and after the last one.
   */
  lost: { start: number; between: number; end: number };
}

/** Options of {@link runStacks}. */
export interface StacksOptions {
  stacks: number;
  createsPerStack: number;
  /** Concurrent calls per process (the engine's `--parallel`, 4 × CPUs). Default 8. */
  callers?: number;
  /** Create interval of the emulator, s, for the floor. Default 2 (Vast's). */
  createIntervalS?: number;
  /** The worker script (a baseline build's, to compare). Default: this build's. */
  workerScript?: string;
  /** Extra environment of the workers (e.g. `VAST_RETRY_BUDGET_MS`). */
  env?: Record<string, string>;
}

/** Runs `stacks` worker processes on one new account of `emu`, all starting at once. */
export async function runStacks(emu: EmulatorProcess, o: StacksOptions): Promise<StacksRun> {
  const account = await emu.newAccount();
  const script = o.workerScript ?? path.join(__dirname, "stack-worker.js");
  const env: NodeJS.ProcessEnv = { ...process.env, ...o.env, VAST_API_KEY: account.apiKey, VAST_URL: emu.url };
  const workers = Array.from({ length: o.stacks }, (_, s) => {
    const args = ["--creates", String(o.createsPerStack), "--callers", String(o.callers ?? 8), "--prefix", `s${s}`];
    const child = fork(script, args, { env, stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code) => reject(new Error(`stack worker ${s} exited ${code} before starting: ${stderr}`)));
    });
    const done = ready.then(
      () =>
        new Promise<StackWorkerResult>((resolve, reject) => {
          child.once("message", (m) => resolve(m as StackWorkerResult));
          child.once("exit", (code) => reject(new Error(`stack worker ${s} exited ${code}: ${stderr}`)));
        }),
    );
    return { child, ready, done };
  });
  await Promise.all(workers.map((w) => w.ready));
  const since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
  const start = performance.now();
  const startedAt = Date.now();
  for (const w of workers) w.child.send("go");
  const results = await Promise.all(workers.map((w) => w.done));
  const wallS = (performance.now() - start) / 1000;
  const endedAt = Date.now();
  const log = (await emu.admin.requests(since)).filter((e) => e.identity !== "anonymous");
  const rateLimited: Record<string, number> = {};
  const requests: Record<string, number> = {};
  for (const e of log) {
    requests[e.route] = (requests[e.route] ?? 0) + 1;
    if (e.outcome === 429) rateLimited[e.route] = (rateLimited[e.route] ?? 0) + 1;
  }
  const total = o.stacks * o.createsPerStack;
  const interval = (o.createIntervalS ?? 2) * 1000;
  const accepted = log.filter((e) => e.route === "POST /api/v0/auth/apikeys/" && e.outcome === 200).map((e) => e.at);
  const between = accepted.slice(1).reduce((sum, at, i) => sum + Math.max(0, at - (accepted[i] ?? at) - interval), 0);
  return {
    account,
    stacks: o.stacks,
    createsPerStack: o.createsPerStack,
    wallS,
    floorS: (total - 1) * (o.createIntervalS ?? 2),
    failures: results.flatMap((r) => r.failures),
    rateLimited,
    requests,
    slowestCreateS: Math.max(0, ...results.flatMap((r) => r.createMs)) / 1000,
    lost: {
      start: ((accepted[0] ?? startedAt) - startedAt) / 1000,
      between: between / 1000,
      end: (endedAt - (accepted.at(-1) ?? endedAt)) / 1000,
    },
  };
}

/** One line per run: wall, ratio to the floor, failures, 429s and requests per route. */
export function describeStacksRun(r: StacksRun): string {
  const short = (route: string) => route.replace("/api/v0/", "").replace("/auth/apikeys/", "apikeys/");
  const per = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([route, n]) => `${short(route)} ${n}`)
      .join(", ") || "none";
  const codes = [...new Set(r.failures.map((f) => f.code))].join(", ");
  return (
    `${r.wallS.toFixed(1)} s  ratio ${(r.wallS / r.floorS).toFixed(2)} (floor ${r.floorS} s)  failures ${r.failures.length}` +
    `${codes ? ` (${codes})` : ""}  slowest create ${r.slowestCreateS.toFixed(1)} s\n` +
    `      beyond the floor: ${r.lost.start.toFixed(1)} s before the first create, ${r.lost.between.toFixed(1)} s between creates, ` +
    `${r.lost.end.toFixed(1)} s after the last  429s: ${per(r.rateLimited)}  requests: ${per(r.requests)}`
  );
}
