/**
 * The smallest useful program: one scoped key for a CI pipeline, its value exported as a secret.
 * The key's name on Vast carries the stack name, so two stacks of this program on one account
 * never make keys that look alike.
 */
import * as pulumi from "@pulumi/pulumi";
import { presets, VastApiKey } from "pulumi-vast-api-keys";

const ci = new VastApiKey("ci-deploy", {
  name: `ci-deploy-${pulumi.getStack()}`,
  permissions: presets.instanceManagementWithoutBilling(),
});

/** Vast's id of the key. */
export const keyId = ci.keyId;
/** The key value (secret): `pulumi stack output key --show-secrets`. */
export const key = ci.key;
