/**
 * `vast-api-keys drift`: checks the stacks of the Pulumi project in the current directory for
 * drift of their Vast keys, read-only, and prints one report (table, `--json` or `--markdown`).
 * Exit codes: 0 no drift, 2 drift, 1 the check could not be made (never 0 then).
 *
 * Per stack: its state and `vast:*` config (`drift-stacks.ts`), its credential's identity and the
 * account's key list (one list per account), a refresh preview of its key resources; then the
 * pure report (`drift.ts`) and its rendering (`drift-format.ts`). Documented in docs/drift.md.
 */
import { parseArgs } from "node:util";
import { now } from "../clock";
import { resolveCredentials } from "../credentials";
import {
  type AccountObservation,
  buildDriftReport,
  type CredentialInfo,
  exitCodeOf,
  inOtherAccount,
  type StackObservation,
} from "../drift";
import { formatDriftJson, formatDriftMarkdown, formatDriftText } from "../drift-format";
import { PulumiProject } from "../drift-stacks";
import { ErrorCodes, isVastError, VastError } from "../errors";
import { listApiKeys } from "../keys";
import { notice } from "../log";
import { openSession } from "../session";
import { checkVastConfig, configError, pickVastConfig } from "../stack-config";

/** The subcommand's usage text. */
export const DRIFT_USAGE = `usage: vast-api-keys drift [--stack NAME ...] [--json | --markdown] [--no-fail-on-unmanaged]

Checks the stacks of the Pulumi project in the current directory for drift of their Vast API keys,
read-only (a refresh preview per stack, one key list per account; no state is written):
keys deleted, renamed or re-scoped on Vast, keys of another account than the credential, keys due
for rotation or retirement, and keys on the account that no checked stack manages.
  --stack NAME             check this stack (repeatable); default: every stack of the project
  --json                   print one JSON document (docs/drift.md describes its fields)
  --markdown               print Markdown, e.g. >> "$GITHUB_STEP_SUMMARY"
  --no-fail-on-unmanaged   report keys no checked stack manages without counting them as drift
Exit codes: 0 no drift, 2 drift found, 1 the check could not be made.
Needs the pulumi CLI on PATH, the stacks' backend and secrets passphrase (PULUMI_CONFIG_PASSPHRASE).
Credentials as the provider's: stack config vast:apiKey / vast:url, else VAST_API_KEY / VAST_URL,
else the vastai key files. Key values are never printed.`;

interface DriftArgs {
  stacks: string[];
  format: "text" | "json" | "markdown";
  failOnUnmanaged: boolean;
}

class UsageError extends Error {}

function parse(argv: string[]): DriftArgs | "help" {
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    // Not `instanceof Error`: node's own errors may come from another realm (e.g. under jest).
    const message = typeof err === "object" && err !== null ? (err as { message?: unknown }).message : undefined;
    throw new UsageError(typeof message === "string" ? message : String(err));
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (v.json && v.markdown) throw new UsageError("--json and --markdown exclude each other");
  const stacks = v.stack ?? [];
  const empty = stacks.find((s) => s.trim() === "");
  if (empty !== undefined) throw new UsageError("--stack needs a stack name");
  return { stacks, format: v.json ? "json" : v.markdown ? "markdown" : "text", failOnUnmanaged: v["fail-on-unmanaged"] };
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      stack: { type: "string", multiple: true },
      json: { type: "boolean", default: false },
      markdown: { type: "boolean", default: false },
      "fail-on-unmanaged": { type: "boolean", default: true },
      help: { type: "boolean", short: "h", default: false },
    },
    allowNegative: true,
    allowPositionals: false,
    strict: true,
  });
}

/** An account as the check sees it: the first credential's identity and key list, and every credential of it. */
interface AccountEntry {
  credential: CredentialInfo;
  observation: AccountObservation;
}

/** Prefixes a failure with the stack it concerns, keeping its code. */
function inStack(stack: string, err: unknown): unknown {
  if (!isVastError(err) || err.message.startsWith(`stack ${stack}:`)) return err;
  return new VastError(err.code, `stack ${stack}: ${err.message}`, { cause: err });
}

