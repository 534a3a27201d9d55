// Four projects: `unit` (pure, no sockets), `integration` (the emulator over real HTTP, the
// serialized provider in a fresh Node process, the official vastai CLI), `e2e` (the real
// Pulumi CLI), and `docs` (the documentation's command blocks, run verbatim on a fresh clone).
// `npm test` runs unit + integration; `npm run test:e2e` runs e2e; `npm run test:docs` runs docs.
const transform = { "^.+\\.ts$": ["ts-jest", { tsconfig: "tsconfig.json" }] };
const common = {
  testEnvironment: "node",
  transform,
  moduleFileExtensions: ["ts", "js", "json"],
  // node_modules/pulumi-vast-api-keys is a symlink to the repository itself.
  modulePathIgnorePatterns: ["<rootDir>/dist/", "<rootDir>/node_modules/pulumi-vast-api-keys/"],
  watchPathIgnorePatterns: ["<rootDir>/node_modules/"],
};
module.exports = {
  projects: [
    { ...common, displayName: "unit", roots: ["<rootDir>/tests/unit"] },
    {
      ...common,
      displayName: "integration",
      roots: ["<rootDir>/tests/integration"],
      setupFiles: ["<rootDir>/tests/helpers/setup-env.js"],
      setupFilesAfterEnv: ["<rootDir>/tests/helpers/timeout-integration.js"],
      globalSetup: "<rootDir>/tests/helpers/require-build.js",
    },
    {
      ...common,
      displayName: "e2e",
      roots: ["<rootDir>/tests/e2e"],
      setupFilesAfterEnv: ["<rootDir>/tests/helpers/timeout-e2e.js"],
      globalSetup: "<rootDir>/tests/helpers/require-build.js",
    },
    {
      ...common,
      displayName: "docs",
      roots: ["<rootDir>/tests/docs"],
      setupFilesAfterEnv: ["<rootDir>/tests/helpers/timeout-docs.js"],
      globalSetup: "<rootDir>/tests/helpers/require-build.js",
    },
  ],
};
