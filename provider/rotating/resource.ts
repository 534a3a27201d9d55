/**
 * `RotatingVastApiKey`: one role's Vast.ai API key, rotated on a schedule with an overlap, so
 * that consumers holding the old value keep working until they pick up the new one.
 */
import * as pulumi from "@pulumi/pulumi";
import { warnOnUnknownCategories } from "../category-warnings";
import { VastDynamicResource } from "../dynamic-resource";
import type { PermissionDoc } from "../permissions";
import { rotatingVastApiKeyProvider } from "../shim";

/** One Vast key of a {@link RotatingVastApiKey}, as consumers read it. */
export interface RotatingKey {
  /** Vast's numeric key id. */
  keyId: number;
  /** The key value. The whole object is a Pulumi secret because of it. */
  key: string;
  /** When the key was created, ISO-8601 (the provider's clock: `VAST_NOW` when set). */
  createdAt: string;
  /** The key's name on Vast, `<name>-<n>`. */
  name: string;
}

/** Arguments of {@link RotatingVastApiKey}. */
export interface RotatingVastApiKeyArgs {
  /**
   * Base name, 1-240 characters; each key is named `<name>-<n>` on Vast (n = 1, 2, ...).
   * Default: the Pulumi resource name. Changing it rolls to a new key.
   */
  name?: pulumi.Input<string>;
  /**
   * Permission document `{"api": {<category>: {...}}}`; see `presets` and `permissions()`.
   * Changing it (object key order aside) rolls to a new key; the old one stays valid for the overlap.
   */
  permissions: pulumi.Input<PermissionDoc>;
  /** Opaque key params string, passed to Vast verbatim. Changing it rolls to a new key. */
  keyParams?: pulumi.Input<string>;
  /** Rotate once `current` is this many days old (> 0, fractions allowed). Checked on every preview and up. */
  rotateEveryDays: pulumi.Input<number>;
  /**
   * How long `previous` stays valid after a rotation, in days: ≥ 0 and less than
   * `rotateEveryDays`. Default: a quarter of `rotateEveryDays`. Changing either only changes the
   * schedule (in place).
   */
  overlapDays?: pulumi.Input<number>;
}

/**
 * The property bag both rotating key classes (`RotatingVastApiKey`, and the plugin's
 * `RotatingApiKey`) register: the inputs, and the outputs as `undefined` so the engine fills them
 * in. Not exported from the package entry.
 * @param args The arguments.
 * @param name The base name to send (`undefined`: none, the provider decides).
 */
export function rotatingKeyResourceProps(args: RotatingVastApiKeyArgs, name: pulumi.Input<string> | undefined): pulumi.Inputs {
  return {
    name,
    permissions: args.permissions,
    keyParams: args.keyParams,
    rotateEveryDays: args.rotateEveryDays,
    overlapDays: args.overlapDays,
    current: undefined,
    previous: undefined,
    rotatedAt: undefined,
    retiresPreviousAt: undefined,
    accountId: undefined,
  };
}

/**
 * A Vast.ai API key for one role that rotates without an outage. It manages up to two Vast keys:
 * `current`, the one consumers should use, and `previous`, the one that was current before the
 * last rotation and stays valid for `overlapDays`.
 *
 * Every step is an in-place update of this resource, decided from state when Pulumi runs (no
 * `--refresh` needed) and shown with its reason in `pulumi preview`:
 * - `current` older than `rotateEveryDays` → **rotate**: a new key becomes `current`, the old
 *   `current` becomes `previous`;
 * - `previous` present and its published retirement (`retiresPreviousAt`) passed → **retire** it;
 * - `name`, `permissions` or `keyParams` changed → **roll**, the same step as a rotation;
 * - `current` deleted outside Pulumi (seen by `pulumi refresh`) → **recreate** it.
 *
 * A step creates at most one key, first, and only then deletes what is due; it never deletes
 * `current`, nor a `previous` before the retirement time published for it (a `previous` that must
 * leave its slot earlier is kept until then). `destroy` deletes every key.
 * Credentials and API origin as for `VastApiKey`.
 *
 * @example
 * ```ts
 * const autoscaler = new RotatingVastApiKey("autoscaler", {
 *   permissions: presets.instanceManagementWithoutBilling(),
 *   rotateEveryDays: 30,
 *   overlapDays: 7,
 * });
 * export const autoscalerKey = autoscaler.current; // secret; consumers use .key
 * ```
 */
export class RotatingVastApiKey extends VastDynamicResource {
  /** The base name. */
  declare readonly name: pulumi.Output<string>;
  /** The permission document as declared. */
  declare readonly permissions: pulumi.Output<PermissionDoc>;
  /** The key params as declared, if any. */
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
   * @param opts Resource options (`protect`, `dependsOn`, ...).
   */
  constructor(name: string, args: RotatingVastApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      rotatingVastApiKeyProvider,
      "RotatingApiKey",
      name,
      rotatingKeyResourceProps(args, args.name ?? name),
      // `key` sits inside `current`/`previous`; the engine marks whole top-level outputs secret.
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["current", "previous"] }),
    );
    warnOnUnknownCategories(args.permissions, this);
  }
}