/** The credential of a stack's next `up` (its `vast:*` config, else the environment), its identity and account. */
async function accountOf(vastConfig: Record<string, unknown>, accounts: Map<string, AccountEntry>): Promise<CredentialInfo> {
  const failures = checkVastConfig(vastConfig);
  if (failures.length) throw configError(failures);
  const creds = resolveCredentials({ stackConfig: pickVastConfig(vastConfig) });
  const id = `${creds.baseUrl}\u0000${creds.apiKey}`;
  const known = accounts.get(id);
  if (known) return known.credential;
  const session = openSession(creds);
  const me = await session.identity();
  const credential: CredentialInfo = { accountId: me.userId, keyId: me.keyId, source: creds.sourceDetail, url: creds.baseUrl };
  const same = [...accounts.values()].find((a) => a.observation.url === creds.baseUrl && a.observation.accountId === me.userId);
  if (same) same.observation.credentialKeyIds.push(me.keyId);
  const keys = same ? same.observation.keys : await listApiKeys({ client: session.client });
  accounts.set(id, {
    credential,
    observation: same?.observation ?? { url: creds.baseUrl, accountId: me.userId, credentialKeyIds: [me.keyId], keys },
  });
  return credential;
}

async function checkStack(project: PulumiProject, stack: string, accounts: Map<string, AccountEntry>): Promise<StackObservation> {
  try {
    const reading = await project.readStack(stack);
    const credential = await accountOf(reading.vastConfig, accounts);
    // Keys recorded in another account are reported as such; reading them would only fail.
    const targets = reading.resources.filter((r) => !inOtherAccount(r.stored, credential.accountId)).map((r) => r.urn);
    const outcomes = targets.length ? await project.refreshPreview(stack, targets) : new Map();
    return {
      stack,
      credential,
      managed: reading.managed,
      resources: reading.resources.map((r) => ({ ...r, refresh: outcomes.get(r.urn) ?? { kind: "not-read" } })),
    };
  } catch (err) {
    throw inStack(stack, err);
  }
}

/**
 * Which stacks to check: the ones asked for (each must exist), else all of the project's. A name
 * may omit the organization or project that `pulumi stack ls` shows (`prod` for `acme/prod`).
 */
function chooseStacks(asked: string[], existing: string[]): string[] {
  const unknown = asked.filter((s) => !existing.some((e) => e === s || e.endsWith(`/${s}`)));
  if (unknown.length) {
    throw new VastError(
      ErrorCodes.checkFailed,
      `no stack named ${unknown.join(", ")} in this project's backend (stacks: ${existing.join(", ") || "none"})`,
    );
  }
  const chosen = asked.length ? [...new Set(asked)] : existing;
  if (chosen.length === 0)
    throw new VastError(ErrorCodes.checkFailed, "this project has no stacks in the current backend: nothing to check");
  return chosen;
}

/**
 * Runs the subcommand; returns the exit code. Usage errors print the usage and return 1; every
 * other failure is thrown (the caller prints it and exits 1).
 */
export async function drift(argv: string[], out: NodeJS.WritableStream = process.stdout, dir: string = process.cwd()): Promise<number> {
  let args: DriftArgs | "help";
  try {
    args = parse(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`vast-api-keys drift: ${err.message}\n\n${DRIFT_USAGE}\n`);
    return 1;
  }
  if (args === "help") {
    out.write(`${DRIFT_USAGE}\n`);
    return 0;
  }
  // Read first: an invalid VAST_NOW fails before anything runs.
  const at = now();
  const project = await PulumiProject.open(dir);
  const listed = await project.listStacks();
  const stacks = chooseStacks(args.stacks, listed.names);
  const accounts = new Map<string, AccountEntry>();
  const observations: StackObservation[] = [];
  try {
    for (const stack of stacks) observations.push(await checkStack(project, stack, accounts));
  } finally {
    await project.restoreSelection(listed.current).catch((err: unknown) => {
      notice(
        `vast-api-keys drift: warning: could not select stack ${listed.current ?? "(none)"} again: ${err instanceof Error ? err.message : String(err)}`,
      );
    });
  }
  const unique = [...new Set([...accounts.values()].map((a) => a.observation))];
  const report = buildDriftReport(observations, unique, { now: at, failOnUnmanaged: args.failOnUnmanaged });
  const render = { text: formatDriftText, json: formatDriftJson, markdown: formatDriftMarkdown }[args.format];
  out.write(render(report));
  return exitCodeOf(report);
}
