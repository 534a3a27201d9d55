/**
 * Whether the Pulumi engine that started this provider process is still there, so that no key is
 * created or deleted once nobody can record it (issue 18; docs/interrupted-updates.md).
 *
 * The engine starts every provider plugin in a process group of its own (`RegisterProcessGroup`
 * in Pulumi's `sdk/go/common/util/cmdutil`), so a runner that dies with its process group
 * (SIGKILL, out of memory, a cancelled CI job) leaves the provider running: it used to go on
 * sending the creates it had queued, making keys whose values only the dying process saw. Both
 * doors therefore watch their engine:
 *
 * - the **parent process**: a provider whose parent exits is reparented (its `ppid` changes). The
 *   plugin's node is a direct child of `pulumi` (its launcher `exec`s node);
 * - the **engine's gRPC address**, which both hosts receive as their last argument: a connection
 *   to it is held open, and when it closes a new one is tried; a refused connection means the
 *   engine is gone. This is what catches a dynamic provider, whose node is a child of the
 *   `pulumi-resource-pulumi-nodejs` shell script: that shell outlives the engine, so node's own
 *   parent never changes. An address that never accepted a connection proves nothing and is
 *   not watched (tests start the plugin with a dummy address).
 *
 * {@link VastClient} asks {@link EngineLiveness.beforeSend} right before every request goes out,
 * after its pacing wait, so calls queued in the pacer or in a session's create queue are
 * abandoned. When the engine is found gone the process exits at once (nothing is left that
 * anybody could receive); timers here are unref'd and never keep a process alive.
 */
import * as http2 from "node:http2";
import { ErrorCodes, VastRefusedError } from "./errors";

/** Options of an {@link EngineLiveness}. */
export interface EngineLivenessOptions {
  /** The parent's pid when watching began; another `ppid` later means the parent exited. Unset: not watched. */
  parentPid?: number | undefined;
  /** Reads the current parent pid. Default: `process.ppid` (a live value). */
  currentParentPid?: () => number;
  /** Called once, when the engine is found gone. Default: exit the process with status 1. */
  onGone?: (reason: string) => void;
}

/** What the provider knows about its engine; sends ask it before going out. */
export class EngineLiveness {
  private readonly parentPid: number | undefined;
  private readonly currentParentPid: () => number;
  private readonly onGone: (reason: string) => void;
  private gone: string | undefined;
  private probe: Promise<void> | undefined;

  constructor(options: EngineLivenessOptions = {}) {
    this.parentPid = options.parentPid;
    this.currentParentPid = options.currentParentPid ?? (() => process.ppid);
    this.onGone = options.onGone ?? (() => process.exit(1));
  }

  /** Why the engine is considered gone, or `undefined` while it is there (or nothing is watched). */
  goneReason(): string | undefined {
    if (this.gone === undefined && this.parentPid !== undefined && this.currentParentPid() !== this.parentPid) {
      this.declareGone(`its parent process ${this.parentPid} exited`);
    }
    return this.gone;
  }

  /**
   * Synchronous check, for the instant before a request is sent.
   * @throws VastRefusedError `VAST_ENGINE_GONE` once the engine is gone.
   */
  assertAlive(what: string): void {
    const reason = this.goneReason();
    if (reason === undefined) return;
    throw new VastRefusedError(
      ErrorCodes.engineGone,
      `not sending ${what}: the Pulumi engine that started this provider is gone (${reason}), so nobody could record the result; the call is abandoned and this process exits`,
    );
  }

  /**
   * Waits while the engine's connection is being checked (it closed and a new one is being
   * tried), then checks synchronously. No other task runs between this check and the caller's
   * next synchronous step, which is where the request is sent.
   * @throws VastRefusedError `VAST_ENGINE_GONE` once the engine is gone.
   */
  async beforeSend(what: string): Promise<void> {
    while (this.probe) await this.probe;
    this.assertAlive(what);
  }

  /** Sends wait for `check` to settle: the engine's connection closed and is being tried again. */
  checking(check: Promise<unknown>): void {
    const p = check.then(
      () => undefined,
      () => undefined,
    );
    this.probe = p;
    void p.then(() => {
      if (this.probe === p) this.probe = undefined;
    });
  }

  /** Records that the engine is gone and calls `onGone` (once). */
  declareGone(reason: string): void {
    if (this.gone !== undefined) return;
    this.gone = reason;
    this.onGone(reason);
  }
}

/** An open connection to the engine. */
export interface EngineConnection {
  /** Calls `listener` once, synchronously from the event, when the connection closes for whatever reason. */
  onClose(listener: () => void): void;
}

/** Opens a connection to `address` (`host:port`); rejects when it cannot be opened. */
export type EngineConnector = (address: string) => Promise<EngineConnection>;

/**
 * An HTTP/2 session to the engine's gRPC server: a well-formed client that the server keeps open
 * while idle (a bare TCP connection would be dropped for never sending the HTTP/2 preface).
 * Unref'd: it never keeps the process alive.
 */
