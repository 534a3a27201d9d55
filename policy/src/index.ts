/**
 * The policy pack `vast-api-keys`: guardrails for Vast API keys, run with
 * `pulumi preview --policy-pack <this directory>`. The policies live in policies.ts.
 */
import { PolicyPack } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { vastKeyPolicies } from "./policies";

// The stack decides which stack-scoped policies apply, so running without it must fail rather
// than silently apply none. The engine sets it for `runtime: nodejs`; the vastnode analyzer
// shim (bin/) copies it from PULUMI_STACK.
const stack = pulumi.getStack();
if (!stack) {
  throw new Error(
    "vast-api-keys policy pack: the stack name is unknown (PULUMI_NODEJS_STACK is not set). " +
      "Run the pack through `pulumi preview --policy-pack`, with `runtime: nodejs` or the pulumi-analyzer-policy-vastnode shim.",
  );
}

new PolicyPack("vast-api-keys", { policies: vastKeyPolicies({ stack }), enforcementLevel: "mandatory" });
