/**
 * Loaded with `NODE_OPTIONS=--require` into every Node.js process a benchmarked `pulumi up` starts
 * (the program, the dynamic-provider host, the `vast` plugin): appends one JSON line per event to
 * `$VAST_BENCH_PROBE`, so bench/door.ts can say where the time goes. Events: the process start
 * (backdated to when Node started), the first full load of `@pulumi/pulumi`, this package's entry
 * and runtime loaded (with how long each require took), the first call of each runtime method, and the exit. Nothing here
 * changes what the processes do.
 */
import * as fs from "node:fs";

import Module = require("node:module");

/** One line of the probe file. */
export interface ProbeEvent {
  /** Epoch ms. */
  t: number;
  pid: number;
  /** `program`, `provider` (the dynamic-provider host), `plugin` or `other`. */
  role: string;
  event: string;
  /** Duration of a require, ms. */
  ms?: number;
}

const file = process.env.VAST_BENCH_PROBE;
if (file) {
  const argv = process.argv.slice(1).join(" ");
  const role = /cmd[\\/]run/.test(argv)
    ? "program"
    : /cmd[\\/]dynamic-provider/.test(argv)
      ? "provider"
      : /pulumi-resource-vast/.test(argv)
        ? "plugin"
        : "other";
  const write = (event: string, extra: Partial<ProbeEvent> = {}, t = Date.now()) =>
    fs.appendFileSync(file, `${JSON.stringify({ t, pid: process.pid, role, event, ...extra })}\n`);
  write("start", {}, Math.round(Date.now() - process.uptime() * 1000));
  process.on("exit", () => write("exit"));

  // The runtime's methods, wrapped to note their first call.
  const wrapRuntime = (runtime: Record<string, unknown>) => {
    for (const name of ["configure", "check", "diff", "create", "read", "delete"]) {
      const fn = runtime[name];
      if (typeof fn !== "function") continue;
      let calls = 0;
      Object.defineProperty(runtime, name, {
        value: (...args: unknown[]) => {
          calls++;
          if (calls === 1) write(`${name} first`);
          return fn(...args);
        },
      });
    }
  };
  const watched: Record<string, string> = {
    "@pulumi/pulumi": "sdk loaded",
    "pulumi-vast-api-keys": "package loaded",
    "pulumi-vast-api-keys/runtime": "runtime loaded",
    "pulumi-vast-api-keys/rotating": "rotating runtime loaded",
  };
  const mod = Module as unknown as { _load: (request: string, ...rest: unknown[]) => unknown };
  const load = mod._load;
  const seen = new Set<string>();
  mod._load = function (this: unknown, request: string, ...rest: unknown[]) {
    const label = watched[request];
    if (label === undefined || seen.has(request)) return load.call(this, request, ...rest);
    seen.add(request);
    const started = Date.now();
    const exports = load.call(this, request, ...rest) as Record<string, unknown>;
    write(label, { ms: Date.now() - started });
    if (label.includes("runtime")) wrapRuntime(exports);
    return exports;
  };
}
