/**
 * The model-based test's two worlds: the {@link Model} (what the program declares and what the
 * test did behind the stack's back, which is what the invariants judge the real world by) and
 * the {@link Real} system (the emulator, a stack's account and another account, the engine over
 * one door, everything written to stderr).
 */
import type { EmulatorOptions } from "../../../emulator/options";
import type { AccountInfo, KeyRecord } from "../../../emulator/store";
import type { Door, Kind } from "../doors";
import type { EmulatorProcess } from "../emulator";
import { type Declared, Engine, type EngineResource } from "../engine";
import { captureStderr, type StderrCapture } from "../stderr";

type Props = Record<string, unknown>;

/** A key the test made out of band (the console, another tool). */
export interface OutOfBandFacts {
  /** Name as made (`null`: none, as the console makes them). */
  name: string | null;
  /** Permission document as made (`null`: none, which is full access). */
  permissions: Props | null;
  /** The value, which Vast showed this once. */
  value: string;
}

/** What the stack and Vast should hold, as far as the test knows it. */
export interface Model {
  /** The door every engine operation goes through. */
  readonly door: Door["name"];
  /** How the emulator lists `rights` in this run. */
  readonly rightsAs: EmulatorOptions["rightsAs"];
  /** What the program declares: resource name → declaration. */
  program: Map<string, Declared>;
  /** Keys the test made out of band, by id. */
  outOfBand: Map<number, OutOfBandFacts>;
  /** Out-of-band keys the stack took under management (adopted or imported): it may delete them from then on. */
  taken: Set<number>;
  /** Keys the test deleted out of band. */
  deletedOutOfBand: Set<number>;
  /** Keys the test re-scoped out of band (ever). */
  rescoped: Set<number>;
  /** Keys re-scoped out of band since the last refresh that read every resource. */
  rescopedSinceRefresh: Set<number>;
  /** Keys deleted out of band since the last refresh that read every resource. */
  deletedSinceRefresh: Set<number>;
  /**
   * Keys the stack lost track of through a known limitation, reported with issue 17 ("L1"): state
   * that records no account (written before accounts were recorded), refreshed with another
   * account's credential, takes its keys for deleted. They are live and may end up named by no state.
   */
  stranded: Set<number>;
  /** How many recorded resources record no account (learned after every command). */
  unbound: number;
  /** The latest retirement time ever published for a key consumers hold (`previous`, retiring keys), ms. */
  published: Map<number, number>;
  /** The provider's clock (`VAST_NOW`), ms. */
  now: number;
  /** How far the emulator's clock is moved ahead of the real time, ms. */
  clockOffsetMs: number;
  /** A counter for names of resources made by import. */
  imports: number;
}

/** The system under test. */
export interface Real {
  emu: EmulatorProcess;
  /** The stack's account. */
  account: AccountInfo;
  /** Another account: the ambient `VAST_API_KEY` of this machine, and the wrong credential of some operations. */
  other: AccountInfo;
  engine: Engine;
  /** Everything written to stderr during the run (not echoed). */
  stderr: StderrCapture;
  /** One line per step of the run, for the failure report. */
  log: string[];
  /** Sequence number of the latest public request seen by {@link snapshot}. */
  requestSeq: number;
  /** What the run exercised, counted (see {@link count}). */
  stats: Map<string, number>;
  /** Puts the environment and the emulator back as they were. */
  dispose(): Promise<void>;
}

/** The stack config of a healthy stack: its account's key and the emulator's URL. */
export function stackConfig(real: Pick<Real, "emu" | "account">): Record<string, string> {
  return { "vast:apiKey": real.account.apiKey, "vast:url": real.emu.url };
}

/** Counts one thing a run exercised (reported by the test, so a weakened model shows). */
export function count(real: Pick<Real, "stats">, what: string, n = 1): void {
  if (n) real.stats.set(what, (real.stats.get(what) ?? 0) + n);
}

/** Sets the provider's clock (`VAST_NOW`). */
export function setProviderClock(ms: number): void {
  process.env.VAST_NOW = new Date(ms).toISOString();
}

/**
 * A fresh world for one run: two new accounts, the emulator listing rights as `rightsAs`, the
 * provider's clock frozen at the real time, `VAST_API_KEY` set to the other account's key (a
 * machine with an ambient credential: a configuration the provider ignored would fall back to it)
 * and `VAST_URL` to the emulator (so a fallback never leaves the machine).
 */
