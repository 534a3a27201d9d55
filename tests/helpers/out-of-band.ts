/** Keys made outside Pulumi: a raw POST with the account's key, as the Vast console or another tool makes them. */
import type { AccountInfo } from "../../emulator/store";
import { call, pause } from "./http";

/** A key made out of band: its id and its value (which Vast shows only this once). */
export interface OutOfBandKey {
  id: number;
  key: string;
}

/**
 * Creates a key in `account` with a raw `POST /api/v0/auth/apikeys/` (`body` as sent: `{}` is a
 * console key, full access and no name). Retries the emulator's 429s: it paces creates per caller,
 * as Vast does, and the provider may have just made one with the same key.
 */
export async function createOutOfBand(
  url: string,
  account: Pick<AccountInfo, "apiKey">,
  body: Record<string, unknown>,
): Promise<OutOfBandKey> {
  for (let attempt = 1; ; attempt++) {
    const res = await call(url, "POST", "/api/v0/auth/apikeys/", { key: account.apiKey, body });
    if (res.status === 200) return res.json as OutOfBandKey;
    if (res.status !== 429 || attempt >= 20) throw new Error(`out-of-band create failed: ${res.status} ${res.text}`);
    await pause(50);
  }
}
