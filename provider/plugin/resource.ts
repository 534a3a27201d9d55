/**
 * `ApiKey`: the plugin resource `vast:index:ApiKey` as a typed TypeScript class. Same inputs and
 * outputs as `VastApiKey`, served by the `pulumi-resource-vast` plugin instead of a dynamic
 * provider, which is what makes `pulumi import` possible. The plugin must be installed
 * (`pulumi plugin install resource vast <version> -f <tarball>`) or named in `Pulumi.yaml`
 * (`plugins: providers: [{name: vast, path: <dir>}]`).
 */
import * as pulumi from "@pulumi/pulumi";
import { PLUGIN_API_KEY_TYPE } from "../audit";
import { warnOnUnknownCategories } from "../category-warnings";
import type { PermissionDoc } from "../permissions";
import { apiKeyResourceProps, type VastApiKeyArgs } from "../resource";
import { PLUGIN_VERSION } from "./version";

/** Arguments of {@link ApiKey}: the same as those of `VastApiKey`. */
export type ApiKeyArgs = VastApiKeyArgs;

/**
 * A Vast.ai API key managed through the `vast` provider plugin (type `vast:index:ApiKey`).
 *
 * Behaves as `VastApiKey` (immutable keys replaced new-key-first, drift on refresh, rotation,
 * `key` secret); in addition an existing key can be imported:
 * `pulumi import vast:index:ApiKey <name> <id>`, or the `import` resource option.
 *
 * @example
 * ```ts
 * const ci = new ApiKey("ci-deploy", { permissions: presets.instanceManagementWithoutBilling() });
 * export const ciKey = ci.key; // secret
 * ```
 */
export class ApiKey extends pulumi.CustomResource {
  /** The resource type token. */
  static readonly __pulumiType = PLUGIN_API_KEY_TYPE;

  /** The key's name. */
  declare readonly name: pulumi.Output<string>;
  /** The permission document as declared (for an imported key: as Vast reports it). */
  declare readonly permissions: pulumi.Output<PermissionDoc>;
  /** The key params as declared, if any. */
  declare readonly keyParams: pulumi.Output<string | undefined>;
  /** The key value. Secret. Absent for keys imported or adopted without their value. */
  declare readonly key: pulumi.Output<string | undefined>;
  /** Creation time, ISO-8601. */
  declare readonly createdAt: pulumi.Output<string>;
  /** Vast's numeric key id (the resource `id` is the same number as a string). */
  declare readonly keyId: pulumi.Output<number>;
  /** The Vast account (user id) the key belongs to; a credential of another account is refused. */
  declare readonly accountId: pulumi.Output<number>;
  /** The configured rotation age in days, if any. */
  declare readonly rotateAfterDays: pulumi.Output<number | undefined>;
  /** The configured rotation trigger, if any. */
  declare readonly rotationTrigger: pulumi.Output<string | undefined>;

  /**
   * Declares a key.
   * @param name Pulumi resource name; also the key's name unless `args.name` is given.
   * @param args Key settings.
   * @param opts Resource options (`import`, `deleteBeforeReplace`, `protect`, `provider`, ...).
   */
  constructor(name: string, args: ApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const lookup = opts?.id !== undefined;
    const a: Partial<ApiKeyArgs> = lookup ? {} : args;
    super(
      ApiKey.__pulumiType,
      name,
      // The plugin defaults the name to the resource name, as VastApiKey does.
      apiKeyResourceProps(a, a.name),
      // The plugin version this class was released with, as generated SDKs pin it (an explicit
      // `version` option wins).
      pulumi.mergeOptions(pulumi.mergeOptions({ version: PLUGIN_VERSION }, opts), { additionalSecretOutputs: ["key"] }),
    );
    if (!lookup && a.permissions !== undefined) warnOnUnknownCategories(a.permissions, this);
  }

  /**
   * Reads an existing key by its Vast id without managing it (Pulumi never deletes it).
   * @param name Pulumi resource name for the lookup.
   * @param id Vast's numeric key id, as a string.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): ApiKey {
    return new ApiKey(name, undefined as unknown as ApiKeyArgs, { ...opts, id });
  }
}
