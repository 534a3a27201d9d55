/**
 * `npm run build:plugin`: packages the `vast` resource provider plugin from the compiled code
 * (run `npm run build` first; the npm script does). Output, at fixed paths other tooling relies on:
 *
 * - `dist/plugin/pulumi-resource-vast/`: the plugin directory: the executable
 *   `pulumi-resource-vast` (a shell script running Node) and one bundled JavaScript file holding
 *   the provider, its runtime and every dependency (a YAML or Python project has no
 *   `node_modules` to lend it);
 * - `dist/plugin/pulumi-resource-vast-v<version>-linux-amd64.tar.gz`: the same files, for
 *   `pulumi plugin install resource vast <version> -f <tarball>`.
 *
 * No download: esbuild comes from npm as a devDependency.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { build } from "esbuild";
import { PLUGIN_VERSION } from "../provider/plugin/version";

const ROOT = path.resolve(__dirname, "..", "..");
const OUT = path.join(ROOT, "dist", "plugin");
const PLUGIN_DIR = path.join(OUT, "pulumi-resource-vast");
const ENTRY = path.join(ROOT, "dist", "provider", "plugin", "main.js");
const BUNDLE = "pulumi-resource-vast.js";

const LAUNCHER = `#!/bin/sh
# The vast resource provider plugin for Pulumi (pulumi-vast-api-keys ${PLUGIN_VERSION}): runs the
# bundled provider with the Node.js found on PATH.
if ! command -v node >/dev/null 2>&1; then
  echo "pulumi-resource-vast: Node.js (>= 20) is required on PATH" >&2
  exit 1
fi
exec node "$(dirname -- "$0")/${BUNDLE}" "$@"
`;

/** The tarball's file name for this version. */
export function tarballName(version: string = PLUGIN_VERSION): string {
  return `pulumi-resource-vast-v${version}-linux-amd64.tar.gz`;
}

async function main(): Promise<void> {
  if (!fs.existsSync(ENTRY)) throw new Error(`${path.relative(ROOT, ENTRY)} is missing: run \`npm run build\` first`);
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(PLUGIN_DIR, { recursive: true });
  await build({
    entryPoints: [ENTRY],
    outfile: path.join(PLUGIN_DIR, BUNDLE),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    minify: true,
    // Keeps the licence headers of the bundled packages (grpc-js, google-protobuf, undici, zod).
    legalComments: "eof",
    logLevel: "warning",
  });
  fs.writeFileSync(path.join(PLUGIN_DIR, "pulumi-resource-vast"), LAUNCHER, { mode: 0o755 });
  const tarball = path.join(OUT, tarballName());
  execFileSync("tar", ["-czf", tarball, "-C", PLUGIN_DIR, "pulumi-resource-vast", BUNDLE]);
  const kb = (f: string) => `${(fs.statSync(f).size / 1024).toFixed(0)} KB`;
  process.stdout.write(
    `plugin directory: ${path.relative(ROOT, PLUGIN_DIR)} (bundle ${kb(path.join(PLUGIN_DIR, BUNDLE))})\n` +
      `tarball: ${path.relative(ROOT, tarball)} (${kb(tarball)})\n` +
      `install: pulumi plugin install resource vast ${PLUGIN_VERSION} -f ${path.relative(ROOT, tarball)}\n`,
  );
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`build:plugin: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
