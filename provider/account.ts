/**
 * `AccountSession`: everything the provider does against one Vast account (one credential) in
 * one provider process, on top of {@link VastClient}:
 *
 * - who we are: the account and key id of the credential (`GET /users/current/`), established
 *   once (transient failures retried by the client, failures never cached) and announced in one
 *   line naming where the credential came from;
 * - single-flight key listing with a short-lived cache, so a `refresh` of N keys costs one list
 *   call, invalidated by our own creates and deletes;
 * - a confirming fresh list before declaring a key gone (a list may be stale once);
 * - create with reconciliation (docs/design.md, "Lost creates"): every attempt is preceded by a
 *   list requested after the session's previous create attempt ended (shared with reads that
 *   asked for one since), so after an attempt whose outcome is unknown the keys that *appeared*
 *   since are known exactly. The one new key with the requested name whose value we never
 *   received is the lost request's: it is deleted and the create repeated. Several such keys are
 *   never guessed between: none is deleted and the error lists them;
 * - refusal to delete the key the provider itself authenticates with, or any key when that
 *   cannot be established;
 * - refusal to touch a key recorded under another account than the credential's.
 */
import type { CreatedKey, CreateKeyRequest, VastClient } from "./client/client";
import type { RemoteKey } from "./client/wire";
import {
  ErrorCodes,
  isVastError,
  VastAccountMismatchError,
  VastAuthError,
  VastBadResponseError,
  VastOutcomeUnknownError,
  VastReconcileError,
  VastRefusedError,
} from "./errors";
import { type Logger, notice } from "./log";

/** The client calls a session needs (a {@link VastClient}, or a small fake in unit tests). */
export type KeyApi = Pick<VastClient, "baseUrl" | "listKeys" | "createKey" | "deleteKey" | "currentUser">;

/** Options of an {@link AccountSession}. */
export interface AccountSessionOptions {
  /** The client for this account. */
  client: KeyApi;
  /** How long one list answer may serve later reads, in ms. */
  listCacheMs: number;
  /** Debug logger. */
  logger: Logger;
  /**
   * Receives the few lines a user should see without debug logging (which credential is in use,
   * what happens after a lost create). Default: stderr, which the Pulumi engine shows.
   */
  notify?: (line: string) => void;
  /** Where the credential came from (e.g. `env VAST_API_KEY`), for messages. Never the value. */
  credentialSource?: string;
  /** Create attempts when outcomes stay unknown. Default 3. */
  maxCreateAttempts?: number;
  /** How long a lost create may still be committed after we gave up on it, in ms. Default 0. */
  settleMs?: number;
  /** Interval between key lists while waiting for a lost create to show, in ms. Default 1000. */
  pollIntervalMs?: number;
  /** Sleep, for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock, for tests. */
  now?: () => number;
}

/** Who the session's credential is. */
export interface Identity {
  /** The Vast account (user) id. */
  userId: number;
  /** The id of the key the session authenticates with. */
  keyId: number;
}

interface ListSnapshot {
  startedAt: number;
  promise: Promise<RemoteKey[]>;
  settledAt?: number;
}

/** Provider-side state and policies for one account. */
export class AccountSession {
  /** The underlying client. */
  readonly client: KeyApi;
  /** Where the credential came from, for messages. */
  readonly credentialSource: string;
  private readonly logger: Logger;
  private readonly notify: (line: string) => void;
  private readonly listCacheMs: number;
  private readonly maxCreateAttempts: number;
  private readonly settleMs: number;
  private readonly pollIntervalMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private snapshot: ListSnapshot | undefined;
  private identityPromise: Promise<Identity> | undefined;
  private announced = false;
  private createQueue: Promise<unknown> = Promise.resolve();
  private readonly receivedIds = new Set<number>();

  constructor(options: AccountSessionOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.notify = options.notify ?? notice;
    this.credentialSource = options.credentialSource ?? "the configured credential";
    this.listCacheMs = options.listCacheMs;
    this.maxCreateAttempts = options.maxCreateAttempts ?? 3;
    this.settleMs = options.settleMs ?? 0;
    this.pollIntervalMs = Math.max(10, options.pollIntervalMs ?? 1000);
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
  }

