/**
 * Pulumi projects made for one run, the way a user makes them: this package packed with `npm pack`
 * and installed from the tarball, and YAML programs that name the built `vast` plugin. Shared by
 * the e2e tests and the benchmark.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** `npm pack`s the package at `root` into a new temp directory and returns the tarball's path. */
export function packPackage(root: string): string {
  const dest = fs.mkdtempSync(path.join(os.tmpdir(), "vast-pack-"));
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dest], { cwd: root, encoding: "utf8" });
  const name = out.trim().split("\n").pop() ?? "";
  return path.join(dest, name);
}

/** `npm install` in a project directory, quietly and from the cache where possible. */
export function npmInstall(dir: string): void {
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], { cwd: dir, stdio: "pipe" });
}

/** (Re)writes the `Pulumi.yaml` of a YAML program using the plugin in directory `plugin`, with the given `resources:` block (YAML text). */
export function writeYamlProgram(dir: string, name: string, plugin: string, resources: string): void {
  const program = [
    `name: ${name}`,
    "runtime: yaml",
    "plugins:",
    "  providers:",
    "    - name: vast",
    `      path: ${plugin}`,
    ...(resources.trim() ? ["resources:", resources.replace(/\n$/, "")] : []),
    "",
  ].join("\n");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), program);
}
