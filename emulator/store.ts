/**
 * The emulator's account database: users and their API keys, held in memory and optionally
 * mirrored to a JSON file after every change (so a restarted emulator, or the demo, sees the
 * same account). Pure data operations; HTTP lives in `server.ts`.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** One stored key. `permissions: null` means full access (no document). */
export interface KeyRecord {
  /** Key id, monotonic from 1 across all users. */
  id: number;
  /** Owner. */
  userId: number;
  /** Name as given at creation (`null` when none). */
  name: string | null;
  /** The key value (64 hex characters). */
  key: string;
  /** Stored permission document; `null` = full access. */
  permissions: Record<string, unknown> | null;
  /** `key_params` exactly as sent. */
  keyParams: unknown;
  /** Float epoch seconds, as Vast reports `created_at`. */
  createdAt: number;
  /** Soft delete: set when deleted, float epoch seconds. */
  deletedAt: number | null;
}

/** One account. */
export interface UserRecord {
  /** User id. */
  id: number;
  /** Email shown by users/current. */
  email: string;
  /** Balance shown by users/current. */
  balance: number;
}

/** Everything the emulator remembers. */
export interface StoreData {
  /** Id of the next key. */
  nextKeyId: number;
  /** Id of the next user. */
  nextUserId: number;
  /** All users. */
  users: UserRecord[];
  /** All keys, soft-deleted ones included. */
  keys: KeyRecord[];
}

/** Credentials of a freshly created account. */
export interface AccountInfo {
  /** The new user's id. */
  userId: number;
  /** Id of its full-access key. */
  keyId: number;
  /** Value of its full-access key. */
  apiKey: string;
}

/** 64 random lowercase hex characters (the anecdotal real format, docs/vast-api.md §7). */
export function newKeyValue(): string {
  return randomBytes(32).toString("hex");
}

/** The account store. */
export class Store {
  private data: StoreData;
  private previousKeys: KeyRecord[] = [];
  private readonly file: string | undefined;
  private readonly clock: () => number;

  /**
   * Opens a store, loading `file` if it exists (and seeding one account otherwise).
   * @param clock Epoch milliseconds to stamp creations and deletions with (default: the real time).
   */
  constructor(file?: string, clock: () => number = Date.now) {
    this.file = file;
    this.clock = clock;
    this.data = this.load() ?? { nextKeyId: 1, nextUserId: 1, users: [], keys: [] };
  }

  /** True when the store has no account yet. */
  get isEmpty(): boolean {
    return this.data.users.length === 0;
  }

  /** A deep copy of everything, deleted keys included (admin surface). */
  dump(): StoreData {
    return structuredClone(this.data);
  }

  /** The live keys of a user as they were before the most recent change (for stale-list faults). */
  staleKeysOf(userId: number): KeyRecord[] {
    return this.previousKeys.filter((k) => k.userId === userId && k.deletedAt === null);
  }

  /** Forgets everything. */
  reset(): void {
    this.mutate(() => {
      this.data = { nextKeyId: 1, nextUserId: 1, users: [], keys: [] };
    });
  }

  /** Creates a user with one full-access key (no permission document, no name). */
  createAccount(email?: string): AccountInfo {
    return this.mutate(() => {
      const id = this.data.nextUserId++;
      this.data.users.push({ id, email: email ?? `user${id}@emulator.invalid`, balance: 10 });
      const key = this.insertKey(id, null, null, null);
      return { userId: id, keyId: key.id, apiKey: key.key };
    });
  }

  /** The user record, if any. */
  user(id: number): UserRecord | undefined {
    return this.data.users.find((u) => u.id === id);
  }

  /** The live key with this value, if any. */
  keyByValue(value: string): KeyRecord | undefined {
    return this.data.keys.find((k) => k.key === value && k.deletedAt === null);
  }

  /** A key by id, deleted or not. */
  keyById(id: number): KeyRecord | undefined {
    return this.data.keys.find((k) => k.id === id);
  }

  /** The live keys of a user, oldest first. */
  liveKeysOf(userId: number): KeyRecord[] {
    return this.data.keys.filter((k) => k.userId === userId && k.deletedAt === null);
  }

  /** Creates a key for a user. */
  createKey(userId: number, name: string | null, permissions: Record<string, unknown> | null, keyParams: unknown): KeyRecord {
    return this.mutate(() => this.insertKey(userId, name, permissions, keyParams));
  }

  /** Soft-deletes a key; returns false if it was not live. */
  deleteKey(id: number): boolean {
    const key = this.keyById(id);
    if (!key || key.deletedAt !== null) return false;
    this.mutate(() => {
      key.deletedAt = this.clock() / 1000;
    });
    return true;
  }

  /** Gives a key a new value; the old value stops working at once. */
  resetKey(id: number): string {
    const key = this.keyById(id);
    if (!key) throw new Error(`no key ${id}`);
    return this.mutate(() => {
      key.key = newKeyValue();
      return key.key;
    });
  }

  /** Edits a key out of band (admin: drift tests). */
  editKey(
    id: number,
    patch: { name?: string | null; permissions?: Record<string, unknown> | null; createdAt?: number },
  ): KeyRecord | undefined {
    const key = this.keyById(id);
    if (!key) return undefined;
    this.mutate(() => {
      if (patch.name !== undefined) key.name = patch.name;
      if (patch.permissions !== undefined) key.permissions = patch.permissions;
      if (patch.createdAt !== undefined) key.createdAt = patch.createdAt;
    });
    return key;
  }

  private insertKey(userId: number, name: string | null, permissions: Record<string, unknown> | null, keyParams: unknown): KeyRecord {
    const record: KeyRecord = {
      id: this.data.nextKeyId++,
      userId,
      name,
      key: newKeyValue(),
      permissions,
      keyParams,
      createdAt: this.clock() / 1000,
      deletedAt: null,
    };
    this.data.keys.push(record);
    return record;
  }

  private mutate<T>(fn: () => T): T {
    this.previousKeys = structuredClone(this.data.keys);
    const result = fn();
    this.save();
    return result;
  }

  private load(): StoreData | undefined {
    if (!this.file || !fs.existsSync(this.file)) return undefined;
    return JSON.parse(fs.readFileSync(this.file, "utf8")) as StoreData;
  }

  private save(): void {
    if (!this.file) return;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