  /**
   * The account and key id of this session's credential. Transient failures are retried by the
   * client's policy; a failure is never remembered, so the next call asks again.
   * @throws VastRefusedError `VAST_IDENTITY_UNVERIFIED` when Vast does not say which account or key it is.
   */
  identity(): Promise<Identity> {
    if (this.identityPromise) return this.identityPromise;
    const p = this.client.currentUser().then((u) => {
      if (u.userId === undefined || u.keyId === undefined) {
        throw new VastRefusedError(
          ErrorCodes.identityUnverified,
          `Vast's GET /api/v0/users/current/ did not report the ${u.userId === undefined ? "account id" : "key id"} of the API key from ${this.credentialSource}; without it the provider cannot tell which account and key it works with`,
        );
      }
      const who = { userId: u.userId, keyId: u.keyId };
      if (!this.announced) {
        this.announced = true;
        this.notify(
          `vast: using the API key from ${this.credentialSource} (key ${who.keyId}, account ${who.userId}) at ${this.client.baseUrl}`,
        );
      }
      return who;
    });
    this.identityPromise = p;
    p.catch(() => {
      if (this.identityPromise === p) this.identityPromise = undefined;
    });
    return p;
  }

  /**
   * Checks that a key recorded under account `expected` may be handled with this credential and
   * returns the credential's account id. `expected` undefined (state from before accounts were
   * recorded, or a lookup by id) passes.
   * @throws VastAccountMismatchError `VAST_WRONG_ACCOUNT` naming both account ids.
   */
  async assertAccount(expected: number | undefined, keyId: number, action: string): Promise<number> {
    const me = await this.identity();
    this.checkAccount(me, expected, keyId, action);
    return me.userId;
  }

  private checkAccount(me: Identity, expected: number | undefined, keyId: number, action: string): void {
    if (expected === undefined || expected === me.userId) return;
    throw new VastAccountMismatchError(
      `refusing to ${action} key ${keyId}: it belongs to Vast account ${expected} (recorded in state), but the API key from ${this.credentialSource} belongs to account ${me.userId}. ` +
        `Use a key of account ${expected} (vast:apiKey / VAST_API_KEY); nothing was changed.`,
      expected,
      me.userId,
    );
  }

  /**
   * Lists keys. Concurrent callers share one request; a settled answer serves callers for
   * `listCacheMs`. With `startedAfter`, only an answer requested after that instant is used.
   */
  async listKeys(options: { startedAfter?: number } = {}): Promise<RemoteKey[]> {
    const s = this.snapshot;
    const fresh =
      s !== undefined &&
      (options.startedAfter === undefined || s.startedAt > options.startedAfter) &&
      (s.settledAt === undefined || this.now() - s.settledAt <= this.listCacheMs);
    if (fresh) return s.promise;
    const startedAt = this.now();
    // Strictly increasing start times, so "started after" comparisons are never ambiguous.
    const snap: ListSnapshot = { startedAt: Math.max(startedAt, (s?.startedAt ?? 0) + 1e-3), promise: Promise.resolve([]) };
    snap.promise = this.client.listKeys().then(
      (keys) => {
        snap.settledAt = this.now();
        return keys;
      },
      (err: unknown) => {
        if (this.snapshot === snap) this.snapshot = undefined;
        throw err;
      },
    );
    this.snapshot = snap;
    return snap.promise;
  }

  /** A list requested from now on (never a cached or in-flight older answer). */
  private freshList(): Promise<RemoteKey[]> {
    return this.listKeys({ startedAfter: this.snapshot?.startedAt ?? this.now() });
  }

  /** Forgets any cached list (after our own creates and deletes). */
  invalidate(): void {
    this.snapshot = undefined;
  }

  /**
   * Finds a live key by id. A miss is confirmed with a list requested after the first one,
   * because one stale answer must not make Pulumi forget a key that exists.
   */
  async findKey(id: number): Promise<RemoteKey | undefined> {
    const before = this.now();
    const first = await this.listKeys();
    const hit = first.find((k) => k.id === id);
    if (hit) return hit;
    const firstStartedAt = Math.min(before, this.snapshot?.startedAt ?? before);
    this.logger.debug(`key ${id} not in the key list; confirming with a fresh list`);
    const second = await this.listKeys({ startedAfter: firstStartedAt });
    return second.find((k) => k.id === id);
  }

