/**
 * Per-environment scoped Vast.ai API keys. Each stack (dev, staging, prod) declares in its
 * config which keys it needs and with which preset or permission document:
 *
 *   vast-api-keys-environments:keys:
 *     autoscaler: { preset: instanceManagementWithoutBilling, rotateAfterDays: 90 }
 *     monitoring: { preset: readOnly }
 *
 * Each key is named `<stack>-<role>` on Vast. Key values are stack outputs, secret.
 *
 * A role whose key is used by another stack can rotate without an outage instead: with
 * `rotateEveryDays` (and optionally `overlapDays`) it becomes a `RotatingVastApiKey`, whose keys
 * are named `<stack>-<role>-<n>` and whose `current` key is exported in `currentKeys` for
 * consumers (see examples/consumer):
 *
 *     autoscaler: { preset: instanceManagementWithoutBilling, rotateEveryDays: 30, overlapDays: 7 }
 */
import * as pulumi from "@pulumi/pulumi";
import { type PermissionDoc, type PresetName, presets, RotatingVastApiKey, VastApiKey } from "pulumi-vast-api-keys";

interface KeySpec {
  /** One of the package's presets, e.g. readOnly. */
  preset?: PresetName;
  /** A full permission document, instead of a preset. */
  permissions?: PermissionDoc;
  /** Rotate (replace) the key once it is this many days old. */
  rotateAfterDays?: number;
  /** Rotate with an overlap instead: a new key every this many days, the old one kept for `overlapDays`. */
  rotateEveryDays?: number;
  /** With `rotateEveryDays`: how long the previous key stays valid (default: a quarter of the period). */
  overlapDays?: number;
}

const config = new pulumi.Config();
const env = pulumi.getStack();
const plan = config.requireObject<Record<string, KeySpec>>("keys");

function permissionsFor(role: string, spec: KeySpec): PermissionDoc {
  if (spec.permissions) return spec.permissions;
  if (spec.preset && spec.preset in presets) return presets[spec.preset]();
  throw new Error(`keys.${role}: set "permissions" or "preset" (one of ${Object.keys(presets).join(", ")})`);
}

const keys = Object.entries(plan).map(([role, spec]) => {
  const name = `${env}-${role}`;
  const permissions = permissionsFor(role, spec);
  if (spec.rotateEveryDays === undefined) {
    if (spec.overlapDays !== undefined) throw new Error(`keys.${role}: overlapDays needs rotateEveryDays`);
    const key = new VastApiKey(name, {
      permissions,
      ...(spec.rotateAfterDays !== undefined ? { rotateAfterDays: spec.rotateAfterDays } : {}),
    });
    return { role, keyId: key.keyId, value: key.key };
  }
  if (spec.rotateAfterDays !== undefined) throw new Error(`keys.${role}: set either rotateAfterDays or rotateEveryDays, not both`);
  const key = new RotatingVastApiKey(name, {
    permissions,
    rotateEveryDays: spec.rotateEveryDays,
    ...(spec.overlapDays !== undefined ? { overlapDays: spec.overlapDays } : {}),
  });
  // Ids are not secret; only the key value inside `current` is.
  return { role, keyId: pulumi.unsecret(key.current.keyId), value: key.current.key, current: key.current };
});

/** Vast key ids, by role (for rotating roles: the current key's). */
export const keyIds = Object.fromEntries(keys.map((k) => [k.role, k.keyId]));
/** Key values, by role. Secret: read them with `pulumi stack output keyValues --show-secrets`. */
export const keyValues = Object.fromEntries(keys.map((k) => [k.role, k.value]));
/**
 * The current key `{keyId, key, createdAt, name}` of each rotating role, for consumer stacks
 * (`StackReference`). Secret.
 */
export const currentKeys = Object.fromEntries(keys.flatMap((k) => (k.current ? [[k.role, k.current]] : [])));
