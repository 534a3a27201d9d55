/**
 * `npm run demo`: the whole story on the embedded emulator, with the real Pulumi CLI (found on
 * PATH or in the install script's cache, or built there first: see `ensurePulumiCli`).
 * Starts the Vast API emulator (state file `.emulator/demo/state.json`), runs the root stack
 * `prod` (`pulumi up`), prints its outputs with secrets masked, changes a key's permissions and
 * shows the replacement (`pulumi up`: the key ids before and after, and from the emulator's request
 * log that the new key was created before the old one was deleted), deletes a key behind Pulumi's
 * back and shows the drift (`pulumi preview --refresh`), repairs it (`pulumi up --refresh`), and
 * destroys everything.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorAdmin } from "../emulator/admin";
import { type RequestLogEntry, startEmulator } from "../emulator/server";
import { ensurePulumiCli, localEngineEnv } from "./pulumi-cli";

const ROOT = path.resolve(__dirname, "..", "..");
const STACK = "prod";

function say(text: string): void {
  console.log(`\n\x1b[1m▶ ${text}\x1b[0m`);
}

/**
 * A throwaway copy of the root project (same program, same Pulumi.prod.yaml), so that creating
 * the demo stack never writes an encryption salt into the repository's own stack config.
 */
function projectCopy(scratch: string): string {
  const dir = path.join(scratch, "project");
  fs.mkdirSync(dir, { recursive: true });
  const project = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
  const main = /^main:\s*(\S+)\s*$/m.exec(project)?.[1];
  if (!main) throw new Error("Pulumi.yaml has no main");
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), project.replace(/^main:.*$/m, `main: ${path.join(ROOT, main)}`));
  fs.copyFileSync(path.join(ROOT, `Pulumi.${STACK}.yaml`), path.join(dir, `Pulumi.${STACK}.yaml`));
  fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

function pulumi(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("pulumi", [...args, "--non-interactive", "--stack", STACK], { cwd, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`pulumi ${args.join(" ")} exited with ${code}`))));
  });
}

/**
 * The replacement of key `oldId`, from the emulator's request log: the successful create of its
 * successor `newId` and the delete of `oldId`, in the order they reached the API.
 * @throws when either is missing or the old key went first (the package promises new key first).
 */
function replacementInLog(log: RequestLogEntry[], oldId: number, newId: number): string {
  const created = log.find((e) => e.route === "POST /api/v0/auth/apikeys/" && e.createdKeyId === newId);
  const deleted = log.find((e) => e.route === "DELETE /api/v0/auth/apikeys/{id}/" && e.path.endsWith(`/${oldId}/`) && e.outcome === 200);
  if (!created || !deleted) throw new Error(`the emulator's log lacks the create of key ${newId} or the delete of key ${oldId}`);
  if (created.seq > deleted.seq) throw new Error(`key ${oldId} was deleted before its replacement ${newId} was created`);
  return (
    `request #${created.seq} POST ${created.path} created key ${newId}; ` +
    `request #${deleted.seq} DELETE ${deleted.path} deleted key ${oldId} afterwards (new key first)`
  );
}

async function main(): Promise<void> {
  // The CLI from PATH or the install script's cache; on a fresh machine the script builds it
  // first, saying so and how long it takes, with progress on stderr.
  let bin: string;
  try {
    bin = ensurePulumiCli();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const stateFile = path.join(ROOT, ".emulator", "demo", "state.json");
  fs.rmSync(path.dirname(stateFile), { recursive: true, force: true });

  say("Starting the Vast API emulator (real HTTP on 127.0.0.1, Vast's real rate limits)");
  const emu = await startEmulator({ stateFile });
  const admin = new EmulatorAdmin(emu.url, emu.adminToken);
  console.log(`  emulator: ${emu.url}   state file: ${path.relative(ROOT, stateFile)}`);
  console.log(`  management key: key id ${emu.seed.keyId} (full access), passed to Pulumi as VAST_API_KEY`);
  console.log(`  Pulumi CLI: ${bin}`);

  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vast-demo-"));
  const env = localEngineEnv(scratch, {
    PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
    VAST_URL: emu.url,
    VAST_API_KEY: emu.seed.apiKey,
  });
  const cwd = projectCopy(scratch);
  try {
    await pulumi(["stack", "select", "--create"], env, cwd);

    say("pulumi up: the prod environment declares an autoscaler key and a read-only monitoring key");
    await pulumi(["up", "--yes", "--skip-preview"], env, cwd);

    say("Stack outputs (key values are secrets and stay masked)");
    await pulumi(["stack", "output"], env, cwd);
    const keys = (await admin.liveKeys(emu.seed.userId)).filter((k) => k.id !== emu.seed.keyId);
    console.log(`  Vast now holds: ${keys.map((k) => `${k.name} (id ${k.id})`).join(", ")}`);

    const monitoring = keys.find((k) => k.name === "prod-monitoring");
    if (!monitoring) throw new Error("the demo expected a prod-monitoring key");
    say("A permission change replaces the key: prod-monitoring goes from readOnly to instanceManagementOnly");
    await pulumi(["config", "set", "--path", "keys.monitoring.preset", "instanceManagementOnly"], env, cwd);
    const since = (await admin.requests()).at(-1)?.seq ?? 0;
    await pulumi(["up", "--yes", "--skip-preview"], env, cwd);
    const live = await admin.liveKeys(emu.seed.userId);
    const replaced = live.find((k) => k.name === "prod-monitoring");
    if (!replaced || live.some((k) => k.id === monitoring.id)) throw new Error("the permission change did not replace prod-monitoring");
    console.log(`  prod-monitoring: key id ${monitoring.id} before, key id ${replaced.id} after; key ${monitoring.id} is gone from Vast`);
    console.log(`  the emulator's request log: ${replacementInLog(await admin.requests(since), monitoring.id, replaced.id)}`);

    const victim = replaced;
    say(`Drift: someone deletes ${victim.name} (id ${victim.id}) in the Vast console, outside Pulumi`);
    await admin.deleteKey(victim.id);
    say("pulumi preview --refresh notices the missing key and plans to recreate it");
    await pulumi(["preview", "--refresh"], env, cwd);

    say("pulumi up --refresh repairs the drift with a new key");
    await pulumi(["up", "--refresh", "--yes", "--skip-preview"], env, cwd);
    const repaired = (await admin.liveKeys(emu.seed.userId)).find((k) => k.name === "prod-monitoring");
    console.log(`  prod-monitoring is back as key id ${repaired?.id}`);

    say("pulumi destroy: every key the stack made is deleted on Vast");
    await pulumi(["destroy", "--yes", "--skip-preview"], env, cwd);
    const left = (await admin.liveKeys(emu.seed.userId)).filter((k) => k.id !== emu.seed.keyId);
    console.log(`  keys left besides the management key: ${left.length}`);
    say("Done. Point the same stack at the real API with VAST_API_KEY (or `pulumi config set --secret vast:apiKey`) and no VAST_URL.");
  } finally {
    await emu.stop();
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
