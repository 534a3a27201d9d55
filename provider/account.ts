/**
 * `AccountSession`: everything the provider does against one Vast account (one credential) in
 * one provider process, on top of {@link VastClient}:
 *
 * - single-flight key listing with a short-lived cache, so a `refresh` of N keys costs one list
 *   call, invalidated by our own creates and deletes;
 * - a confirming fresh list before declaring a key gone (a list may be stale once);
 * - create with reconciliation: after a create whose outcome is unknown, keys that appeared for
 *   it (newer than anything listed before, same name, value never received) are deleted before
 *   creating again, so the account ends with exactly one key and we hold its value;
 * - refusal to delete the key the provider itself authenticates with.
 */
import type { CreatedKey, CreateKeyRequest, VastClient } from "./client/client";
import type { RemoteKey } from "./client/wire";
import {
  ErrorCodes,
  isVastError,
  VastAuthError,
  VastBadResponseError,
  VastOutcomeUnknownError,
  VastReconcileError,
  VastRefusedError,
} from "./errors";
import type { Logger } from "./log";

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
  /** Create attempts when outcomes stay unknown. Default 3. */
  maxCreateAttempts?: number;
  /** How long a lost create may still be committed after we gave up on it, in ms. Default 0. */
  settleMs?: number;
  /** Sleep, for tests. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock, for tests. */
  now?: () => number;
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
  private readonly logger: Logger;
  private readonly listCacheMs: number;
  private readonly maxCreateAttempts: number;
  private readonly settleMs: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;
  private snapshot: ListSnapshot | undefined;
  private highWaterMark: Promise<number> | undefined;
  private selfKey: Promise<number | undefined> | undefined;
  private readonly receivedIds = new Set<number>();

  constructor(options: AccountSessionOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.listCacheMs = options.listCacheMs;
    this.maxCreateAttempts = options.maxCreateAttempts ?? 3;
    this.settleMs = options.settleMs ?? 0;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.now = options.now ?? Date.now;
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
   * Creates a key; reconciles instead of blindly retrying when the outcome is unknown: waits for
   * the lost request to settle, deletes the keys it may have made (newer than anything listed
   * before, same name, value never received), then creates again. After a success that needed
   * reconciling, one more settle-and-sweep catches a lost request committed late.
   */
  async createKey(req: CreateKeyRequest): Promise<CreatedKey> {
    const mark = await this.maxIdBeforeCreates();
    let reconciled = false;
    for (let attempt = 1; attempt <= this.maxCreateAttempts; attempt++) {
      let created: CreatedKey;
      try {
        created = await this.client.createKey(req);
      } catch (err) {
        this.invalidate();
        if (err instanceof VastBadResponseError && err.keyId !== undefined) {
          await this.discardValueless(err.keyId, req.name, err);
        }
        if (!(err instanceof VastOutcomeUnknownError)) throw err;
        reconciled = true;
        this.logger.debug(`create of "${req.name}" had an unknown outcome (attempt ${attempt}); reconciling after ${this.settleMs} ms`);
        await this.sleep(this.settleMs);
        await this.removeOrphans(req.name, mark, err);
        continue;
      }
      this.receivedIds.add(created.id);
      this.invalidate();
      if (reconciled) await this.sweepLate(req.name, mark);
      return created;
    }
    throw new VastReconcileError(
      ErrorCodes.reconcileFailed,
      `creating key "${req.name}" failed ${this.maxCreateAttempts} times with an unknown outcome; every key that appeared was deleted, none is left behind. Try again later.`,
    );
  }

  /** Last look for a late-committed duplicate; the create already succeeded, so failures only warn. */
  private async sweepLate(name: string, mark: number): Promise<void> {
    try {
      await this.sleep(this.settleMs);
      await this.deleteOrphans(name, mark, 1, "a lost create committed late");
    } catch (err) {
      process.stderr.write(
        `warning: could not verify that no duplicate of key "${name}" was left behind (${describe(err)}); check with \`vast-api-keys audit\`\n`,
      );
    }
  }

  /** Deletes a key, refusing the provider's own credential. */
  async deleteKey(id: number): Promise<"deleted" | "already-gone"> {
    const self = await this.selfKeyId();
    if (self === id) {
      throw new VastRefusedError(
        ErrorCodes.refusedSelfDelete,
        `refusing to delete key ${id}: it is the key this provider authenticates with. Point vast:apiKey / VAST_API_KEY at another key with user_write, then retry.`,
      );
    }
    const result = await this.client.deleteKey(id);
    this.invalidate();
    this.logger.debug(`delete key ${id}: ${result}`);
    return result;
  }

  /**
   * The id of the key this session authenticates with, from `GET /users/current/` when that
   * endpoint answers (it needs `user_read`). Any failure other than a rejected credential means
   * "unknown" rather than an error.
   */
  async selfKeyId(): Promise<number | undefined> {
    this.selfKey ??= this.client.currentUser().then(
      (u) => u.keyId,
      (err: unknown) => {
        if (err instanceof VastAuthError) {
          this.selfKey = undefined;
          throw err;
        }
        this.logger.debug(`users/current unavailable (${isVastError(err) ? err.code : "error"}); self-delete check skipped`);
        return undefined;
      },
    );
    return this.selfKey;
  }

  /** Largest key id listed before our first create: anything newer appeared after it. */
  private maxIdBeforeCreates(): Promise<number> {
    this.highWaterMark ??= this.listKeys().then(
      (keys) => keys.reduce((m, k) => Math.max(m, k.id), 0),
      (err: unknown) => {
        this.highWaterMark = undefined;
        throw err;
      },
    );
    return this.highWaterMark;
  }

  private async removeOrphans(name: string, mark: number, cause: unknown): Promise<void> {
    try {
      // Two list answers: a single stale one must not hide a key that the lost create made.
      await this.deleteOrphans(name, mark, 2, "created by a lost request, its value was never received");
    } catch (err) {
      throw new VastReconcileError(
        ErrorCodes.reconcileFailed,
        `creating key "${name}" had an unknown outcome (${describe(cause)}) and the cleanup failed (${describe(err)}). ` +
          `A key named "${name}" with an id above ${mark} may exist without Pulumi knowing it; find it with \`vast-api-keys audit\` and delete it.`,
        { cause: err },
      );
    }
  }

  /**
   * Deletes keys a lost create may have made: same name, id above `mark`, value never received.
   * Lists afresh up to `lists` times until one answer shows any.
   */
  private async deleteOrphans(name: string, mark: number, lists: number, why: string): Promise<void> {
    let orphans: RemoteKey[] = [];
    for (let i = 0; i < lists && orphans.length === 0; i++) {
      const keys = await this.listKeys({ startedAfter: this.now() });
      orphans = keys.filter((k) => k.id > mark && k.name === name && !this.receivedIds.has(k.id));
    }
    for (const o of orphans) {
      this.logger.debug(`deleting key ${o.id} ("${name}"): ${why}`);
      await this.deleteKey(o.id);
    }
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

function describe(err: unknown): string {
  return isVastError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
}
