#!/usr/bin/env node
/**
 * `npm run emulator -- [--port 8787] [--state-file .emulator/state.json] [--rate-limit-scale 1]
 * [--no-rate-limit] [--admin-token TOKEN]`: runs the Vast API emulator until interrupted.
 * Without `--port` it listens on 8787, or on a free port when 8787 is taken (the URL it prints
 * is the one to use), so a second emulator, or one started while another program holds 8787,
 * still starts.
 */
import { type EmulatorServer, type StartOptions, startEmulator } from "./server";

/** The port used when `--port` is not given and it is free. */
const DEFAULT_PORT = 8787;

const USAGE = "usage: npm run emulator -- [--port N] [--state-file FILE] [--rate-limit-scale X] [--no-rate-limit] [--admin-token T]";

function parseArgs(argv: string[]) {
  const out: { port?: number; stateFile?: string; scale: number; rateLimit: boolean; adminToken?: string } = {
    scale: 1,
    rateLimit: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--port") out.port = Number(value());
    else if (arg === "--state-file") out.stateFile = value();
    else if (arg === "--rate-limit-scale") out.scale = Number(value());
    else if (arg === "--no-rate-limit") out.rateLimit = false;
    else if (arg === "--admin-token") out.adminToken = value();
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (out.port !== undefined && (!Number.isInteger(out.port) || out.port < 0 || out.port > 65535))
    throw new Error(`--port must be 0-65535\n${USAGE}`);
  if (!Number.isFinite(out.scale) || out.scale < 0) throw new Error(`--rate-limit-scale must be a number >= 0\n${USAGE}`);
  return out;
}

/** Starts on the port asked for; without one, on {@link DEFAULT_PORT} or, when that is taken, on a free port. */
async function listen(port: number | undefined, start: StartOptions): Promise<EmulatorServer> {
  if (port !== undefined) return startEmulator({ ...start, port });
  try {
    return await startEmulator({ ...start, port: DEFAULT_PORT });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
    console.log(`Port ${DEFAULT_PORT} is in use, so the emulator takes a free port (--port N chooses one)`);
    return startEmulator({ ...start, port: 0 });
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const emu = await listen(args.port, {
    ...(args.stateFile ? { stateFile: args.stateFile } : {}),
    ...(args.adminToken ? { adminToken: args.adminToken } : {}),
    options: { rateLimit: { enabled: args.rateLimit, scale: args.scale } },
  });
  console.log(`Vast API emulator listening on ${emu.url}`);
  console.log(`Seeded full-access key (user ${emu.seed.userId}, key id ${emu.seed.keyId}): ${emu.seed.apiKey}`);
  console.log(`Admin token (header x-emulator-admin): ${emu.adminToken}`);
  console.log(args.stateFile ? `State file: ${args.stateFile}` : "State: in memory (use --state-file to keep it)");
  console.log(`Try: VAST_URL=${emu.url} VAST_API_KEY=${emu.seed.apiKey} vastai show api-keys --raw`);
  const stop = () => void emu.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