export const http2Connector: EngineConnector = (address) =>
  new Promise((resolve, reject) => {
    const session = http2.connect(`http://${address}`);
    let opened = false;
    // After a failed connect 'close' follows 'error'; after a successful one, errors end in 'close'.
    session.on("error", (err) => {
      if (!opened) reject(err);
    });
    session.once("connect", () => {
      opened = true;
      session.unref();
      resolve({
        onClose: (listener) => {
          if (session.closed || session.destroyed) listener();
          else session.once("close", listener);
        },
      });
    });
  });

/** Options of {@link watchEngineAddress}. */
export interface WatchAddressOptions {
  /** How to connect. Default {@link http2Connector}. */
  connect?: EngineConnector;
  /** Pause before the second try of a failed reconnect, in ms. Default 100. */
  retryMs?: number;
  /** Sleep, for tests. Default: an unref'd timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

const unrefSleep = (ms: number) =>
  new Promise<void>((resolve) => {
    setTimeout(resolve, ms).unref();
  });

/**
 * Holds a connection to the engine at `address`. When it closes, sends wait (from that very
 * event on) while it connects again, twice `retryMs` apart; when neither attempt connects, the
 * engine is gone. Resolves when watching ends: at once when the address never accepted a
 * connection, once the engine is gone, or when connections keep closing as soon as they open.
 */
export async function watchEngineAddress(liveness: EngineLiveness, address: string, options: WatchAddressOptions = {}): Promise<void> {
  const connect = options.connect ?? http2Connector;
  const sleep = options.sleep ?? unrefSleep;
  const reconnect = async () => {
    try {
      return await connect(address);
    } catch {
      await sleep(options.retryMs ?? 100);
      return await connect(address);
    }
  };
  let conn: EngineConnection;
  try {
    conn = await connect(address);
  } catch {
    return;
  }
  const now = options.now ?? Date.now;
  // Connections that the other side keeps closing at once are not a gRPC engine's: stop watching
  // rather than reconnect in a tight loop.
  let shortLived = 0;
  for (;;) {
    const current = conn;
    const openedAt = now();
    try {
      conn = await new Promise<EngineConnection>((resolve, reject) => {
        current.onClose(() => {
          shortLived = now() - openedAt < SHORT_LIVED_MS ? shortLived + 1 : 0;
          if (shortLived >= MAX_SHORT_LIVED) return reject(new Error("not an engine"));
          // Gone is recorded before the check settles, so no waiting send slips through.
          const attempt = reconnect().catch((err: unknown) => {
            liveness.declareGone(`its engine at ${address} stopped accepting connections (${errorCode(err)})`);
            throw err;
          });
          liveness.checking(attempt);
          attempt.then(resolve, reject);
        });
      });
    } catch {
      return;
    }
  }
}

/** A connection closed within this many ms of opening counts as short-lived. */
const SHORT_LIVED_MS = 1000;
/** After this many short-lived connections in a row, the address is no longer watched. */
const MAX_SHORT_LIVED = 3;

function errorCode(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === "string" ? code : "connection failed";
}

/**
 * The engine's address among a plugin's arguments: the engine passes it last, after flags such
 * as `--logtostderr`, `-v=9` or `--tracing <endpoint>`.
 */
export function engineAddressOf(args: readonly string[]): string | undefined {
  const last = args.at(-1);
  return last !== undefined && !last.startsWith("-") && /:\d+$/.test(last) ? last : undefined;
}

let processLiveness = new EngineLiveness();
let watching = false;

/** The process-wide liveness every {@link VastClient} consults (inert until {@link watchEngine}). */
export function engineLiveness(): EngineLiveness {
  return processLiveness;
}

/** How often the parent pid is checked, so that an idle provider also exits soon after its engine. */
const PARENT_POLL_MS = 250;

/**
 * Starts watching the engine that started this process (once per process): the parent pid, and
 * the engine's gRPC address when given. Called by each door's entry point, never by tools.
 */
export function watchEngine(options: { address?: string | undefined }): EngineLiveness {
  if (watching) return processLiveness;
  watching = true;
  processLiveness = new EngineLiveness({ parentPid: process.ppid });
  const liveness = processLiveness;
  setInterval(() => liveness.goneReason(), PARENT_POLL_MS).unref();
  if (options.address !== undefined) void watchEngineAddress(liveness, options.address);
  return liveness;
}

/** The SDK's dynamic-provider host script, as the `pulumi-resource-pulumi-nodejs` launcher runs it. */
const DYNAMIC_PROVIDER_HOST = /[\\/]@pulumi[\\/]pulumi[\\/]cmd[\\/]dynamic-provider(?:[\\/]index\.js)?$/;

/** True when `script` (a process's `argv[1]`) is Pulumi's dynamic-provider host. */
export function isDynamicProviderHost(script: string | undefined): boolean {
  return script !== undefined && DYNAMIC_PROVIDER_HOST.test(script);
}

/**
 * Watches the engine when this process is Pulumi's dynamic-provider host (`node
 * …/@pulumi/pulumi/cmd/dynamic-provider/index.js [flags] <engine address>`); does nothing
 * anywhere else (programs, tests, tools, the plugin, which calls {@link watchEngine} itself).
 */
export function watchEngineIfDynamicProviderHost(argv: readonly string[] = process.argv): void {
  if (isDynamicProviderHost(argv[1])) watchEngine({ address: engineAddressOf(argv.slice(2)) });
}
