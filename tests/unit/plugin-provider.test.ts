/**
 * The plugin's provider over the real runtime, without the network: the same validation messages
 * as the dynamic resource, provider configuration that is either used or refused (never ignored),
 * and dispatch by the type token in the URN.
 */

import { checkProviderConfig, configureRequest, parseProviderConfig } from "../../provider/plugin/config";
import { parseUrn, VastProvider } from "../../provider/plugin/provider";
import * as rotatingRuntime from "../../provider/rotating/runtime";
import * as runtime from "../../provider/runtime";
import { BAD_INPUTS, VALID_INPUTS } from "../helpers/bad-inputs";

const URN = "urn:pulumi:dev::proj::vast:index:ApiKey::ci-deploy";
const ROTATING_URN = "urn:pulumi:prod::proj::vast:index:RotatingApiKey::autoscaler";
const provider = new VastProvider({ version: "0.0.0", schema: "{}" });

describe("validation through the plugin", () => {
  const cases = BAD_INPUTS.filter(([label]) => label !== "name missing");

  it.each(cases)("%s: the same failures as the dynamic resource", async (_label, inputs) => {
    const viaPlugin = await provider.check(URN, {}, inputs);
    const viaDynamic = await runtime.check({}, inputs);
    expect(viaPlugin.failures).toEqual(viaDynamic.failures);
    expect(viaPlugin.failures?.length).toBeGreaterThan(0);
  });

  it("defaults the key name to the resource name, as VastApiKey does", async () => {
    const { name: _n, ...rest } = VALID_INPUTS;
    const checked = await provider.check(URN, {}, rest);
    expect(checked.failures).toEqual([]);
    expect(checked.inputs?.name).toBe("ci-deploy");
  });

  it("refuses an id that is not a Vast key id before any API call", async () => {
    await expect(provider.read("abc", URN, {})).rejects.toMatchObject({
      code: "VAST_INVALID_INPUT",
      message: expect.stringMatching(/^id: /),
    });
  });
});

describe("vast:index:RotatingApiKey through the plugin", () => {
  const valid = { ...VALID_INPUTS, rotateEveryDays: 30 };
  /** VastApiKey's rules for the fields both share, and the schedule's own. */
  const cases: Array<[string, Record<string, unknown>]> = [
    ...BAD_INPUTS.filter(([label]) =>
      /^(name with newline|permissions (missing|without api)|category upper case|keyParams a number)$/.test(label),
    ).map(([label, inputs]): [string, Record<string, unknown>] => [label, { ...inputs, rotateEveryDays: 30 }]),
    ["empty name (keys are named <name>-<n>)", { ...valid, name: "" }],
    ["name too long for <name>-<n>", { ...valid, name: "n".repeat(241) }],
    ["rotateEveryDays missing", { ...VALID_INPUTS }],
    ["rotateEveryDays zero", { ...valid, rotateEveryDays: 0 }],
    ["rotateEveryDays a string", { ...valid, rotateEveryDays: "30" }],
    ["overlapDays negative", { ...valid, overlapDays: -1 }],
    ["overlapDays not below rotateEveryDays", { ...valid, overlapDays: 30 }],
  ];

  it.each(cases)("%s: the same failures as RotatingVastApiKey", async (_label, inputs) => {
    const viaPlugin = await provider.check(ROTATING_URN, {}, inputs);
    const viaDynamic = await rotatingRuntime.check({}, inputs);
    expect(viaPlugin.failures?.length).toBeGreaterThan(0);
    expect(viaPlugin.failures).toEqual(viaDynamic.failures);
  });

  it("names the field and the rule, e.g. for an overlap as long as the period", async () => {
    expect((await provider.check(ROTATING_URN, {}, { ...valid, overlapDays: 30 })).failures).toEqual([
      { property: "overlapDays", reason: "must be less than rotateEveryDays (30): the previous key is retired before the next rotation" },
    ]);
  });

  it("defaults the base name to the resource name and fills the default overlap, as RotatingVastApiKey does", async () => {
    const checked = await provider.check(ROTATING_URN, {}, { permissions: VALID_INPUTS.permissions, rotateEveryDays: 30 });
    expect(checked.failures).toEqual([]);
    expect(checked.inputs).toMatchObject({ name: "autoscaler", overlapDays: 7.5 });
  });

  it("refuses pulumi import (a read by id alone) before any API call, pointing at ApiKey for single keys", async () => {
    await expect(provider.read("1234", ROTATING_URN, {})).rejects.toMatchObject({
      code: "VAST_INVALID_INPUT",
      message: expect.stringMatching(
        /^cannot import vast:index:RotatingApiKey "autoscaler": .*pulumi import vast:index:ApiKey <name> <key id>/,
      ),
    });
  });
});