export async function newWorld(
  emu: EmulatorProcess,
  door: Door,
  rightsAs: EmulatorOptions["rightsAs"],
): Promise<{ model: Model; real: Real }> {
  const saved = { key: process.env.VAST_API_KEY, url: process.env.VAST_URL, now: process.env.VAST_NOW };
  await emu.admin.clearFaults();
  await emu.admin.setOptions({ rightsAs, clockOffsetMs: 0 });
  // Each run reads the request log from its start.
  await emu.admin.clearRequests();
  const account = await emu.newAccount();
  const other = await emu.newAccount();
  process.env.VAST_API_KEY = other.apiKey;
  process.env.VAST_URL = emu.url;
  const now = Date.now();
  setProviderClock(now);
  const stderr = captureStderr({ echo: false });
  const engine = new Engine(door, stackConfig({ emu, account }));
  const model: Model = {
    door: door.name,
    rightsAs,
    program: new Map(),
    outOfBand: new Map(),
    taken: new Set(),
    deletedOutOfBand: new Set(),
    rescoped: new Set(),
    rescopedSinceRefresh: new Set(),
    deletedSinceRefresh: new Set(),
    stranded: new Set(),
    unbound: 0,
    published: new Map(),
    now,
    clockOffsetMs: 0,
    imports: 0,
  };
  const restore = (name: string, value: string | undefined) => {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  };
  const real: Real = {
    emu,
    account,
    other,
    engine,
    stderr,
    log: [],
    requestSeq: 0,
    stats: new Map(),
    async dispose() {
      stderr.restore();
      restore("VAST_API_KEY", saved.key);
      restore("VAST_URL", saved.url);
      restore("VAST_NOW", saved.now);
      await emu.admin.clearFaults();
      await emu.admin.setOptions({ rightsAs: "string", clockOffsetMs: 0 });
    },
  };
  return { model, real };
}

/** One Vast key a recorded resource names, and what it means to consumers. */
export interface NamedKey {
  /** The resource (Pulumi name). */
  resource: string;
  kind: Kind;
  /** The resource waits for its delete (replaced or removed). */
  pending: boolean;
  /** `key` of an ApiKey; `current`, `previous` or a retiring key of a RotatingApiKey. */
  role: "key" | "current" | "previous" | "retiring";
  keyId: number;
  /** The provider recorded it as deleted outside Pulumi (rotating keys only). */
  gone: boolean;
  /** When it is retired, as published to consumers (ms), for `previous` and retiring keys. */
  retiresAt?: number;
  /** The account recorded for the resource. */
  accountId?: number;
}

interface RotatingOutputs {
  current?: { keyId: number };
  previous?: { keyId: number };
  retiresPreviousAt?: string;
  tracking?: {
    current?: { gone?: boolean };
    previous?: { gone?: boolean };
    retiring?: Array<{ keyId: number; retiresAt: string; gone?: boolean }>;
  };
}

/** Every key the engine's records name. */
export function namedKeys(engine: Engine): NamedKey[] {
  const out: NamedKey[] = [];
  for (const r of engine.all()) out.push(...keysOf(r, engine.pendingDeletes.includes(r)));
  return out;
}

/** The keys one recorded resource names. */
export function keysOf(r: EngineResource, pending = false): NamedKey[] {
  const accountId = typeof r.outs.accountId === "number" ? r.outs.accountId : undefined;
  const base = { resource: r.name, kind: r.kind, pending, accountId };
  if (r.kind === "ApiKey") return [{ ...base, role: "key", keyId: Number(r.id), gone: false }];
  const o = r.outs as RotatingOutputs;
  const out: NamedKey[] = [];
  if (o.current) out.push({ ...base, role: "current", keyId: o.current.keyId, gone: o.tracking?.current?.gone === true });
  if (o.previous) {
    const at = o.retiresPreviousAt === undefined ? undefined : Date.parse(o.retiresPreviousAt);
    out.push({
      ...base,
      role: "previous",
      keyId: o.previous.keyId,
      gone: o.tracking?.previous?.gone === true,
      ...(at === undefined ? {} : { retiresAt: at }),
    });
  }
  for (const k of o.tracking?.retiring ?? []) {
    out.push({ ...base, role: "retiring", keyId: k.keyId, gone: k.gone === true, retiresAt: Date.parse(k.retiresAt) });
  }
  return out;
}

/** What the emulator holds for the run's two accounts, deleted keys included. */
export interface Snapshot {
  keys: KeyRecord[];
  /** Sequence number of the latest public request. */
  requestSeq: number;
}

/** Reads the emulator's view of both accounts. */
export async function snapshot(real: Real): Promise<Snapshot> {
  const [state, requests] = await Promise.all([real.emu.admin.state(), real.emu.admin.requests(real.requestSeq)]);
  real.requestSeq = requests.at(-1)?.seq ?? real.requestSeq;
  const users = new Set([real.account.userId, real.other.userId]);
  return { keys: state.keys.filter((k) => users.has(k.userId)), requestSeq: real.requestSeq };
}

/** Ids of the live keys of a snapshot. */
export function liveIds(s: Snapshot): Set<number> {
  return new Set(s.keys.filter((k) => k.deletedAt === null).map((k) => k.id));
}
