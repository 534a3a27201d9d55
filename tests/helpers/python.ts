/**
 * Python programs in tests: the Python language host next to `pulumi`, and the Python example
 * installed the way its README says (a fresh venv, `pip install -r requirements.txt`, which
 * installs `pulumi` from PyPI and `pulumi_vast` from `sdk/python`, not editable).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pulumiBinDir } from "../../scripts/pulumi-cli";
import { ROOT } from "./emulator";
import { installPluginExample } from "./plugin";
import { runProcess } from "./process";

/** The SDK as the example's `requirements.txt` names it (relative to the example). */
const EXAMPLE_SDK_PATH = "../../sdk/python";

/**
 * The Python language host and its runner script must sit next to `pulumi`
 * (`scripts/install-pulumi.sh` builds both).
 * @throws saying so when one is missing.
 */
export function requirePythonHost(): void {
  for (const name of ["pulumi-language-python", "pulumi-language-python-exec"]) {
    const file = path.join(pulumiBinDir(), name);
    if (!fs.existsSync(file))
      throw new Error(`${file} is missing: run \`bash scripts/install-pulumi.sh\` (it builds the Python language host)`);
  }
}

/** A Python project ready to run. */
export interface PythonProject {
  /** The project directory (a copy of the example). */
  dir: string;
  /** Its virtual environment. */
  venv: string;
  /**
   * Environment for `pulumi` runs: the venv's `bin` first on PATH, which is how the Python host
   * built here finds the venv's interpreter (it predates the `virtualenv` runtime option).
   */
  env: Record<string, string>;
}

async function mustRun(file: string, args: string[], cwd: string): Promise<void> {
  const r = await runProcess(file, args, { cwd });
  if (r.code !== 0) throw new Error(`${file} ${args.join(" ")} exited ${r.code}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
}

/**
 * Copies `examples/python` (plugin path pointed at the built plugin, SDK path at this
 * repository's `sdk/python`), creates a fresh venv in it and installs `requirements.txt`.
 */
export async function installPythonExample(): Promise<PythonProject> {
  const dir = installPluginExample("python");
  const requirements = path.join(dir, "requirements.txt");
  const lines = fs.readFileSync(requirements, "utf8").split("\n");
  if (!lines.includes(EXAMPLE_SDK_PATH)) throw new Error(`examples/python/requirements.txt no longer names ${EXAMPLE_SDK_PATH}`);
  fs.writeFileSync(requirements, lines.map((l) => (l === EXAMPLE_SDK_PATH ? path.join(ROOT, "sdk", "python") : l)).join("\n"));

  const venv = path.join(dir, "venv");
  await mustRun(process.env.PYTHON ?? "python3", ["-m", "venv", venv], dir);
  await mustRun(
    path.join(venv, "bin", "python"),
    ["-m", "pip", "install", "--disable-pip-version-check", "-q", "-r", "requirements.txt"],
    dir,
  );
  const bin = path.join(venv, "bin");
  return { dir, venv, env: { PATH: [bin, pulumiBinDir(), process.env.PATH ?? ""].join(path.delimiter), VIRTUAL_ENV: venv } };
}
