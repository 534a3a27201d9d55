// Makes this package resolvable by its own name from the repository root
// (node_modules/pulumi-vast-api-keys -> ..). The serialized dynamic provider does
// `require("pulumi-vast-api-keys/runtime")` from the Pulumi program's directory, and the
// root Pulumi.yaml stack runs over this very package, which npm never installs into itself.
// Run by scripts/prepare.cjs (npm's `prepare` hook); also runnable on its own.
const fs = require("node:fs");
const path = require("node:path");

function linkSelf() {
  const root = path.resolve(__dirname, "..");
  const name = require(path.join(root, "package.json")).name;
  const link = path.join(root, "node_modules", name);
  fs.mkdirSync(path.dirname(link), { recursive: true });
  try {
    const current = fs.readlinkSync(link);
    if (path.resolve(path.dirname(link), current) === root) return;
    fs.rmSync(link, { recursive: true, force: true });
  } catch (err) {
    if (err.code !== "ENOENT" && err.code !== "EINVAL") throw err;
    fs.rmSync(link, { recursive: true, force: true });
  }
  fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
}

linkSelf();
