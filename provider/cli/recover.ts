/**
 * `vast-api-keys recover`: after an interrupted `pulumi up`, finds the keys that creates the
 * engine never saw finish left on Vast (provider/recover.ts decides), lists them, deletes them
 * with `--delete`, and prints the commands to run next (docs/interrupted-updates.md).
 *
 * Exit codes: 0 nothing is left behind (none found, or all deleted); 1 error; 2 something needs a
 * look: keys left behind (listed, not deleted), ambiguous candidates, or a key that cannot be told.
 */
import { parseArgs } from "node:util";
import { AccountSession } from "../account";
import { VastClient } from "../client/client";
import { resolveCredentials } from "../credentials";
import { VastInputError } from "../errors";
import { listApiKeys } from "../keys";
import { silentLogger } from "../log";
import { formatRecovery, keysToDelete, nextCommands, planRecovery, type RecoveryPlan, unresolved, withDeletions } from "../recover";
import { readStateFile } from "./state-file";

/** The command's usage text. */
export const RECOVER_USAGE = `usage: vast-api-keys recover --state FILE [--delete] [--json] [--since TIME]

After an interrupted \`pulumi up\` (a killed runner), finds the keys on Vast that the update's
unfinished creates made: same name, created since the state's last checkpoint, named by no
resource of the state. Lists them; deletes them only with --delete. Never the key it
authenticates with, never a key the state names, never one of several candidates for one create.
  --state FILE   output of \`pulumi stack export\` (or a backend checkpoint file; "-" for stdin)
  --delete       delete the keys that were left behind
  --json         machine-readable output
  --since TIME   look at keys created since TIME (ISO-8601) instead of the last checkpoint (less 60 s)
Exit codes: 0 nothing left behind, 1 error, 2 keys left behind or in question remain.`;

interface RecoverArgs {
  state: string;
  delete: boolean;
  json: boolean;
  since: Date | undefined;
}

function parse(argv: string[]): RecoverArgs {
  const { values } = parseArgs({
    args: argv,
    options: { state: { type: "string" }, delete: { type: "boolean" }, json: { type: "boolean" }, since: { type: "string" } },
    strict: true,
    allowPositionals: false,
  });
  if (values.state === undefined) throw new VastInputError("--state", "give the file `pulumi stack export` wrote");
  let since: Date | undefined;
  if (values.since !== undefined) {
    since = new Date(values.since);
    if (!/^\d{4}-\d\d-\d\dT/.test(values.since) || Number.isNaN(since.getTime())) {
      throw new VastInputError("--since", "must be an ISO-8601 time, e.g. 2026-04-01T12:00:00Z");
    }
  }
  return { state: values.state, delete: values.delete ?? false, json: values.json ?? false, since };
}

/** Runs the command; resolves to the exit code. Usage errors are printed with the usage text. */
export async function recover(argv: string[]): Promise<number> {
  let args: RecoverArgs;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`vast-api-keys recover: ${err instanceof Error ? err.message : String(err)}\n\n${RECOVER_USAGE}\n`);
    return 1;
  }
  const state = readStateFile(args.state);
  const creds = resolveCredentials();
  const client = new VastClient({ baseUrl: creds.baseUrl, apiKey: creds.apiKey });
  // The session names the credential on stderr, and refuses to delete its own key.
  const session = new AccountSession({ client, listCacheMs: 0, logger: silentLogger, credentialSource: creds.sourceDetail });
  const { keyId: selfKeyId } = await session.identity();
  let plan: RecoveryPlan = planRecovery(state, args.state, await listApiKeys({ client }), { selfKeyId, since: args.since });
  if (args.delete) {
    const results = new Map<number, "deleted" | "already-gone">();
    for (const id of keysToDelete(plan)) results.set(id, await session.deleteKey(id));
    plan = withDeletions(plan, results);
  }
  const out = args.json
    ? `${JSON.stringify({ ...plan, deleteRequested: args.delete, next: nextCommands(plan, args.state) }, null, 2)}\n`
    : formatRecovery(plan, args.state);
  process.stdout.write(out);
  return unresolved(plan) ? 2 : 0;
}