describe("resource types", () => {
  it("reads type and name from a URN, also for a child resource", () => {
    expect(parseUrn(URN)).toEqual({ type: "vast:index:ApiKey", name: "ci-deploy" });
    expect(parseUrn("urn:pulumi:dev::proj::my:x:Parent$vast:index:ApiKey::a::b")).toEqual({ type: "vast:index:ApiKey", name: "a::b" });
    expect(() => parseUrn("vast:index:ApiKey")).toThrow(/malformed resource URN/);
  });

  it("refuses a type it does not serve, naming the ones it does", async () => {
    await expect(provider.check("urn:pulumi:dev::proj::vast:index:Nope::x", {}, {})).rejects.toThrow(
      'the vast provider has no resource type "vast:index:Nope" (it serves vast:index:ApiKey, vast:index:RotatingApiKey)',
    );
  });
});

describe("provider configuration", () => {
  it("accepts vast:apiKey and vast:url, and the engine's own version key", () => {
    expect(checkProviderConfig({ apiKey: "k", url: "http://127.0.0.1:8080", version: "0.1.0" })).toEqual([]);
  });

  it("refuses what would otherwise be ignored: a misspelt key, an empty key, a non-string, a bad URL", () => {
    const failures = checkProviderConfig({ apikey: "k", apiKey: " ", url: 5 });
    expect(failures).toEqual([
      {
        property: "apikey",
        reason: expect.stringContaining("unknown configuration key vast:apikey; the vast provider reads vast:apiKey and vast:url"),
      },
      { property: "apiKey", reason: expect.stringContaining("vast:apiKey is set but empty") },
      { property: "url", reason: "vast:url must be a string" },
    ]);
    expect(checkProviderConfig({ url: "http://vast.example.com" })).toEqual([
      { property: "url", reason: expect.stringContaining("plain http to a host that is not loopback") },
    ]);
  });

  it("accepts values not known yet (preview)", () => {
    expect(checkProviderConfig({ apiKey: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" })).toEqual([]);
  });

  it("reads Configure's structured arguments (secrets unwrapped), else its <pkg>:config:<key> variables", () => {
    const secretKey = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "k1" };
    expect(parseProviderConfig({ apiKey: secretKey, url: "http://127.0.0.1:1", version: "1" }, new Map())).toEqual({
      apiKey: "k1",
      url: "http://127.0.0.1:1",
    });
    expect(parseProviderConfig(undefined, new Map([["vast:config:apiKey", "k2"]]))).toEqual({ apiKey: "k2" });
    expect(() => parseProviderConfig({ apiKeys: "k" }, new Map())).toThrow(
      /invalid vast provider configuration: unknown configuration key vast:apiKeys/,
    );
  });

  it("presents the values to the runtime as stack config", () => {
    const req = configureRequest({ apiKey: "k", url: "http://127.0.0.1:1" });
    expect([req.config.get("vast:apiKey"), req.config.get("vast:url"), req.config.get("vast:other")]).toEqual([
      "k",
      "http://127.0.0.1:1",
      undefined,
    ]);
    expect(() => configureRequest({}).config.require("vast:apiKey")).toThrow(/vast:apiKey/);
  });
});