  /**
   * Creates a key; reconciles instead of blindly retrying when the outcome is unknown. Creates
   * of one session run one at a time (Vast paces them anyway), each after a list of what exists
   * requested after the previous attempt ended, so that the keys a lost attempt may have made are
   * exactly the ones that appear.
   */
  createKey(req: CreateKeyRequest): Promise<CreatedKey> {
    const run = this.createQueue.then(() => this.createSerially(req));
    this.createQueue = run.catch(() => undefined);
    return run;
  }

  private async createSerially(req: CreateKeyRequest): Promise<CreatedKey> {
    // Pre-attempt lists of attempts whose key never showed within the settle window.
    const unresolved: Array<Set<number>> = [];
    for (let attempt = 1; attempt <= this.maxCreateAttempts; attempt++) {
      // Every create attempt and delete ends with invalidate(), so any list the session holds was
      // requested after the previous attempt: exact for this one, and shared with the reads that
      // asked since (no extra call, no extra wait for the list's own rate limit). After a lost
      // attempt, a list newer than the reconciliation's own is taken, as before.
      const before = new Set((await (attempt === 1 ? this.listKeys() : this.freshList())).map((k) => k.id));
      let created: CreatedKey;
      try {
        created = await this.client.createKey(req);
      } catch (err) {
        this.invalidate();
        if (err instanceof VastBadResponseError && err.keyId !== undefined) {
          await this.discardValueless(err.keyId, req.name, err);
        }
        if (!(err instanceof VastOutcomeUnknownError)) throw err;
        this.notify(`vast: the create of key "${req.name}" lost its response (${err.code}); checking whether Vast created it…`);
        const lost = await this.awaitLostKey(req.name, before, err);
        if (lost) {
          this.notify(`vast: it did (key ${lost.id}, whose value never arrived); deleting that key and creating "${req.name}" again`);
          await this.deleteLost(lost, req.name, err);
        } else {
          this.notify(`vast: no new key "${req.name}" appeared within ${Math.round(this.settleMs / 1000)} s; creating it again`);
          unresolved.push(before);
        }
        continue;
      }
      this.receivedIds.add(created.id);
      this.invalidate();
      const first = unresolved[0];
      if (first) await this.sweepLate(req.name, first, unresolved.length);
      return created;
    }
    throw new VastReconcileError(
      ErrorCodes.reconcileFailed,
      `creating key "${req.name}" failed ${this.maxCreateAttempts} times with an unknown outcome; every key that appeared for it was deleted, none is left behind. Try again later.`,
    );
  }

  /** New keys named `name` that we never received: the keys a lost create may have made. */
  private newKeysNamed(keys: RemoteKey[], name: string, before: Set<number>): RemoteKey[] {
    return keys.filter((k) => !before.has(k.id) && k.name === name && !this.receivedIds.has(k.id));
  }

  /**
   * Lists at once and then every `pollIntervalMs` until the settle window ends, and returns the
   * key the lost create made as soon as it shows; `undefined` if none showed.
   * @throws VastReconcileError `VAST_RECONCILE_AMBIGUOUS` when several keys could be it.
   */
  private async awaitLostKey(name: string, before: Set<number>, cause: VastOutcomeUnknownError): Promise<RemoteKey | undefined> {
    const deadline = this.now() + this.settleMs;
    for (;;) {
      let keys: RemoteKey[];
      try {
        keys = await this.freshList();
      } catch (err) {
        throw this.cleanupFailed(name, cause, err);
      }
      const candidates = this.newKeysNamed(keys, name, before);
      if (candidates.length > 1) throw ambiguous(name, candidates, "the create lost its response");
      if (candidates[0]) return candidates[0];
      const left = deadline - this.now();
      if (left <= 0) return undefined;
      this.logger.debug(`no new key "${name}" yet; listing again in ${Math.min(this.pollIntervalMs, left)} ms`);
      await this.sleep(Math.min(this.pollIntervalMs, left));
    }
  }

