/**
 * The pack's policies behind the SDK's own analyzer handler (the function the gRPC server calls
 * for each resource; no server is started): what the engine receives for a violation, and for a
 * value unknown at preview (the SDK's advisory, so the preview is not refused and the policy runs
 * again at `up`).
 */

import * as server from "@pulumi/policy/server";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { presets } from "pulumi-vast-api-keys";
import { vastKeyPolicies } from "../../policy/src/policies";
import { UNKNOWN } from "../helpers/policy";

// google-protobuf ships no types; the SDK's handler and its .d.ts (internals stripped) neither.
const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as { Struct: { fromJavaScript(v: object): unknown } };
type Handler = (call: { request: unknown }, cb: (err: unknown, resp?: analyzerProto.AnalyzeResponse) => void) => void;
const makeAnalyze = (server as unknown as { makeAnalyzeRpcFun: (...args: unknown[]) => Handler }).makeAnalyzeRpcFun;

const LEVELS = Object.fromEntries(Object.entries(analyzerProto.EnforcementLevel).map(([k, v]) => [v, k.toLowerCase()]));

async function analyze(stack: string, name: string, props: Record<string, unknown>) {
  const req = new analyzerProto.AnalyzeRequest();
  req.setType("pulumi-nodejs:dynamic/vast:ApiKey");
  req.setName(name);
  req.setUrn(`urn:pulumi:${stack}::p::pulumi-nodejs:dynamic/vast:ApiKey::${name}`);
  req.setProperties(Struct.fromJavaScript(props) as never);
  req.setOptions(new analyzerProto.AnalyzerResourceOptions());
  const handler = makeAnalyze("vast-api-keys", "0.1.0", "mandatory", vastKeyPolicies({ stack }));
  const resp = await new Promise<analyzerProto.AnalyzeResponse>((resolve, reject) =>
    handler({ request: req }, (err, r) => (err || !r ? reject(err) : resolve(r))),
  );
  return resp
    .getDiagnosticsList()
    .map((d) => ({ policy: d.getPolicyname(), level: LEVELS[d.getEnforcementlevel()], message: d.getMessage() }));
}

describe("the policies behind the SDK's analyzer", () => {
  it("a billing_write key in prod comes back as a mandatory violation naming the key", async () => {
    const found = await analyze("prod", "prod-payments", {
      name: "prod-payments",
      permissions: presets.instanceManagementWithBilling(),
      rotateAfterDays: 30,
    });
    expect(found).toEqual([
      {
        policy: "no-billing-write-in",
        level: "mandatory",
        message: expect.stringContaining('resource "prod-payments" (Vast key "prod-payments") grants billing_write'),
      },
    ]);
  });

  it("unknown permissions at preview give the SDK's advisory instead of a verdict", async () => {
    const found = await analyze("prod", "prod-payments", { name: "prod-payments", permissions: UNKNOWN, rotateAfterDays: 30 });
    expect(found).toEqual([
      {
        policy: "no-billing-write-in",
        level: "advisory",
        message: expect.stringMatching(
          /^can't run policy 'no-billing-write-in' .* during preview: string value at \.permissions can't be known/,
        ),
      },
      { policy: "no-full-access", level: "advisory", message: expect.stringContaining("can't run policy 'no-full-access'") },
    ]);
  });

  it("the same key passes in dev", async () => {
    expect(await analyze("dev", "dev-payments", { name: "dev-payments", permissions: presets.instanceManagementWithBilling() })).toEqual(
      [],
    );
  });
});
