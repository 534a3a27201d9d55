/**
 * What an e2e test checks on the emulator after the engine ran: the keys a stack made in its
 * test account, and the order in which a replacement talked to the API.
 */
import type { AccountInfo, KeyRecord } from "../../emulator/store";
import type { EmulatorProcess } from "./emulator";

/** Live keys of `account`, without the account's own management key. */
export async function managedKeys(emu: EmulatorProcess, account: AccountInfo): Promise<KeyRecord[]> {
  return (await emu.admin.liveKeys(account.userId)).filter((k) => k.id !== account.keyId);
}

/** Every key value the account ever had, its management key first (for secret scans). */
export async function everyKeyValue(emu: EmulatorProcess, account: AccountInfo): Promise<string[]> {
  const keys = (await emu.admin.state()).keys.filter((k) => k.userId === account.userId && k.id !== account.keyId);
  return [account.apiKey, ...keys.map((k) => k.key)];
}

/** The sequence number of the emulator's latest request, to read the log from there on. */
export async function lastRequestSeq(emu: EmulatorProcess): Promise<number> {
  return (await emu.admin.requests()).at(-1)?.seq ?? 0;
}

/**
 * From the emulator's request log after `since`: the successful key creation and the deletion
 * of key `oldId`, in the order they happened (`["create", "delete"]` is new-key-first).
 */
export async function replacementOrder(emu: EmulatorProcess, since: number, oldId: number): Promise<string[]> {
  return (await emu.admin.requests(since)).flatMap((e) => {
    if (e.route === "POST /api/v0/auth/apikeys/" && e.outcome === 200) return ["create"];
    if (e.route === "DELETE /api/v0/auth/apikeys/{id}/" && e.path.endsWith(`/${oldId}/`)) return ["delete"];
    return [];
  });
}
