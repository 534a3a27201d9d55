/**
 * Per-environment scoped Vast.ai API keys. Each stack (dev, staging, prod) declares in its
 * config which keys it needs and with which preset or permission document:
 *
 *   vast-api-keys-environments:keys:
 *     autoscaler: { preset: instanceManagementWithoutBilling, rotateAfterDays: 90 }
 *     monitoring: { preset: readOnly }
 *
 * Each key is named `<stack>-<role>` on Vast. Key values are stack outputs, secret.
 */
import * as pulumi from "@pulumi/pulumi";
import { type PermissionDoc, type PresetName, presets, VastApiKey } from "pulumi-vast-api-keys";

interface KeySpec {
  /** One of the package's presets, e.g. readOnly. */
  preset?: PresetName;
  /** A full permission document, instead of a preset. */
  permissions?: PermissionDoc;
  /** Rotate (replace) the key once it is this many days old. */
  rotateAfterDays?: number;
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
  const key = new VastApiKey(`${env}-${role}`, {
    permissions: permissionsFor(role, spec),
    ...(spec.rotateAfterDays !== undefined ? { rotateAfterDays: spec.rotateAfterDays } : {}),
  });
  return [role, key] as const;
});

/** Vast key ids, by role. */
export const keyIds = Object.fromEntries(keys.map(([role, key]) => [role, key.keyId]));
/** Key values, by role. Secret: read them with `pulumi stack output keyValues --show-secrets`. */
export const keyValues = Object.fromEntries(keys.map(([role, key]) => [role, key.key]));
