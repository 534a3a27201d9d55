/**
 * Serializes a provider exactly as `pulumi.dynamic.Resource` does (`() => provider`, with the
 * provider held in a variable named `provider`), to measure and test `__provider`.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";

/** The `__provider` text Pulumi would store in state for `provider`. */
export async function serializeProvider(provider: ResourceProvider): Promise<string> {
  const sf = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: false });
  return sf.text;
}
