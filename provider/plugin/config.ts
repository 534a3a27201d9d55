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
import type { InputFailure } from "../inputs";
import { checkVastConfig, type ProviderConfig, pickVastConfig } from "../stack-config";
import { unwrapDeep } from "./secrets";

export { PROVIDER_CONFIG, type ProviderConfig, type ProviderConfigKey } from "../stack-config";

/** Validates provider configuration (secrets unwrapped first); unknown values (preview) are accepted. */
export function checkProviderConfig(raw: Record<string, unknown>): InputFailure[] {
  const failures = checkVastConfig(Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, unwrapDeep(v)])));
  return failures.map(({ property, reason }) => ({ property, reason }));
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
  return pickVastConfig(unwrapDeep(raw) as Record<string, unknown>);
}

/**
 * The runtime's `configure` takes the dynamic provider's `ConfigureRequest`; this presents
 * plain, already validated values in that shape, keyed as stack config (`vast:apiKey`, `vast:url`).
 */
export function configureRequest(config: ProviderConfig): ConfigureRequest {
  const values = new Map(Object.entries(config).map(([k, v]) => [`vast:${k}`, v]));
  // What the SDK's config object holds too: the runtime checks every `vast:*` key in it.
  const rawConfig = Object.fromEntries(values);
  const sdkLike: ConfigureRequest["config"] & { rawConfig: Record<string, string> } = {
    rawConfig,
    get: (key: string) => values.get(key),
    require: (key: string) => {
      const v = values.get(key);
      if (v === undefined) throw new Error(`missing required configuration ${key}`);
      return v;
    },
  };
  return { config: sdkLike };
}
