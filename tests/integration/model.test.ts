/**
 * The model-based test (issue 17, section 2): random sequences of program edits, out-of-band
 * actions, clock moves, faults and engine operations, driven through both doors (the dynamic
 * provider's shims and the plugin's `VastProvider`) as the engine drives them, against the
 * emulator over real HTTP. After every command the invariants a user relies on are checked
 * (tests/helpers/model/invariants.ts). A failure prints the seed, the shrunk sequence and the
 * command that replays it; `npm run fuzz -- --runs N` runs longer.
 */
import { bothDoors } from "../helpers/doors";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { fuzzSettings, runModel } from "../helpers/model/fuzz";

// A lost create waits for this timeout (and twice it for a key that never shows): short, so that
// the faults that cost a wait stay cheap.
process.env.VAST_TIMEOUT_MS = "1000";

const settings = fuzzSettings();

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());

const doors = bothDoors().filter(([, door]) => settings.doors.includes(door.name));

describe.each(doors)("model through the %s", (_label, door) => {
  it(
    "keeps every invariant over random sequences of edits, out-of-band actions, time and faults",
    async () => {
      const seed = settings.seed + (door.name === "plugin" && !process.env.FUZZ_SEED ? 1 : 0);
      const summary = await runModel(emu, door, { ...settings, seed });
      // The seed is printed so a passing run can be repeated too.
      const exercised = [...summary.stats].map(([what, n]) => `${what} ${n}`).join(", ");
      process.stdout.write(
        `model test, ${door.name} door: seed ${seed}, ${summary.runs} runs of up to ${settings.maxCommands} commands${summary.interrupted ? " (time limit reached)" : ""}; ${exercised}\n`,
      );
      expect(summary.runs).toBeGreaterThan(0);
    },
    // Shrinking a failure replays many runs.
    30 * 60_000,
  );
});
