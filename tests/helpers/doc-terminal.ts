/**
 * A new user's machine for the verbatim docs test: a fresh clone of this repository in a temp
 * directory, a fresh home directory (so `pulumi login --local`, stacks and PULUMI_HOME land in
 * it), and a terminal that runs documentation blocks one after another the way a user pastes
 * them: each block in bash with `set -eo pipefail`, starting in the directory and with the
 * exported variables the previous block left behind.
 *
 * What is shared with this machine, and why:
 * - `npm install`'s result (node_modules/ and the dist/ it builds) is copied from this checkout
 *   instead of downloaded again; a block that runs `npm install` still runs it (a quick check and
 *   a rebuild). Built plugins (dist/plugin) are not copied: the docs build them.
 * - The Pulumi CLI the project builds (`scripts/install-pulumi.sh`) is on PATH, and download
 *   and build caches (npm, pip, Go, pyenv) stay the machine's, so nothing is fetched twice.
 * - PULUMI_SKIP_CONFIRMATIONS=true stands for the user answering "yes" at `pulumi up`'s prompt
 *   (the terminal is not interactive); PULUMI_SKIP_UPDATE_CHECK and
 *   PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION keep every run offline.
 * - The Pulumi CLI takes its home from the user database, not from $HOME: PULUMI_HOME is set to
 *   the fresh home's `.pulumi` (where a user's goes), and in the blocks `pulumi login --local`
 *   (and `file://~`) means `file://$HOME`, the fresh home, exactly what it means for a user.
 *   {@link passwdPulumiHome} lets the test check that nothing reached the real one.
 * Nothing else of this process's environment that names Pulumi, Vast or npm reaches the blocks.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pulumiBinDir } from "../../scripts/pulumi-cli";
import { ROOT } from "./emulator";

/** The outcome of one block. */
export interface BlockRun {
  code: number;
  /** stdout and stderr, interleaved as written. */
  output: string;
}

/** What the repository's `git ls-files` knows (tracked, and untracked but not ignored) and still exists. */
function cloneFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
  return [...new Set(out.split("\0").filter(Boolean))].filter((f) => fs.existsSync(path.join(ROOT, f)));
}

/** The machine's cache directories, so a fresh home does not mean downloading everything again. */
function machineCaches(): Record<string, string> {
  const home = os.homedir();
  const cache = process.env.XDG_CACHE_HOME || path.join(home, ".cache");
  const npmCache = execFileSync("npm", ["config", "get", "cache"], { encoding: "utf8" }).trim();
  const env: Record<string, string> = { XDG_CACHE_HOME: cache, npm_config_cache: npmCache };
  env.GOPATH = process.env.GOPATH || path.join(home, "go");
  const pyenv = process.env.PYENV_ROOT || path.join(home, ".pyenv");
  if (fs.existsSync(pyenv)) env.PYENV_ROOT = pyenv;
  return env;
}

/**
 * The `.pulumi` directory of the user running the tests, as the Pulumi CLI finds it (from the user
 * database, whatever $HOME says): where `pulumi login --local` would write if the terminal did not
 * point it at the fresh home.
 */
export function passwdPulumiHome(): string {
  return path.join(os.userInfo().homedir, ".pulumi");
}

/**
 * Bash prelude of every block: `pulumi login --local` (or `file://~`) logs in to the fresh home,
 * as it does for a user whose home it is (the CLI would otherwise resolve `~` from the user
 * database). A function, so it holds whatever PATH a block sets; every other call is unchanged.
 */
const PULUMI_LOGIN_HOME = `pulumi() {
  if [ "\${1-}" = login ]; then
    local args=() a
    for a in "$@"; do
      case "$a" in
        --local | -l) args+=("file://$HOME") ;;
        file://~*) args+=("file://$HOME\${a#file://~}") ;;
        *) args+=("$a") ;;
      esac
    done
    command pulumi "\${args[@]}"
  else
    command pulumi "$@"
  fi
}
`;

/** A fresh clone, home and terminal; {@link DocTerminal.dispose} removes them. */
export class DocTerminal {
  /** The temp directory holding everything. */
  readonly scratch: string;
  /** The clone (the user's working copy). */
  readonly clone: string;
  private cwd: string;
  private env: NodeJS.ProcessEnv;
  private readonly background: ChildProcess[] = [];
  private blockCount = 0;

