/**
 * The one credentials resolver. Precedence, highest first (documented in docs/configuration.md):
 *
 * 1. stack config `vast:apiKey` / `vast:url` (received by the provider's `configure`);
 * 2. environment `VAST_API_KEY` / `VAST_URL`;
 * 3. the file `$XDG_CONFIG_HOME/vastai/vast_api_key` (default `~/.config/vastai/vast_api_key`),
 *    which is where the official `vastai set api-key` writes;
 * 4. the legacy file `~/.vast_api_key`.
 *
 * Whitespace policy: surrounding whitespace (a trailing newline in a key file, say) is trimmed;
 * a value that is empty after trimming counts as "not set", as in the official SDK.
 *
 * Credentials are resolved at call time and never captured into the serialized provider.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ErrorCodes, VastConfigError } from "./errors";

/** The production API origin, as in the official CLI. */
export const DEFAULT_VAST_URL = "https://console.vast.ai";

/** Where a resolved value came from (never the value itself). */
export type CredentialSource = "stack config vast:apiKey" | "env VAST_API_KEY" | "xdg file" | "legacy file";

/** Resolved connection settings. */
export interface ResolvedCredentials {
  /** The management API key. Treat as secret. */
  apiKey: string;
  /** Validated origin, scheme+host[:port], no trailing slash. */
  baseUrl: string;
  /** Which source supplied the key (for messages; never the key). */
  source: CredentialSource;
  /** The same in words, with the file path for file sources, e.g. `file /home/me/.config/vastai/vast_api_key`. */
  sourceDetail: string;
}

/** Inputs to {@link resolveCredentials}; every field defaults to the real process environment. */
export interface CredentialSources {
  /** Values from stack config (`vast:apiKey`, `vast:url`). */
  stackConfig?: { apiKey?: string | undefined; url?: string | undefined };
  /** Environment to read `VAST_API_KEY`, `VAST_URL`, `XDG_CONFIG_HOME` from. */
  env?: NodeJS.ProcessEnv;
  /** Home directory for the default XDG and legacy files. */
  homeDir?: string;
}

function clean(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v ? v : undefined;
}

function readKeyFile(file: string): string | undefined {
  try {
    return clean(fs.readFileSync(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new VastConfigError(
      ErrorCodes.missingCredentials,
      `Cannot read Vast API key file ${file}: ${(err as Error).message}. Fix its permissions or remove it.`,
    );
  }
}

/** Paths of the two key files, for messages and for the resolver. */
export function keyFilePaths(env: NodeJS.ProcessEnv = process.env, homeDir: string = os.homedir()) {
  const xdgBase = clean(env.XDG_CONFIG_HOME) ?? path.join(homeDir, ".config");
  return { xdg: path.join(xdgBase, "vastai", "vast_api_key"), legacy: path.join(homeDir, ".vast_api_key") };
}

/**
 * Resolves the API key and base URL from the documented sources.
 * @throws VastConfigError `VAST_MISSING_CREDENTIALS` naming all four sources, or `VAST_INVALID_URL`.
 */
export function resolveCredentials(sources: CredentialSources = {}): ResolvedCredentials {
  const env = sources.env ?? process.env;
  const files = keyFilePaths(env, sources.homeDir ?? os.homedir());
  const baseUrl = normalizeBaseUrl(clean(sources.stackConfig?.url) ?? clean(env.VAST_URL) ?? DEFAULT_VAST_URL);

  const fromConfig = clean(sources.stackConfig?.apiKey);
  if (fromConfig) return { apiKey: fromConfig, baseUrl, source: "stack config vast:apiKey", sourceDetail: "stack config vast:apiKey" };
  const fromEnv = clean(env.VAST_API_KEY);
  if (fromEnv) return { apiKey: fromEnv, baseUrl, source: "env VAST_API_KEY", sourceDetail: "environment variable VAST_API_KEY" };
  const fromXdg = readKeyFile(files.xdg);
  if (fromXdg) return { apiKey: fromXdg, baseUrl, source: "xdg file", sourceDetail: `file ${files.xdg}` };
  const fromLegacy = readKeyFile(files.legacy);
  if (fromLegacy) return { apiKey: fromLegacy, baseUrl, source: "legacy file", sourceDetail: `legacy file ${files.legacy}` };

  throw new VastConfigError(
    ErrorCodes.missingCredentials,
    "No Vast API key found. Set one of (highest precedence first): " +
      "1) stack config `pulumi config set --secret vast:apiKey <key>`; " +
      "2) environment variable VAST_API_KEY; " +
      `3) the file ${files.xdg} (written by \`vastai set api-key\`); ` +
      `4) the legacy file ${files.legacy}.`,
  );
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

/**
 * Validates a `VAST_URL`-style origin (scheme+host[:port], as in the official CLI) and returns
 * it without a trailing slash. Plain `http://` is accepted only for loopback hosts, so a key is
 * never sent in clear text over a network.
 * @throws VastConfigError `VAST_INVALID_URL`
 */
export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The value is never echoed: a key pasted into the wrong setting must not end up in a log.
    throw new VastConfigError(
      ErrorCodes.invalidUrl,
      "vast:url / VAST_URL is not a URL; expected scheme+host[:port], e.g. https://console.vast.ai",
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new VastConfigError(ErrorCodes.invalidUrl, "vast:url / VAST_URL must use https (or http for a loopback host)");
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== "/" && url.pathname !== "")) {
    throw new VastConfigError(
      ErrorCodes.invalidUrl,
      `vast:url / VAST_URL must be scheme+host[:port] only; it has ${urlExtras(url)} (not shown, as it might hold a secret)`,
    );
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname)) {
    throw new VastConfigError(
      ErrorCodes.invalidUrl,
      "vast:url / VAST_URL uses plain http to a host that is not loopback (localhost, 127.x.x.x, [::1]); a key must not travel in clear text. Use https.",
    );
  }
  return url.origin;
}

/** Which parts of a URL go beyond scheme+host[:port], named but not shown. */
function urlExtras(url: URL): string {
  const parts: string[] = [];
  if (url.username || url.password) parts.push("credentials");
  if (url.pathname !== "/" && url.pathname !== "") parts.push("a path");
  if (url.search) parts.push("a query");
  if (url.hash) parts.push("a fragment");
  return parts.join(", ");
}
