/**
 * A stand-in for the Pulumi engine, run as its own process so that a test can SIGKILL it
 * (`tests/integration/engine-gone.test.ts`): it serves the engine's gRPC `Log` on 127.0.0.1, starts
 * one provider door in a process group of its own (as Pulumi does: `Setpgid`), configures it and
 * asks for `--creates` keys at once, like an engine running that many create steps in parallel.
 * Then it waits to be killed. It prints one JSON line: `{"engine": address, "provider": pid}`.
 *
 *   node -r ts-node/register/transpile-only tests/helpers/engine-stand-in.ts --door plugin|dynamic --creates N [--provider-file F]
 *
 * The doors' process trees are the real ones: the plugin's node is the engine's direct child (its
 * launcher `exec`s node); the dynamic-provider host runs under a shell, as the
 * `pulumi-resource-pulumi-nodejs` script starts it. Credentials come from the environment
 * (`VAST_API_KEY`, `VAST_URL`).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import * as enginerpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import { PluginClient } from "./plugin";

const ROOT = path.resolve(__dirname, "..", "..");
const PERMISSIONS = { api: { instance_read: {} } };

async function serveEngine(): Promise<string> {
  const server = new grpc.Server();
  server.addService(enginerpc.EngineService, {
    log: (_call: unknown, cb: grpc.sendUnaryData<emptyproto.Empty>) => cb(null, new emptyproto.Empty()),
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });
  return `127.0.0.1:${port}`;
}

function startDoor(door: string, engine: string) {
  const command =
    door === "plugin"
      ? { file: process.execPath, args: [path.join(ROOT, "dist", "provider", "plugin", "main.js"), engine] }
      : {
          file: "/bin/sh",
          args: [
            "-c",
            'node "$0" "$@"',
            path.join(ROOT, "node_modules", "@pulumi", "pulumi", "cmd", "dynamic-provider", "index.js"),
            engine,
          ],
        };
  const child = spawn(command.file, command.args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise<{ address: string; pid: number }>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
      const port = /^(\d+)\n/.exec(out)?.[1];
      if (port && child.pid !== undefined) resolve({ address: `127.0.0.1:${port}`, pid: child.pid });
    });
    child.on("exit", (code) => reject(new Error(`the ${door} door exited with ${code} before printing its port`)));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { door: { type: "string" }, creates: { type: "string" }, "provider-file": { type: "string" } } });
  const door = values.door ?? "plugin";
  const engine = await serveEngine();
  const provider = await startDoor(door, engine);
  const client = new PluginClient(provider.address);
  await client.configure({});
  const type = door === "plugin" ? "vast:index:ApiKey" : "pulumi-nodejs:dynamic/vast:ApiKey";
  const shim = values["provider-file"] ? { __provider: fs.readFileSync(values["provider-file"], "utf8") } : {};
  for (let i = 1; i <= Number(values.creates ?? 8); i++) {
    const name = `queued-${i}`;
    // Outcomes do not matter here: the test reads the emulator, and kills this process midway.
    client.create(`urn:pulumi:dev::proj::${type}::${name}`, { ...shim, name, permissions: PERMISSIONS }).catch(() => undefined);
  }
  process.stdout.write(`${JSON.stringify({ engine, provider: provider.pid })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`engine-stand-in: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
