/**
 * Secret wrapping on the plugin's wire: the protocol constants, unwrapping for the runtime, and
 * what the provider marks secret in its answers (driven with a small fake runtime).
 */
import * as pulumi from "@pulumi/pulumi";
import type { ResourceKind, ResourceRuntime } from "../../provider/plugin/kinds";
import { VastProvider } from "../../provider/plugin/provider";
import { isWireSecret, markSecret, revealProps, SECRET_SIG, SIG_KEY, unwrapDeep, wrapSecret } from "../../provider/plugin/secrets";

const URN = "urn:pulumi:dev::proj::test:index:Thing::one";
const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });

/** A runtime that records the plain values it receives and answers with a key value. */
function fakeRuntime(readAnswer: Record<string, unknown> = {}) {
  const seen: Record<string, unknown[]> = {};
  const record = (op: string, ...args: unknown[]) => {
    seen[op] = args;
  };
  const runtime: ResourceRuntime = {
    configure: async (req) => record("configure", req.config.get("vast:apiKey"), req.config.get("vast:url")),
    check: async (olds, news) => {
      record("check", olds, news);
      return { inputs: news, failures: [] };
    },
    diff: async (...a) => {
      record("diff", ...a);
      return { changes: false };
    },
    create: async (inputs) => {
      record("create", inputs);
      return { id: "7", outs: { name: inputs.name, key: "k-value", keyId: 7, note: inputs.note } };
    },
    read: async (id, props) => {
      record("read", id, props);
      return readAnswer;
    },
    update: async (id, olds, news) => {
      record("update", id, olds, news);
      return { outs: { ...olds, ...news } };
    },
    delete: async (id, props) => record("delete", id, props),
  };
  return { runtime, seen };
}

function providerWith(runtime: ResourceRuntime) {
  const kind: ResourceKind = {
    token: "test:index:Thing",
    title: "thing",
    runtime,
    secretOutputs: ["key"],
    secretInputs: ["adopt"],
    nameInput: "name",
    schema: undefined as unknown as ResourceKind["schema"],
  };
  return new VastProvider({ version: "0.0.0", schema: "{}", kinds: new Map([[kind.token, kind]]) });
}

describe("secret values on the wire", () => {
  it("uses the protocol's signature, the same as the Pulumi SDK's", () => {
    expect(SIG_KEY).toBe(pulumi.runtime.specialSigKey);
    expect(SECRET_SIG).toBe(pulumi.runtime.specialSecretSig);
  });

  it("unwraps secrets at any depth and remembers which top-level fields held one", () => {
    const props = { a: secret("x"), b: { c: [1, secret({ d: secret(2) })] }, e: "plain" };
    expect(unwrapDeep(props)).toEqual({ a: "x", b: { c: [1, { d: 2 }] }, e: "plain" });
    const revealed = revealProps(props);
    expect(revealed.plain).toEqual({ a: "x", b: { c: [1, { d: 2 }] }, e: "plain" });
    expect([...revealed.secretFields].sort()).toEqual(["a", "b"]);
  });

  it("marks whole fields secret once, and leaves absent fields absent", () => {
    const marked = markSecret({ key: "v", nested: { x: secret(1) }, other: 1 }, ["key", "nested", "missing"]);
    expect(marked).toEqual({ key: secret("v"), nested: secret({ x: 1 }), other: 1 });
    expect("missing" in marked).toBe(false);
    expect(wrapSecret(secret("v"))).toEqual(secret("v"));
    expect(isWireSecret(marked.key)).toBe(true);
    expect(isWireSecret({ value: 1 })).toBe(false);
  });
});

describe("the provider's secrets", () => {
  it("hands the runtime plain values and returns the key value as a secret", async () => {
    const { runtime, seen } = fakeRuntime();
    const provider = providerWith(runtime);
    const created = await provider.create(URN, { name: "one", adopt: secret({ keyId: 1, key: "v" }) });
    expect(seen.create).toEqual([{ name: "one", adopt: { keyId: 1, key: "v" } }]);
    expect(created.outs).toEqual({ name: "one", key: secret("k-value"), keyId: 7 });
  });

  it("keeps a secret input secret in the outputs of the same name", async () => {
    const { runtime } = fakeRuntime();
    const created = await providerWith(runtime).create(URN, { name: "one", note: secret("classified") });
    expect(created.outs?.note).toEqual(secret("classified"));
  });

  it("stores adopt as a secret even when the program sent it in plain text, and fills the default name", async () => {
    const { runtime, seen } = fakeRuntime();
    const checked = await providerWith(runtime).check(URN, {}, { adopt: { keyId: 3, key: "v" }, permissions: { api: {} } });
    expect(seen.check?.[1]).toEqual({ adopt: { keyId: 3, key: "v" }, permissions: { api: {} }, name: "one" });
    expect(checked.inputs).toEqual({ adopt: secret({ keyId: 3, key: "v" }), permissions: { api: {} }, name: "one" });
  });

  it("unwraps stored state for read, update and delete, and marks the key again", async () => {
    const { runtime, seen } = fakeRuntime({ id: "7", props: { key: "k-value", name: "one" }, inputs: { name: "one" } });
    const provider = providerWith(runtime);
    const state = { key: secret("k-value"), name: "one" };
    const read = await provider.read("7", URN, state);
    expect(seen.read).toEqual(["7", { key: "k-value", name: "one" }]);
    expect(read).toEqual({ id: "7", props: { key: secret("k-value"), name: "one" }, inputs: { name: "one" } });
    const updated = await provider.update("7", URN, state, { name: "one" });
    expect(seen.update?.[1]).toEqual({ key: "k-value", name: "one" });
    expect(updated.outs?.key).toEqual(secret("k-value"));
    await provider.delete("7", URN, state);
    expect(seen.delete).toEqual(["7", { key: "k-value", name: "one" }]);
  });
});
