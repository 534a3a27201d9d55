// `npm run fuzz -- --runs N`: the model-based test (tests/integration/model.test.ts) with a longer
// budget than `npm test` gives it, and a fresh random seed unless one is given. Every option maps
// to the FUZZ_* variable the test reads (tests/helpers/model/fuzz.ts); the seed is printed first, so
// any run can be repeated.
//
//   npm run fuzz -- --runs 500                 500 runs per door, random seed, no time limit
//   npm run fuzz -- --runs 200 --door plugin --seed 42 --commands 60
//   npm run fuzz -- --verbose                  prints what every run did
const { spawnSync } = require("node:child_process");
const path = require("node:path");
const { parseArgs } = require("node:util");

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "300" },
    seed: { type: "string" },
    commands: { type: "string" },
    door: { type: "string" },
    "time-limit": { type: "string", default: "0" },
    verbose: { type: "boolean", default: false },
  },
});
for (const name of ["runs", "seed", "commands", "time-limit"]) {
  const v = values[name];
  if (v !== undefined && !/^[0-9]+$/.test(v)) {
    console.error(`fuzz: --${name} must be a whole number (got "${v}")`);
    process.exit(2);
  }
}
if (values.door !== undefined && values.door !== "dynamic" && values.door !== "plugin") {
  console.error(`fuzz: --door must be dynamic or plugin (got "${values.door}")`);
  process.exit(2);
}
const seed = values.seed ?? String(Math.floor(Math.random() * 2 ** 31));
const env = {
  ...process.env,
  FUZZ_SEED: seed,
  FUZZ_RUNS: values.runs,
  FUZZ_TIME_LIMIT_S: values["time-limit"],
  ...(values.commands ? { FUZZ_COMMANDS: values.commands } : {}),
  ...(values.door ? { FUZZ_DOOR: values.door } : {}),
  ...(values.verbose ? { FUZZ_VERBOSE: "1" } : {}),
};
console.log(
  `fuzz: seed ${seed}, ${values.runs} runs per door${values.door ? ` (${values.door} door only)` : ""}; repeat with --seed ${seed}`,
);
const root = path.resolve(__dirname, "..");
const jest = require.resolve("jest/bin/jest", { paths: [root] });
const result = spawnSync(process.execPath, [jest, "tests/integration/model.test.ts", "--selectProjects", "integration"], {
  cwd: root,
  env,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
