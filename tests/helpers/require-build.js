// Integration and e2e tests exercise the compiled package exactly as users get it (the
// serialized provider requires "pulumi-vast-api-keys/runtime"), so a build must exist.
const fs = require("node:fs");
const path = require("node:path");
module.exports = async () => {
  const root = path.resolve(__dirname, "..", "..");
  const required = ["dist/provider/runtime.js", "dist/emulator/cli.js", "node_modules/pulumi-vast-api-keys/package.json"];
  const missing = required.filter((f) => !fs.existsSync(path.join(root, f)));
  if (missing.length) {
    throw new Error(
      `Missing ${missing.join(", ")}: run \`npm install\` first (it links the package to itself and builds dist/), or \`npm run build\`.`,
    );
  }
};
