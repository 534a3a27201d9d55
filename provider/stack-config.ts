/**
 * Stack config of the `vast` namespace (`vast:apiKey`, `vast:url`), validated the same way for
 * both doors: the dynamic resources' `configure` and the plugin's `CheckConfig` / `Configure`.
 *
 * Nothing configured is ever ignored: an unknown key (a typo such as `vast:apikey`), a non-string
 * value or an empty value (`vast:apiKey ""` from an unset CI variable) is refused before any API
 * call, because ignoring it would silently fall back to another credential (`VAST_API_KEY`, the
 * key files), possibly of another account. Values are never echoed: a key may sit in any of them.
 */
import { normalizeBaseUrl } from "./credentials";
import { ErrorCodes, isVastError, VastConfigError, type VastErrorCode } from "./errors";
import { containsUnknown, type InputFailure } from "./inputs";

/** The provider's configuration keys (without the `vast:` namespace), with their documentation. */
export const PROVIDER_CONFIG = {
  apiKey: {
    description:
      "Vast.ai API key used to manage keys (needs user_read and user_write). Set it with `pulumi config set --secret vast:apiKey <key>`; " +
      "when unset, the environment variable VAST_API_KEY, then the vastai CLI's key file ($XDG_CONFIG_HOME/vastai/vast_api_key), then ~/.vast_api_key are used.",
    secret: true,
  },
  url: {
    description:
      "Vast API origin (scheme+host[:port]); when unset, VAST_URL, then https://console.vast.ai. Plain http is accepted for loopback hosts only.",
    secret: false,
  },
} as const;

/** A provider configuration key. */
export type ProviderConfigKey = keyof typeof PROVIDER_CONFIG;

/** Validated configuration values, by key. */
export type ProviderConfig = Partial<Record<ProviderConfigKey, string>>;

// Keys the engine itself adds to every provider's inputs; they are not provider settings.
const ENGINE_KEYS = new Set(["version", "pluginDownloadURL"]);

const isConfigKey = (k: string): k is ProviderConfigKey => Object.hasOwn(PROVIDER_CONFIG, k);

/** One configuration problem; `code` is set when a more precise error code than VAST_INVALID_CONFIG applies. */
export type ConfigFailure = InputFailure & { code?: VastErrorCode };

/**
 * Validates configuration values keyed without the namespace (`apiKey`, not `vast:apiKey`);
 * values must be plain (secrets unwrapped). Values still unknown (preview) are accepted.
 */
export function checkVastConfig(raw: Record<string, unknown>): ConfigFailure[] {
  const failures: ConfigFailure[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (ENGINE_KEYS.has(key)) continue;
    if (!isConfigKey(key)) {
      failures.push({
        property: key,
        reason: `unknown configuration key vast:${key}; the vast provider reads ${Object.keys(PROVIDER_CONFIG)
          .map((k) => `vast:${k}`)
          .join(" and ")} (check the spelling)`,
      });
      continue;
    }
    if (containsUnknown(value)) continue;
    if (typeof value !== "string") {
      failures.push({ property: key, reason: `vast:${key} must be a string` });
      continue;
    }
    if (value.trim() === "") {
      failures.push({ property: key, reason: `vast:${key} is set but empty; set a value or remove it (\`pulumi config rm vast:${key}\`)` });
      continue;
    }
    if (key === "url") {
      try {
        normalizeBaseUrl(value.trim());
      } catch (err) {
        failures.push({ property: key, reason: isVastError(err) ? err.message : String(err), code: ErrorCodes.invalidUrl });
      }
    }
  }
  return failures;
}

/** The error for configuration failures: the failures' own code when they share one, else VAST_INVALID_CONFIG. */
export function configError(failures: readonly ConfigFailure[]): VastConfigError {
  const codes = new Set(failures.map((f) => f.code ?? ErrorCodes.invalidConfig));
  const code = codes.size === 1 ? [...codes][0] : undefined;
  return new VastConfigError(
    code ?? ErrorCodes.invalidConfig,
    `invalid stack config: ${failures.map((f) => f.reason).join("; ")}. Nothing was sent to Vast.`,
  );
}

/** The valid configuration values of `raw` (call after {@link checkVastConfig} found nothing). */
export function pickVastConfig(raw: Record<string, unknown>): ProviderConfig {
  const config: ProviderConfig = {};
  for (const key of Object.keys(PROVIDER_CONFIG) as ProviderConfigKey[]) {
    const value = raw[key];
    if (typeof value === "string") config[key] = value;
  }
  return config;
}

/**
 * The `vast:` entries of a whole stack config (`{"vast:apiKey": …, "aws:region": …}`), keyed
 * without the namespace.
 */
export function vastEntries(stackConfig: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(stackConfig)
      .filter(([k]) => k.startsWith("vast:"))
      .map(([k, v]) => [k.slice("vast:".length), v]),
  );
}
