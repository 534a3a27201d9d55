/**
 * No call after the engine is gone (issue 18), with a real process tree: an engine stand-in
 * (`tests/helpers/engine-stand-in.ts`) starts a door in its own process group, as Pulumi does,
 * and asks it for 8 keys at once; at Vast's real rate limits the creates queue up behind the
 * 2 s create interval. The stand-in is SIGKILLed after 2 keys, as a dying CI runner is. The
 * emulator's request log then shows no create or delete arriving after the kill, and the
 * provider process exits instead of running on with the management key.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { vastApiKeyProvider } from "pulumi-vast-api-keys";
import type { AccountInfo } from "../../emulator/store";
import { serializeProvider } from "../../scripts/serialize-provider";
import { managedKeys } from "../helpers/account-keys";
import { type EmulatorProcess, ROOT, startEmulatorProcess } from "../helpers/emulator";
import { pause } from "../helpers/http";
import { isRunning, waitUntil } from "../helpers/process";

const CREATES = 8;
const KILL_AFTER = 2;
/** Long enough for two more creates at Vast's 2 s create interval, had anything gone on sending. */
const WATCH_AFTER_KILL_MS = 5000;

let emu: EmulatorProcess;
const started: ChildProcess[] = [];
const providers: number[] = [];

beforeAll(async () => {
  emu = await startEmulatorProcess({ rateLimitScale: 1 });
});
afterAll(async () => {
  // Each provider leads its own process group (the dynamic door: the shell and its node).
  for (const pid of providers) if (isRunning(pid)) process.kill(-pid, "SIGKILL");
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await emu?.stop();
});

/** The emulator's request-log identity of a key (`emulator/server.ts` `identityOf`). */
function identityOf(apiKey: string): string {
  return `key:${createHash("sha256").update(apiKey).digest("hex").slice(0, 12)}`;
}

/** Starts the stand-in in its own process group (so the test can kill the group) and waits for its line. */
async function startEngine(door: string, account: AccountInfo, providerFile?: string): Promise<{ child: ChildProcess; provider: number }> {
  const args = ["-r", "ts-node/register/transpile-only", path.join(ROOT, "tests", "helpers", "engine-stand-in.ts"), "--door", door];
  args.push("--creates", String(CREATES), ...(providerFile ? ["--provider-file", providerFile] : []));
  const env = { ...process.env, VAST_URL: emu.url, VAST_API_KEY: account.apiKey, VAST_PACING_SCALE: "1" };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "inherit"] });
  started.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      if (out.includes("\n")) resolve(out.split("\n")[0] ?? "");
    });
    child.on("exit", (code) => reject(new Error(`engine stand-in exited with ${code}`)));
  });
  const { provider } = JSON.parse(line) as { provider: number };
  providers.push(provider);
  return { child, provider };
}

describe.each([
  ["the plugin (vast:index:ApiKey)", "plugin"],
  ["the dynamic-provider host (VastApiKey), under its launcher shell", "dynamic"],
])("engine SIGKILLed while creates are queued in %s", (_title, door) => {
  it("no create or delete reaches Vast after the kill, and the provider process exits", async () => {
    const account = await emu.newAccount();
    let providerFile: string | undefined;
    if (door === "dynamic") {
      providerFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "engine-gone-")), "provider.js");
      fs.writeFileSync(providerFile, await serializeProvider(vastApiKeyProvider));
    }
    const { child, provider } = await startEngine(door, account, providerFile);
    expect(await waitUntil(async () => (await managedKeys(emu, account)).length >= KILL_AFTER, 60_000, 50)).toBe(true);

    const killedAt = Date.now();
    process.kill(-(child.pid as number), "SIGKILL");
    const atKill = (await managedKeys(emu, account)).length;
    await pause(WATCH_AFTER_KILL_MS);

    const me = identityOf(account.apiKey);
    const late = (await emu.admin.requests())
      .filter((e) => e.identity === me && e.at > killedAt && (e.method === "POST" || e.method === "DELETE"))
      .map((e) => `${e.method} ${e.path} (+${e.at - killedAt} ms)`);
    expect(late).toEqual([]);
    // The test means something only if creates were still queued when the engine died.
    expect(atKill).toBeLessThan(CREATES);
    expect((await managedKeys(emu, account)).length).toBe(atKill);
    // The provider is in its own process group: the kill did not reach it, its own watch must end it.
    expect(await waitUntil(() => !isRunning(provider), 10_000)).toBe(true);
  });
});
