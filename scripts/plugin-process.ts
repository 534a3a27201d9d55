/**
 * Where `npm run build:plugin` puts the `vast` plugin, and running the plugin as the engine
 * does (spawn, read the port from the first stdout line). Shared by the benchmark and the tests.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { PLUGIN_VERSION } from "../provider/plugin/version";

/** Paths of the packaged plugin under a repository root. */
export function pluginPaths(root: string, version: string = PLUGIN_VERSION) {
  const dir = path.join(root, "dist", "plugin", "pulumi-resource-vast");
  return {
    /** The plugin directory (for `plugins: providers: [{name: vast, path}]`). */
    dir,
    /** The executable the engine runs. */
    executable: path.join(dir, "pulumi-resource-vast"),
    /** The tarball for `pulumi plugin install resource vast <version> -f`. */
    tarball: path.join(root, "dist", "plugin", `pulumi-resource-vast-v${version}-linux-amd64.tar.gz`),
    /** The version the plugin reports. */
    version,
  };
}

/** A running plugin process. */
export interface PluginProcess {
  /** `127.0.0.1:<port>`, for a gRPC client. */
  address: string;
  /** Milliseconds from spawn to the port on stdout. */
  startupMs: number;
  /** Everything the plugin wrote to stderr so far. */
  stderr(): string;
  /** Stops the process (SIGTERM) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts a plugin executable (or `node <script>`) with the engine-address argument the engine
 * passes, and resolves once it printed its port.
 */
export function startPluginProcess(
  command: string,
  args: string[] = [],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<PluginProcess> {
  const started = performance.now();
  const child = spawn(command, [...args, "127.0.0.1:1"], { stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`plugin did not print a port within ${opts.timeoutMs ?? 15_000} ms: ${out}${stderr}`));
    }, opts.timeoutMs ?? 15_000);
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const line = /^(\d+)\n/.exec(out);
      if (!line) return;
      clearTimeout(timer);
      resolve({ address: `127.0.0.1:${line[1]}`, startupMs: performance.now() - started, stderr: () => stderr, stop });
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`plugin exited with ${code} before printing a port: ${out}${stderr}`));
    });
  });
}
