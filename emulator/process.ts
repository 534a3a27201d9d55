/**
 * Runs the compiled emulator as a separate process (a real HTTP server on 127.0.0.1) and
 * returns its URL, an admin client and a way to make isolated accounts. Used by the tests and
 * the benchmark.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import { EmulatorAdmin } from "./admin";
import type { DeepPartialOptions } from "./options";
import type { AccountInfo } from "./store";

/** A running emulator process. */
export interface EmulatorProcess {
  url: string;
  adminToken: string;
  seed: AccountInfo;
  admin: EmulatorAdmin;
  /** A new account with its own full-access key, so tests never share keys or rate limits. */
  newAccount(): Promise<AccountInfo>;
  stop(): Promise<void>;
}

/** Options for {@link startEmulatorProcess}. */
export interface EmulatorProcessOptions {
  /** Multiplier of Vast's thresholds (default 0.01: 2 s becomes 20 ms). */
  rateLimitScale?: number;
  /** Disable rate limiting. */
  noRateLimit?: boolean;
  /** Persist to this file. */
  stateFile?: string;
  /** Options applied through the admin surface after start. */
  options?: DeepPartialOptions;
}

/** Spawns the compiled `cli.js` with `--port 0` and waits for it to print its URL. */
export async function startEmulatorProcess(opts: EmulatorProcessOptions = {}): Promise<EmulatorProcess> {
  const args = [path.join(__dirname, "cli.js"), "--port", "0", "--rate-limit-scale", String(opts.rateLimitScale ?? 0.01)];
  if (opts.noRateLimit) args.push("--no-rate-limit");
  if (opts.stateFile) args.push("--state-file", opts.stateFile);
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  const out = await new Promise<string>((resolve, reject) => {
    let buf = "";
    let err = "";
    const timer = setTimeout(() => reject(new Error(`emulator did not start: ${buf}${err}`)), 15_000);
    child.stdout?.on("data", (c: Buffer) => {
      buf += c.toString();
      if (buf.includes("Try:")) {
        clearTimeout(timer);
        resolve(buf);
      }
    });
    child.stderr?.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`emulator exited with ${code}: ${err}`));
    });
  });
  const url = /listening on (\S+)/.exec(out)?.[1];
  const token = /Admin token \(header x-emulator-admin\): (\S+)/.exec(out)?.[1];
  if (!url || !token) throw new Error(`unexpected emulator banner: ${out}`);
  const admin = new EmulatorAdmin(url, token);
  if (opts.options) await admin.setOptions(opts.options);
  const seed = await admin.seed();
  return {
    url,
    adminToken: token,
    seed,
    admin,
    newAccount: () => admin.createAccount(),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
