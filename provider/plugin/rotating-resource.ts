/**
 * `RotatingApiKey`: the plugin resource `vast:index:RotatingApiKey` as a typed TypeScript class.
 * Same inputs and outputs as `RotatingVastApiKey`, served by the `pulumi-resource-vast` plugin
 * instead of a dynamic provider (install it or name it in `Pulumi.yaml`, as for `ApiKey`).
 */
import * as pulumi from "@pulumi/pulumi";
import { PLUGIN_ROTATING_API_KEY_TYPE } from "../audit";
import { warnOnUnknownCategories } from "../category-warnings";
import type { PermissionDoc } from "../permissions";
import { type RotatingKey, type RotatingVastApiKeyArgs, rotatingKeyResourceProps } from "../rotating/resource";
import { PLUGIN_VERSION } from "./version";

/** Arguments of {@link RotatingApiKey}: the same as those of `RotatingVastApiKey`. */
export type RotatingApiKeyArgs = RotatingVastApiKeyArgs;

/**
 * A Vast.ai API key for one role that rotates without an outage, managed through the `vast`
 * provider plugin (type `vast:index:RotatingApiKey`). Behaves as `RotatingVastApiKey`: up to two
 * Vast keys, `current` and `previous`, rotated every `rotateEveryDays` with an overlap of
 * `overlapDays`, every step an in-place update shown with its reason in `pulumi preview`.
 *
 * There is no `get` and no import: the resource's id is not a Vast key id and its state (which key
 * is current, when it rotated) exists only in Pulumi. Import single keys with `ApiKey`.
 *
 * @example
 * ```ts
 * const autoscaler = new RotatingApiKey("autoscaler", {
 *   permissions: presets.instanceManagementWithoutBilling(),
 *   rotateEveryDays: 30,
 *   overlapDays: 7,
 * });
 * export const autoscalerKey = autoscaler.current; // secret; consumers use .key
 * ```
 */
export class RotatingApiKey extends pulumi.CustomResource {
  /** The resource type token. */
  static readonly __pulumiType = PLUGIN_ROTATING_API_KEY_TYPE;

  /** The base name (keys are named `<name>-<n>`). */
  declare readonly name: pulumi.Output<string>;
  /** The permission document of the current key, as declared. */
  declare readonly permissions: pulumi.Output<PermissionDoc>;
  /** The key params of the current key as declared, if any. */
  declare readonly keyParams: pulumi.Output<string | undefined>;
  /** The rotation period in days. */
  declare readonly rotateEveryDays: pulumi.Output<number>;
  /** The overlap in days (the default filled in). */
  declare readonly overlapDays: pulumi.Output<number>;
  /** The key consumers should use. Secret. */
  declare readonly current: pulumi.Output<RotatingKey>;
  /** The key that was current before the last rotation, while it is still valid. Secret. */
  declare readonly previous: pulumi.Output<RotatingKey | undefined>;
  /** When the last rotation (or roll) happened, ISO-8601; absent before the first. */
  declare readonly rotatedAt: pulumi.Output<string | undefined>;
  /** When `previous` is retired, ISO-8601; absent when there is no `previous`. */
  declare readonly retiresPreviousAt: pulumi.Output<string | undefined>;
  /** The Vast account (user id) both keys belong to; a credential of another account is refused. */
  declare readonly accountId: pulumi.Output<number>;

  /**
   * Declares a rotating key.
   * @param name Pulumi resource name; also the keys' base name unless `args.name` is given.
   * @param args Key settings and schedule.
   * @param opts Resource options (`protect`, `dependsOn`, `provider`, ...). `import` and `id`
   *   fail: there is nothing to read by id.
   */
  constructor(name: string, args: RotatingApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      RotatingApiKey.__pulumiType,
      name,
      // The plugin defaults the base name to the resource name, as RotatingVastApiKey does.
      rotatingKeyResourceProps(args, args.name),
      // The plugin version this class was released with (an explicit `version` option wins).
      // `key` sits inside `current`/`previous`; the engine marks whole top-level outputs secret.
      pulumi.mergeOptions(pulumi.mergeOptions({ version: PLUGIN_VERSION }, opts), {
        additionalSecretOutputs: ["current", "previous"],
      }),
    );
    warnOnUnknownCategories(args.permissions, this);
  }
}
