/**
 * Runs the model-based test with fast-check (`fc.commands` + `fc.asyncModelRun`) and reports a
 * failure so that it can be replayed: the seed, the path of the shrunk case, the shrunk command
 * sequence and what broke.
 *
 * Settings come from the environment (`npm run fuzz` sets them; `npm test` uses the defaults):
 * `FUZZ_SEED`, `FUZZ_RUNS`, `FUZZ_COMMANDS` (commands per run at most), `FUZZ_PATH` and
 * `FUZZ_REPLAY_PATH` (replay one shrunk case), `FUZZ_DOOR` (`dynamic` or `plugin`: one door only),
 * `FUZZ_TIME_LIMIT_S` (stop starting new runs after this long; 0 = no limit), `FUZZ_VERBOSE=1`
 * (print what every run did).
 */
import fc from "fast-check";
import type { EmulatorOptions } from "../../../emulator/options";
import type { Door } from "../doors";
import type { EmulatorProcess } from "../emulator";
import { commandArbitraries, type ModelCommand } from "./commands";
import { newWorld } from "./world";

/** How one model test runs. */
export interface FuzzSettings {
  seed: number;
  runs: number;
  maxCommands: number;
  /** Replays one case: the `path` fast-check printed. */
  path: string | undefined;
  /** With `path`: which commands of the case ran. */
  replayPath: string | undefined;
  doors: ReadonlyArray<Door["name"]>;
  /** 0: no limit. */
  timeLimitMs: number;
  /** Prints what every run did (`FUZZ_VERBOSE=1`). */
  verbose: boolean;
}

/** The fixed seed `npm test` runs with (issue 17). */
export const DEFAULT_SEED = 17_017;

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`${name}="${raw}" must be an integer`);
  return n;
}

/** Reads the settings; the defaults are `npm test`'s bounded budget. */
export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const door = env.FUZZ_DOOR?.trim();
  if (door && door !== "dynamic" && door !== "plugin") throw new Error(`FUZZ_DOOR="${door}" must be dynamic or plugin`);
  return {
    seed: intVar(env, "FUZZ_SEED", DEFAULT_SEED),
    runs: intVar(env, "FUZZ_RUNS", 25),
    maxCommands: intVar(env, "FUZZ_COMMANDS", 60),
    path: env.FUZZ_PATH?.trim() || undefined,
    replayPath: env.FUZZ_REPLAY_PATH?.trim() || undefined,
    doors: door ? [door as Door["name"]] : ["dynamic", "plugin"],
    timeLimitMs: 1000 * intVar(env, "FUZZ_TIME_LIMIT_S", 50),
    verbose: env.FUZZ_VERBOSE === "1",
  };
}

/** What a passing model test did. */
export interface FuzzSummary {
  runs: number;
  interrupted: boolean;
  /** What the runs exercised, summed. */
  stats: Map<string, number>;
}

const RIGHTS_FORMS: Array<EmulatorOptions["rightsAs"]> = ["string", "object", "categories-string"];

type Case = [EmulatorOptions["rightsAs"], Iterable<ModelCommand>];

/**
 * Runs the model through `door` against `emu`.
 * @throws Error describing the shrunk failing case and how to replay it.
 */
export async function runModel(emu: EmulatorProcess, door: Door, settings: FuzzSettings): Promise<FuzzSummary> {
  const commands = fc.commands(commandArbitraries(), {
    maxCommands: settings.maxCommands,
    // Lengths up to maxCommands, not biased towards tiny sequences: defects live in long ones.
    size: "max",
    ...(settings.replayPath ? { replayPath: settings.replayPath } : {}),
  });
  const stats = new Map<string, number>();
  const property = fc.asyncProperty(fc.constantFrom(...RIGHTS_FORMS), commands, async (rightsAs, cmds) => {
    const { model, real } = await newWorld(emu, door, rightsAs);
    try {
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      for (const [what, n] of real.stats) stats.set(what, (stats.get(what) ?? 0) + n);
    } finally {
      await real.dispose();
      if (settings.verbose) process.stdout.write(`--- run (${door.name} door, rights as ${rightsAs}) ---\n${real.log.join("\n")}\n`);
    }
  });
  const details = await fc.check(property, {
    seed: settings.seed,
    numRuns: settings.runs,
    ...(settings.path ? { path: settings.path, endOnFailure: true } : {}),
    ...(settings.timeLimitMs > 0 ? { plugins: [fc.interruptAfterTimeLimit(settings.timeLimitMs)] } : {}),
  });
  if (details.failed && details.counterexample === null) {
    throw new Error(`the model test (${door.name} door) reached its time limit before a single run finished (FUZZ_TIME_LIMIT_S)`);
  }
  if (details.failed) throw new Error(failureReport(door, details as unknown as fc.RunDetails<Case>));
  return { runs: details.numRuns, interrupted: details.interrupted, stats };
}

function failureReport(door: Door, details: fc.RunDetails<Case>): string {
  const [rightsAs, cmds] = details.counterexample ?? ["string", []];
  const replayPath = /replayPath="([^"]*)"/.exec(String(cmds))?.[1];
  const ran = [...(cmds as Iterable<ModelCommand & { hasRan?: boolean }>)].filter((c) => c.hasRan !== false);
  const env = [
    `FUZZ_DOOR=${door.name}`,
    `FUZZ_SEED=${details.seed}`,
    // The path starts with the run's index: the replay must be allowed that many runs.
    `FUZZ_RUNS=${Math.max(details.numRuns, Number(details.counterexamplePath?.split(":")[0] ?? 0) + 1)}`,
    `FUZZ_PATH="${details.counterexamplePath ?? ""}"`,
    ...(replayPath ? [`FUZZ_REPLAY_PATH="${replayPath}"`] : []),
  ];
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return [
    `The model-based test found a defect through the ${door.name} door (seed ${details.seed}, run ${details.numRuns}, shrunk ${details.numShrinks} times).`,
    "Replay exactly this case:",
    `  ${env.join(" ")} npx jest tests/integration/model.test.ts --selectProjects integration`,
    `Shrunk sequence (emulator listing rights as ${rightsAs}):`,
    ...ran.map((c, i) => `  ${i + 1}. ${c.toString()}`),
    "What broke:",
    error,
  ].join("\n");
}
