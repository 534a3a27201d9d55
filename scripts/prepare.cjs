// npm's `prepare` hook: runs after `npm install` in this checkout, and before `npm pack` and
// `npm publish` (never when a user installs the packed tarball).
// 1. Links the package to itself (link-self.cjs).
// 2. Compiles the TypeScript, so that `npm install && npm run demo` needs no other step. Under
//    `npm pack` only when dist/ is missing: the e2e suite packs this checkout from its jest
//    workers, and a compile there would rewrite dist/ under tests that are running from it.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
require("./link-self.cjs");

const built = fs.existsSync(path.join(root, "dist", "provider", "index.js"));
if (process.env.npm_command === "pack" && built) process.exit(0);

let tsc;
try {
  tsc = require.resolve("typescript/bin/tsc", { paths: [root] });
} catch {
  console.error("prepare: TypeScript is not installed (devDependencies omitted?), so dist/ was not built; run `npm run build`.");
  // Packing or publishing without a build would ship a package without its code.
  process.exit(built || !["pack", "publish"].includes(process.env.npm_command ?? "") ? 0 : 1);
}
const started = Date.now();
// The same two projects as `npm run build`: the package, and the policy pack it ships.
for (const project of ["tsconfig.build.json", path.join("policy", "tsconfig.json")]) {
  const run = spawnSync(process.execPath, [tsc, "-p", path.join(root, project)], { cwd: root, stdio: "inherit" });
  if (run.status !== 0) {
    console.error(`prepare: the TypeScript build of ${project} failed (exit ${run.status ?? run.signal}).`);
    process.exit(1);
  }
}
console.error(`prepare: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
