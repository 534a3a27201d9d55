/**
 * `listApiKeys`: the account's keys, for programs and tools (audits, dashboards). Never returns
 * key values: Vast shows a value only once, at creation.
 */
import { VastClient } from "./client/client";
import { resolveCredentials } from "./credentials";

/** One key of the account. */
export interface ApiKeyInfo {
  /** Vast's numeric key id. */
  id: number;
  /** The key's name (`null` when it has none). */
  name: string | null;
  /** The server's view of the key's permissions (parsed). */
  permissions: unknown;
  /** Creation time, ISO-8601, when Vast reports it. */
  createdAt: string | undefined;
}

/** Options of {@link listApiKeys}; credentials default to the provider's own resolution order. */
export interface ListApiKeysOptions {
  /** Management key; default `VAST_API_KEY` or the vastai key files. */
  apiKey?: string;
  /** API origin; default `VAST_URL` or https://console.vast.ai. */
  url?: string;
  /** A ready client (takes precedence over `apiKey`/`url`), e.g. an `AccountSession`'s. */
  client?: Pick<VastClient, "listKeys">;
}

/** Lists the account's live keys, oldest first. */
export async function listApiKeys(options: ListApiKeysOptions = {}): Promise<ApiKeyInfo[]> {
  const client =
    options.client ??
    (() => {
      const creds = resolveCredentials({ stackConfig: { apiKey: options.apiKey, url: options.url } });
      return new VastClient({ baseUrl: creds.baseUrl, apiKey: creds.apiKey });
    })();
  const keys = await client.listKeys();
  return keys.map((k) => ({ id: k.id, name: k.name, permissions: k.rights, createdAt: k.createdAt })).sort((a, b) => a.id - b.id);
}
