/**
 * `VastApiKey`: a Vast.ai API key as a Pulumi resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { warnOnUnknownCategories } from "./category-warnings";
import { VastDynamicResource } from "./dynamic-resource";
import type { PermissionDoc } from "./permissions";
import { vastApiKeyProvider } from "./shim";

/** Take an existing key under management instead of creating one. */
export interface AdoptArgs {
  /** Vast's numeric id of the existing key (see `vast-api-keys audit` or the console). */
  keyId: pulumi.Input<number>;
  /**
   * The key's value, if you have it. It becomes the secret `key` output. A value that does not
   * authenticate, or that proves to be another key's, is refused; a value without `user_read`
   * cannot prove which key it is, so it is accepted with a warning saying so.
   * Without it, the `key` output of an adopted key is absent: Vast never shows a value twice.
   */
  key?: pulumi.Input<string>;
}

/** Arguments of {@link VastApiKey}. */
export interface VastApiKeyArgs {
  /**
   * Key name shown in the Vast console, up to 255 characters; `""` declares a key without a name
   * (as the console makes them). Default: the Pulumi resource name. Changing it replaces the key.
   */
  name?: pulumi.Input<string>;
  /**
   * Permission document `{"api": {<category>: {...}}}`; see `presets` and `permissions()`.
   * Changing it (object key order aside) replaces the key: Vast keys are immutable.
   */
  permissions: pulumi.Input<PermissionDoc>;
  /** Opaque key params string, passed to Vast verbatim (`key_params`). Changing it replaces the key. */
  keyParams?: pulumi.Input<string>;
  /**
   * Rotate the key once it is this many days old (by `createdAt`): `pulumi preview`/`up` then
   * show a replacement, checked on every run without `--refresh`. Changing this value alone
   * never replaces the key. Fractions are allowed.
   */
  rotateAfterDays?: pulumi.Input<number>;
  /** Any string; each change replaces (rotates) the key. For schedules driven by CI or other resources. */
  rotationTrigger?: pulumi.Input<string>;
  /**
   * Adopt an existing key instead of creating one. The resource's first `create` verifies it
   * exists and matches the declared name, permissions and key params (a mismatch is an error; a
   * key without a permission document is full access and must be declared as
   * `presets.fullAccess()`). From then on it is an ordinary managed key: `adopt` is ignored once
   * the resource exists, so a replacement creates a new key and deletes the adopted one, and
   * destroying the resource deletes it on Vast. The whole value is stored as a Pulumi secret.
   */
  adopt?: pulumi.Input<AdoptArgs>;
}

/**
 * The property bag both API key classes (`VastApiKey`, and the plugin's `ApiKey`) register: the
 * inputs, with `adopt` as a secret (it may hold a key value), and the outputs as `undefined` so
 * the engine fills them in. Not exported from the package entry.
 * @param a The arguments (empty for a lookup by id).
 * @param name The key name to send (`undefined`: none, the provider decides).
 */
export function apiKeyResourceProps(a: Partial<VastApiKeyArgs>, name: pulumi.Input<string> | undefined): pulumi.Inputs {
  return {
    name,
    permissions: a.permissions,
    keyParams: a.keyParams,
    rotateAfterDays: a.rotateAfterDays,
    rotationTrigger: a.rotationTrigger,
    adopt: a.adopt === undefined ? undefined : pulumi.secret(a.adopt),
    key: undefined,
    createdAt: undefined,
    keyId: undefined,
    accountId: undefined,
  };
}

/**
 * A Vast.ai API key managed by Pulumi.
 *
 * Vast keys are immutable: changing `name`, `permissions`, `keyParams` or `rotationTrigger`
 * replaces the key, creating the new key before deleting the old one (set the
 * `deleteBeforeReplace` resource option to reverse that). The key value is returned by Vast
 * once, at creation; it is the secret output `key` and is carried from state afterwards.
 * `pulumi refresh` detects keys deleted or re-scoped outside Pulumi; the next `up` repairs them.
 *
 * Credentials: stack config `vast:apiKey` (secret), else `VAST_API_KEY`, else the `vastai` CLI's
 * key file. API origin: `vast:url`, else `VAST_URL`, else `https://console.vast.ai`.
 *
 * @example
 * ```ts
 * const ci = new VastApiKey("ci-deploy", { permissions: presets.instanceManagementWithoutBilling() });
 * export const ciKey = ci.key; // secret
 * ```
 */
export class VastApiKey extends VastDynamicResource {
  /** The key's name. */
  declare readonly name: pulumi.Output<string>;
  /** The permission document as declared. */
  declare readonly permissions: pulumi.Output<PermissionDoc>;
  /** The key params as declared, if any. */
  declare readonly keyParams: pulumi.Output<string | undefined>;
  /** The key value. Secret. Absent for keys adopted without their value and for `VastApiKey.get`. */
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
   * @param opts Resource options (`deleteBeforeReplace`, `protect`, `dependsOn`, ...).
   */
  constructor(name: string, args: VastApiKeyArgs, opts?: pulumi.CustomResourceOptions) {
    const lookup = opts?.id !== undefined;
    const a: Partial<VastApiKeyArgs> = lookup ? {} : args;
    super(
      vastApiKeyProvider,
      "ApiKey",
      name,
      apiKeyResourceProps(a, lookup ? undefined : (a.name ?? name)),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: ["key"] }),
    );
    if (!lookup && a.permissions !== undefined) warnOnUnknownCategories(a.permissions, this);
  }

  /**
   * Reads an existing key by its Vast id without managing it (Pulumi never deletes it).
   * The `key` output is absent: Vast never returns a key value after creation.
   * @param name Pulumi resource name for the lookup.
   * @param id Vast's numeric key id, as a string.
   */
  static get(name: string, id: pulumi.Input<pulumi.ID>, opts?: pulumi.CustomResourceOptions): VastApiKey {
    return new VastApiKey(name, undefined as unknown as VastApiKeyArgs, { ...opts, id });
  }
}
