/**
 * Provider configuration of the `vast` plugin: stack config `vast:apiKey` / `vast:url` (or the
 * arguments of an explicit `pulumi:providers:vast` resource). `CheckConfig` validates it,
 * `Configure` hands it to the same runtime `configure` the dynamic resource uses, so the
 * precedence (config, then `VAST_API_KEY` / `VAST_URL`, then the key files) is identical.
 *
 * Nothing configured is ever ignored: an unknown key (a typo such as `vast:apikey`), a non-string
 * value or an empty key is refused in `CheckConfig`, because ignoring it would silently fall back
 * to another credential.
 */
import type { ConfigureRequest } from "@pulumi/pulumi/dynamic";
import { normalizeBaseUrl } from "../credentials";
import { isVastError } from "../errors";
import { containsUnknown, type InputFailure } from "../inputs";
import { unwrapDeep } from "./secrets";

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

/** Values the plugin hands to the runtime. */
export type ProviderConfig = Partial<Record<ProviderConfigKey, string>>;

// Keys the engine itself adds to every provider's inputs; they are not provider settings.
const ENGINE_KEYS = new Set(["version", "pluginDownloadURL"]);

const isConfigKey = (k: string): k is ProviderConfigKey => Object.hasOwn(PROVIDER_CONFIG, k);

/** Validates provider configuration; unknown values (preview) are accepted as they are. */
export function checkProviderConfig(raw: Record<string, unknown>): InputFailure[] {
  const failures: InputFailure[] = [];
  for (const [key, wrapped] of Object.entries(raw)) {
    if (ENGINE_KEYS.has(key)) continue;
    const value = unwrapDeep(wrapped);
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
        failures.push({ property: key, reason: isVastError(err) ? err.message : String(err) });
      }
    }
  }
  return failures;
}

/**
 * Reads the configuration of a `Configure` call: the structured arguments when the engine sends
 * them, else its `<pkg>:config:<key>` variables.
 * @throws Error when a value cannot be used (the same rules as {@link checkProviderConfig}).
 */
export function parseProviderConfig(args: Record<string, unknown> | undefined, variables: Map<string, string>): ProviderConfig {
  const raw: Record<string, unknown> = {};
  if (args) Object.assign(raw, args);
  else for (const [k, v] of variables) raw[k.replace(/^[^:]+:config:/, "")] = v;
  const failures = checkProviderConfig(raw);
  if (failures.length) throw new Error(`invalid vast provider configuration: ${failures.map((f) => f.reason).join("; ")}`);
  const config: ProviderConfig = {};
  for (const key of Object.keys(PROVIDER_CONFIG) as ProviderConfigKey[]) {
    const value = unwrapDeep(raw[key]);
    if (typeof value === "string") config[key] = value;
  }
  return config;
}

/**
 * The runtime's `configure` takes the dynamic provider's `ConfigureRequest`; this presents
 * plain values in that shape, keyed as stack config (`vast:apiKey`, `vast:url`).
 */
export function configureRequest(config: ProviderConfig): ConfigureRequest {
  const values = new Map(Object.entries(config).map(([k, v]) => [`vast:${k}`, v]));
  return {
    config: {
      get: (key: string) => values.get(key),
      require: (key: string) => {
        const v = values.get(key);
        if (v === undefined) throw new Error(`missing required configuration ${key}`);
        return v;
      },
    },
  };
}
