/** Running a command and collecting its exit code and output, for every test that shells out. */
import { execFile } from "node:child_process";

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
