/**
 * The typed class `RotatingApiKey` under Pulumi's mock monitor: it registers a
 * `vast:index:RotatingApiKey` with exactly the declared inputs (the plugin fills the name and the
 * overlap), and is exported from the package entry.
 */
import * as pulumi from "@pulumi/pulumi";
import * as pkg from "../../provider";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}
const registered: Registered[] = [];

beforeAll(() =>
  pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, current: { keyId: 1, name: `${args.name}-1` } } };
      },
      call: () => ({}),
    },
    "proj",
    "prod",
  ),
);

const resolved = <T>(o: pulumi.Output<T>) => new Promise<T>((resolve) => o.apply(resolve));

describe("RotatingApiKey", () => {
  it("registers vast:index:RotatingApiKey with the declared inputs only", async () => {
    const key = new pkg.RotatingApiKey("autoscaler", { permissions: { api: { instance_read: {} } }, rotateEveryDays: 30 });
    expect(pkg.RotatingApiKey.__pulumiType).toBe("vast:index:RotatingApiKey");
    expect(await resolved(key.urn)).toBe("urn:pulumi:prod::proj::vast:index:RotatingApiKey::autoscaler");
    expect(await resolved(key.current)).toEqual({ keyId: 1, name: "autoscaler-1" });
    expect(registered.find((r) => r.name === "autoscaler")).toEqual({
      type: "vast:index:RotatingApiKey",
      name: "autoscaler",
      // Neither name nor overlapDays: the plugin's check fills them, as RotatingVastApiKey's provider does.
      inputs: { permissions: { api: { instance_read: {} } }, rotateEveryDays: 30 },
    });
  });

  it("passes every argument through", async () => {
    const args = { name: "prod-ci", permissions: { api: { misc: {} } }, keyParams: "p", rotateEveryDays: 10, overlapDays: 2 };
    const key = new pkg.RotatingApiKey("ci", args);
    await resolved(key.urn);
    expect(registered.find((r) => r.name === "ci")?.inputs).toEqual(args);
  });
});