  private async deleteLost(lost: RemoteKey, name: string, cause: VastOutcomeUnknownError): Promise<void> {
    try {
      await this.deleteKey(lost.id);
    } catch (err) {
      throw this.cleanupFailed(name, cause, err, lost.id);
    }
  }

  /**
   * After a success that followed lost attempts whose keys never showed: one last look for a key
   * such an attempt committed late. The create already succeeded, so problems only warn.
   */
  private async sweepLate(name: string, before: Set<number>, lostAttempts: number): Promise<void> {
    try {
      const late = this.newKeysNamed(await this.freshList(), name, before);
      if (late.length === 1 && lostAttempts === 1 && late[0]) {
        this.notify(`vast: a lost create of "${name}" committed late (key ${late[0].id}); deleting it`);
        await this.deleteKey(late[0].id);
      } else if (late.length > 0) {
        this.notify(
          `vast: warning: keys ${late.map((k) => k.id).join(", ")} named "${name}" appeared during the create and could be left over from it; none was deleted. Check with \`vast-api-keys audit\`.`,
        );
      }
    } catch (err) {
      this.notify(
        `vast: warning: could not verify that no duplicate of key "${name}" was left behind (${describe(err)}); check with \`vast-api-keys audit\``,
      );
    }
  }

  /**
   * Deletes a key, refusing the key the provider authenticates with, any key while that key
   * cannot be established (a transient failure must not disable the guard), and a key recorded
   * under another account (`expectedAccount`).
   */
  async deleteKey(id: number, expectedAccount?: number): Promise<"deleted" | "already-gone"> {
    let me: Identity;
    try {
      me = await this.identity();
    } catch (err) {
      if (err instanceof VastAuthError) throw err;
      throw new VastRefusedError(
        ErrorCodes.identityUnverified,
        `refusing to delete key ${id}: could not establish which key this provider authenticates with (${describe(err)}), so key ${id} might be that very key. Nothing was deleted; try again.`,
        { cause: err },
      );
    }
    this.checkAccount(me, expectedAccount, id, "delete");
    if (me.keyId === id) {
      throw new VastRefusedError(
        ErrorCodes.refusedSelfDelete,
        `refusing to delete key ${id}: it is the key this provider authenticates with (from ${this.credentialSource}). Point vast:apiKey / VAST_API_KEY at another key with user_write, then retry.`,
      );
    }
    const result = await this.client.deleteKey(id);
    this.invalidate();
    this.logger.debug(`delete key ${id}: ${result}`);
    return result;
  }

  private cleanupFailed(name: string, cause: unknown, err: unknown, keyId?: number): VastReconcileError {
    if (err instanceof VastReconcileError) return err;
    const which = keyId === undefined ? `a key named "${name}" created in the last minutes` : `key ${keyId} ("${name}")`;
    return new VastReconcileError(
      ErrorCodes.reconcileFailed,
      `creating key "${name}" had an unknown outcome (${describe(cause)}) and the cleanup failed (${describe(err)}). ` +
        `${which} may exist without Pulumi knowing it; find it with \`vast-api-keys audit\` and delete it.`,
      { cause: err },
    );
  }

  private async discardValueless(id: number, name: string, cause: VastBadResponseError): Promise<never> {
    try {
      await this.deleteKey(id);
    } catch (err) {
      throw new VastReconcileError(
        ErrorCodes.reconcileFailed,
        `${cause.message}; deleting that useless key ${id} ("${name}") also failed (${describe(err)}): delete it by hand`,
        { cause: err },
      );
    }
    throw cause;
  }
}

function ambiguous(name: string, found: RemoteKey[], what: string): VastReconcileError {
  const candidates = [...found].sort((a, b) => a.id - b.id);
  const list = candidates.map((k) => `${k.id}${k.createdAt ? ` (created ${k.createdAt})` : ""}`).join(", ");
  return new VastReconcileError(
    ErrorCodes.reconcileAmbiguous,
    `${what} and ${candidates.length} new keys named "${name}" appeared meanwhile (ids ${list}); any of them could be someone else's, so none was deleted. ` +
      "Find out which ones are yours (the console, `vast-api-keys audit`), delete the one this create made, and run `pulumi up` again.",
    { candidates: candidates.map((k) => k.id) },
  );
}

function describe(err: unknown): string {
  return isVastError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}
