/**
 * `VastApiKey` and `RotatingVastApiKey` under Pulumi's mock monitor: they register the dynamic
 * types with the shim's `__provider` text, without running Pulumi's closure serializer (which
 * would cost every program run 0.3–0.8 s: README, figures).
 */
import * as pulumi from "@pulumi/pulumi";
import * as pkg from "../../provider";
import { serializedShim } from "../../provider/shim";

jest.mock("@pulumi/pulumi/runtime/closure/serializeClosure", () => ({
  serializeFunction: () => {
    throw new Error("the closure serializer ran");
  },
}));

const registered: Array<{ type: string; name: string; inputs: Record<string, unknown> }> = [];

beforeAll(() =>
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: "7", state: { ...args.inputs, keyId: 7, current: { keyId: 7, name: `${args.name}-1` } } };
      },
      call: () => ({}),
    },
    "proj",
    "prod",
  ),
);

const resolved = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("dynamic resources", () => {
  it.each([
    ["VastApiKey", "ApiKey", () => new pkg.VastApiKey("ci", { permissions: { api: { misc: {} } } }), pkg.vastApiKeyProvider],
    [
      "RotatingVastApiKey",
      "RotatingApiKey",
      () => new pkg.RotatingVastApiKey("autoscaler", { permissions: { api: { misc: {} } }, rotateEveryDays: 30 }),
      pkg.rotatingVastApiKeyProvider,
    ],
  ] as const)("%s registers pulumi-nodejs:dynamic/vast:%s with the shim's text as __provider", async (_label, type, make, shim) => {
    const resource: pulumi.CustomResource = make();
    expect(await resolved(resource.urn)).toMatch(new RegExp(`::pulumi-nodejs:dynamic/vast:${type}::`));
    const r = registered.find((x) => x.type === `pulumi-nodejs:dynamic/vast:${type}`);
    expect(r?.inputs.__provider).toBe(serializedShim(shim));
    expect(r?.inputs.permissions).toEqual({ api: { misc: {} } });
  });
});