  constructor() {
    this.scratch = fs.mkdtempSync(path.join(os.tmpdir(), "docs-verbatim-"));
    this.clone = path.join(this.scratch, "pulumi-vast-api-keys");
    const home = path.join(this.scratch, "home");
    fs.mkdirSync(home, { recursive: true });
    for (const f of cloneFiles()) fs.cpSync(path.join(ROOT, f), path.join(this.clone, f), { preserveTimestamps: true });
    // npm install's result in this checkout: dependencies (the self-link is relative, so it
    // points at the clone) and the compiled package, policy pack included.
    fs.cpSync(path.join(ROOT, "node_modules"), path.join(this.clone, "node_modules"), { recursive: true, verbatimSymlinks: true });
    fs.cpSync(path.join(ROOT, "dist"), path.join(this.clone, "dist"), {
      recursive: true,
      filter: (src) => src !== path.join(ROOT, "dist", "plugin"),
    });
    fs.cpSync(path.join(ROOT, "policy", "dist"), path.join(this.clone, "policy", "dist"), { recursive: true });
    fs.mkdirSync(path.join(this.scratch, "blocks"));

    const inherited = Object.entries(process.env).filter(([k]) => !/^(PULUMI_|VAST_|npm_|INIT_CWD$|JEST_WORKER_ID$)/i.test(k));
    this.env = {
      ...Object.fromEntries(inherited),
      ...machineCaches(),
      HOME: home,
      PULUMI_HOME: path.join(home, ".pulumi"),
      PATH: `${pulumiBinDir()}${path.delimiter}${process.env.PATH ?? ""}`,
      PULUMI_SKIP_CONFIRMATIONS: "true",
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    };
    this.cwd = this.clone;
  }

  /** Writes the block to a file and returns the bash wrapper that runs it where the last block left off. */
  private script(text: string, saveState: boolean): string {
    const n = ++this.blockCount;
    const block = path.join(this.scratch, "blocks", `${n}.sh`);
    fs.writeFileSync(block, text);
    const state = path.join(this.scratch, "blocks", `${n}.state`);
    const save = saveState ? `trap 'code=$?; pwd > "${state}.cwd"; env -0 > "${state}.env"; exit $code' EXIT\n` : "";
    return `${save}${PULUMI_LOGIN_HOME}set -eo pipefail\nsource "${block}"\n`;
  }

  /** Runs a block in the foreground; the directory and exported variables it leaves become the next block's. */
  run(text: string, timeoutMs: number): Promise<BlockRun> {
    const wrapper = this.script(text, true);
    const n = this.blockCount;
    return new Promise((resolve) => {
      const child = spawn("bash", ["--noprofile", "--norc", "-c", wrapper], {
        cwd: this.cwd,
        env: this.env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      let output = "";
      child.stdout.on("data", (c: Buffer) => {
        output += c.toString();
      });
      child.stderr.on("data", (c: Buffer) => {
        output += c.toString();
      });
      const timer = setTimeout(() => {
        output += `\n[verbatim test: no exit after ${timeoutMs / 1000} s; stopped]`;
        if (child.pid) process.kill(-child.pid, "SIGTERM");
      }, timeoutMs);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const state = path.join(this.scratch, "blocks", `${n}.state`);
        if (fs.existsSync(`${state}.cwd`)) this.cwd = fs.readFileSync(`${state}.cwd`, "utf8").trim();
        if (fs.existsSync(`${state}.env`)) {
          const pairs = fs.readFileSync(`${state}.env`, "utf8").split("\0").filter(Boolean);
          this.env = Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
        }
        resolve({ code: code ?? (signal ? 128 : 1), output });
      });
    });
  }

  /**
   * Starts a block in a "second terminal" (its own process group, in the current directory and
   * environment) and resolves with its output once `ready` matches it.
   * @throws when it exits first or `ready` does not match within `timeoutMs`.
   */
  start(text: string, ready: (output: string) => boolean, timeoutMs: number): Promise<string> {
    const child = spawn("bash", ["--noprofile", "--norc", "-c", this.script(text, false)], {
      cwd: this.cwd,
      env: this.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    this.background.push(child);
    return new Promise((resolve, reject) => {
      let output = "";
      const timer = setTimeout(() => reject(new Error(`not ready after ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
      const onData = (c: Buffer) => {
        output += c.toString();
        if (ready(output)) {
          clearTimeout(timer);
          resolve(output);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`exited with ${code} before it was ready:\n${output}`));
      });
    });
  }

  /** Saves `text` as `name` in the current directory, as a user writing that file. */
  writeFile(name: string, text: string): void {
    fs.writeFileSync(path.resolve(this.cwd, name), text);
  }

  /** Stops the background blocks this terminal started (their process groups) and removes the scratch directory. */
  async dispose(): Promise<void> {
    await Promise.all(
      this.background.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null || !child.pid) return resolve();
            child.once("exit", () => resolve());
            process.kill(-child.pid, "SIGTERM");
          }),
      ),
    );
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}
