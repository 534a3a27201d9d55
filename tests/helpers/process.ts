/** Running a command and collecting its exit code and output, for every test that shells out. */
import { execFile } from "node:child_process";
import * as fs from "node:fs";

/** Exit code and output of a finished command. */
export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args` to completion; never rejects on a non-zero exit (the code is returned). */
export function runProcess(
  file: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/**
 * True while process `pid` runs. A zombie (exited, not yet reaped by its parent) counts as exited:
 * it runs no code. Zombies are recognised through Linux's `/proc`; elsewhere only `kill(pid, 0)`.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // `pid (comm) S ...`: the state follows the last ')'.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return true;
  }
}

/** Command line of a process (Linux `/proc`), or undefined when it cannot be read. */
function commandLine(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return undefined;
  }
}

/** True while the process seen earlier as `{pid, args}` still runs (not another one that reused its pid). */
export function isSameProcess(p: { pid: number; args: string }): boolean {
  return isRunning(p.pid) && commandLine(p.pid) === p.args;
}

/** Polls until `done()` is true or `timeoutMs` passes; returns the last answer (a bound, not a measurement). */
export async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The processes descending from `pid` (children, their children, ...), from Linux `/proc`. */
export function descendantsOf(pid: number): Array<{ pid: number; args: string }> {
  const parentOf = new Map<number, number>();
  for (const entry of fs.existsSync("/proc") ? fs.readdirSync("/proc") : []) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // Exited meanwhile.
    }
  }
  const below = (p: number): boolean => {
    for (let q = parentOf.get(p); q !== undefined && q > 1; q = parentOf.get(q)) if (q === pid) return true;
    return false;
  };
  return [...parentOf.keys()].filter(below).flatMap((p) => {
    const args = commandLine(p);
    return args === undefined ? [] : [{ pid: p, args }];
  });
}
