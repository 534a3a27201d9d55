/**
 * The smallest useful program: one scoped key for a CI pipeline, its value exported as a secret.
 */
import { presets, VastApiKey } from "pulumi-vast-api-keys";

const ci = new VastApiKey("ci-deploy", {
  permissions: presets.instanceManagementWithoutBilling(),
});

/** Vast's id of the key. */
export const keyId = ci.keyId;
/** The key value (secret): `pulumi stack output key --show-secrets`. */
export const key = ci.key;
