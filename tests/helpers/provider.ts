/** Drives the provider the way the engine does, against a given account. */
import type { ConfigureRequest, ResourceProvider } from "@pulumi/pulumi/dynamic";

/** A `ConfigureRequest` carrying stack config values. */
export function stackConfig(values: Record<string, string | undefined>): ConfigureRequest {
  return {
    config: {
      get: (key: string) => values[key],
      require: (key: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`missing config ${key}`);
        return v;
      },
    },
  };
}

/** Points the provider at an emulator account through stack config, as `pulumi config set` would. */
export async function useAccount(provider: ResourceProvider, url: string, apiKey: string): Promise<void> {
  await provider.configure?.(stackConfig({ "vast:apiKey": apiKey, "vast:url": url }));
}

/** check → create, as the engine does for a new resource; fails the test on check failures. */
export async function checkAndCreate(provider: ResourceProvider, inputs: Record<string, unknown>) {
  const checked = await provider.check?.({}, inputs);
  if (checked?.failures?.length) throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  return provider.create(checked?.inputs ?? inputs);
}
