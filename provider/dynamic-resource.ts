/**
 * The base of `VastApiKey` and `RotatingVastApiKey`: what `pulumi.dynamic.Resource` registers (type
 * `pulumi-nodejs:dynamic/<module>:<type>`, served by the engine's Node.js dynamic-provider host,
 * with the provider's code in the `__provider` input), minus its closure serializer. The
 * `__provider` text is {@link serializedShim}: byte for byte what that serializer would store, so
 * state, diffs and the host see no difference, and a program run does not pay for the serializer
 * (docs/design.md, "The serialized shim and the runtime").
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceProvider } from "@pulumi/pulumi/dynamic";
import { serializedShim } from "./shim";

/** A dynamic resource of this package, registered as `pulumi-nodejs:dynamic/vast:<type>`. */
export abstract class VastDynamicResource extends pulumi.CustomResource {
  /**
   * @param provider The shim serving the resource.
   * @param type The type name after `vast:` (`ApiKey`, `RotatingApiKey`).
   * @param name Pulumi resource name.
   * @param props Inputs, and outputs as `undefined`.
   * @param opts Resource options.
   */
  protected constructor(
    provider: ResourceProvider,
    type: string,
    name: string,
    props: pulumi.Inputs,
    opts: pulumi.CustomResourceOptions | undefined,
  ) {
    super(`pulumi-nodejs:dynamic/vast:${type}`, name, { ...props, __provider: serializedShim(provider) }, opts);
  }
}
