#!/usr/bin/env node
/**
 * `vast-api-keys`: command-line tools shipped with the package.
 *
 *   vast-api-keys audit --state FILE [--state FILE ...] [--older-than-days N] [--json] [--fail-on-drift]
 *   vast-api-keys drift [--stack NAME ...] [--json | --markdown] [--no-fail-on-unmanaged]   (./drift.ts)
 *   vast-api-keys recover --state FILE [--delete] [--json] [--since TIME]   (see cli/recover.ts)
 *
 * Credentials and URL are resolved like the provider's (VAST_API_KEY / VAST_URL / the vastai key
 * files). Exit codes: 0 ok, 1 error, 2 drift found and `--fail-on-drift` given.
 */
import { auditKeys, formatReport, managedKeysFromState } from "../audit";
import { VastClient } from "../client/client";
import { resolveCredentials } from "../credentials";
import { isVastError, VastAuthError, VastForbiddenError } from "../errors";
import { listApiKeys } from "../keys";
import { RECOVER_USAGE, recover } from "./recover";
import { readStateFile } from "./state-file";

const USAGE = `usage: vast-api-keys audit --state FILE [--state FILE ...] [--older-than-days N] [--json] [--fail-on-drift]
       vast-api-keys drift [--stack NAME ...] [--json | --markdown] [--no-fail-on-unmanaged]   (see vast-api-keys drift --help)

Compares the Vast account's API keys with the keys managed by Pulumi stacks.
  --state FILE        output of \`pulumi stack export\` or a backend checkpoint file ("-" for stdin); repeatable
  --older-than-days N also list keys older than N days
  --json              machine-readable output
  --fail-on-drift     exit 2 when a managed key is missing on Vast
Credentials: VAST_API_KEY (or the vastai key file); VAST_URL for another API origin.
Key values are never printed.

${RECOVER_USAGE}`;

interface AuditArgs {
  states: string[];
  olderThanDays: number | undefined;
  json: boolean;
  failOnDrift: boolean;
}

function parseArgs(argv: string[]): AuditArgs {
  const args: AuditArgs = { states: [], olderThanDays: undefined, json: false, failOnDrift: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === "--state") args.states.push(value());
    else if (a === "--older-than-days") {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new UsageError("--older-than-days must be a number >= 0");
      args.olderThanDays = n;
    } else if (a === "--json") args.json = true;
    else if (a === "--fail-on-drift") args.failOnDrift = true;
    else throw new UsageError(`unknown argument ${a}`);
  }
  if (args.states.length === 0) throw new UsageError("give at least one --state FILE");
  return args;
}

class UsageError extends Error {}

async function audit(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const managed = args.states.flatMap((f) => managedKeysFromState(readStateFile(f), f));
  const creds = resolveCredentials();
  const client = new VastClient({ baseUrl: creds.baseUrl, apiKey: creds.apiKey });
  const keys = await listApiKeys({ client });
  let selfKeyId: number | undefined;
  try {
    selfKeyId = (await client.currentUser()).keyId;
  } catch (err) {
    if (!(err instanceof VastForbiddenError) && !(err instanceof VastAuthError)) throw err;
  }
  const report = auditKeys(keys, managed, { olderThanDays: args.olderThanDays, selfKeyId });
  process.stdout.write(args.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
  return args.failOnDrift && report.missing.length > 0 ? 2 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  // Loaded on demand: it needs @pulumi/pulumi's Automation API, which `audit` does not.
  if (command === "drift") return (await import("./drift")).drift(rest);
  if (command === "recover") return recover(rest);
  if (command !== "audit") throw new UsageError(`unknown command ${command}`);
  return audit(rest);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) console.error(`vast-api-keys: ${err.message}\n\n${USAGE}`);
    else console.error(`vast-api-keys: ${isVastError(err) ? `${err.code}: ` : ""}${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
