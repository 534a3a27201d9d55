/**
 * A small HTTP client for the emulator's admin surface, usable from another process (tests,
 * the demo, the benchmark): inspect state, edit or delete keys out of band, script faults.
 */
import { request } from "undici";
import type { FaultSpec } from "./faults";
import type { DeepPartialOptions, EmulatorOptions } from "./options";
import { ADMIN_HEADER, type RequestLogEntry } from "./server";
import type { AccountInfo, KeyRecord, StoreData } from "./store";

/** Admin operations against a running emulator. */
export class EmulatorAdmin {
  /**
   * @param url Emulator origin, e.g. `http://127.0.0.1:8787`.
   * @param token Admin token printed by the emulator.
   */
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  private async call<T>(method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
    const res = await request(`${this.url}/__emulator/${path}`, {
      method,
      headers: { [ADMIN_HEADER]: this.token, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 300) throw new Error(`emulator admin ${method} ${path} -> ${res.statusCode}: ${text}`);
    return JSON.parse(text) as T;
  }

  /** Everything, deleted keys included. */
  state(): Promise<StoreData> {
    return this.call("GET", "state");
  }
  /** Live keys of one user. */
  async liveKeys(userId: number): Promise<KeyRecord[]> {
    return (await this.state()).keys.filter((k) => k.userId === userId && k.deletedAt === null);
  }
  /** Creates a separate account (per-test isolation) with a full-access key. */
  createAccount(email?: string): Promise<AccountInfo> {
    return this.call("POST", "accounts", email ? { email } : {});
  }
  /** The seeded account. */
  seed(): Promise<AccountInfo> {
    return this.call("GET", "seed");
  }
  /** Deletes a key out of band. */
  deleteKey(id: number): Promise<unknown> {
    return this.call("DELETE", `keys/${id}`);
  }
  /** Edits a key out of band (drift). */
  editKey(
    id: number,
    patch: { name?: string | null; permissions?: Record<string, unknown> | null; createdAt?: number },
  ): Promise<KeyRecord> {
    return this.call("PATCH", `keys/${id}`, patch);
  }
  /** Adds faults. */
  addFaults(...faults: FaultSpec[]): Promise<unknown> {
    return this.call("POST", "faults", faults);
  }
  /** Pending faults. */
  faults(): Promise<Array<FaultSpec & { remaining: number }>> {
    return this.call("GET", "faults");
  }
  /** Removes all faults. */
  clearFaults(): Promise<unknown> {
    return this.call("DELETE", "faults");
  }
  /** Changes options (merged). */
  setOptions(patch: DeepPartialOptions): Promise<EmulatorOptions> {
    return this.call("PUT", "options", patch);
  }
  /** Request log entries after `since`. */
  requests(since = 0): Promise<RequestLogEntry[]> {
    return this.call("GET", `requests?since=${since}`);
  }
  /** Empties the request log (sequence numbers keep counting). */
  clearRequests(): Promise<unknown> {
    return this.call("DELETE", "requests");
  }
  /** Clears everything and re-seeds. */
  reset(): Promise<AccountInfo> {
    return this.call("POST", "reset");
  }
}
