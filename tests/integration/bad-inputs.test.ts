/**
 * A corpus of malformed inputs (names, permission documents, key params and the other fields):
 * every one must fail in `check` with a property path, and `create` must refuse it too, with
 * zero API calls, counted at the emulator.
 */
import { vastApiKeyProvider as provider } from "pulumi-vast-api-keys";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { useAccount } from "../helpers/provider";

const ok = { name: "ok", permissions: { api: { misc: {} } } };
const c = (constraints: unknown) => ({ ...ok, permissions: { api: { misc: { "api.a.b": { constraints } } } } });
const api = (body: unknown) => ({ ...ok, permissions: { api: body } });

const CORPUS: Array<[string, Record<string, unknown>, string]> = [
  ["empty name", { ...ok, name: "" }, "name"],
  ["name too long", { ...ok, name: "n".repeat(256) }, "name"],
  ["name with newline", { ...ok, name: "ci\n" }, "name"],
  ["name with tab", { ...ok, name: "a\tb" }, "name"],
  ["name with NUL", { ...ok, name: "a\u0000b" }, "name"],
  ["name is a number", { ...ok, name: 5 }, "name"],
  ["name is null", { ...ok, name: null }, "name"],
  ["name is a boolean", { ...ok, name: true }, "name"],
  ["name is an object", { ...ok, name: {} }, "name"],
  ["name missing", { permissions: ok.permissions }, "name"],
  ["permissions missing", { name: "x" }, "permissions"],
  ["permissions null", { ...ok, permissions: null }, "permissions"],
  ["permissions a string", { ...ok, permissions: "read" }, "permissions"],
  ["permissions a number", { ...ok, permissions: 42 }, "permissions"],
  ["permissions an array", { ...ok, permissions: [] }, "permissions"],
  ["permissions without api", { ...ok, permissions: {} }, "permissions"],
  ["permissions grant nothing", api({}), "permissions.api"],
  ["OAS placeholder format", { ...ok, permissions: { read: true, write: false } }, "permissions"],
  ["extra top-level key", { ...ok, permissions: { api: {}, extra: 1 } }, "permissions"],
  ["api null", api(null), "permissions.api"],
  ["api an array", api([]), "permissions.api"],
  ["api a string", api("all"), "permissions.api"],
  ["category null", api({ misc: null }), "permissions.api.misc"],
  ["category an array", api({ misc: [] }), "permissions.api.misc"],
  ["category a string", api({ misc: "all" }), "permissions.api.misc"],
  ["category true", api({ misc: true }), "permissions.api.misc"],
  ["category upper case", api({ Misc: {} }), "permissions.api.Misc"],
  ["category with dash", api({ "instance-read": {} }), "permissions.api.instance-read"],
  ["category starting with digit", api({ "1x": {} }), "permissions.api.1x"],
  ["endpoint without api prefix", api({ misc: { show: {} } }), "permissions.api.misc.show"],
  ["endpoint 'api' alone", api({ misc: { api: {} } }), "permissions.api.misc.api"],
  ["endpoint with trailing dot", api({ misc: { "api.": {} } }), "permissions.api.misc.api."],
  ["endpoint with space", api({ misc: { "api.a b": {} } }), "permissions.api.misc.api.a b"],
  ["endpoint body null", api({ misc: { "api.a.b": null } }), "permissions.api.misc.api.a.b"],
  ["endpoint body a string", api({ misc: { "api.a.b": "yes" } }), "permissions.api.misc.api.a.b"],
  ["misspelled constraints", api({ misc: { "api.a.b": { constraint: {} } } }), "permissions.api.misc.api.a.b"],
  ["constraints null", c(null), "permissions.api.misc.api.a.b.constraints"],
  ["constraints an array", c([]), "permissions.api.misc.api.a.b.constraints"],
  ["constraints empty", c({}), "permissions.api.misc.api.a.b.constraints"],
  ["constraint null", c({ id: null }), "permissions.api.misc.api.a.b.constraints.id"],
  ["constraint empty", c({ id: {} }), "permissions.api.misc.api.a.b.constraints.id"],
  ["operator neq", c({ id: { neq: 1 } }), "permissions.api.misc.api.a.b.constraints.id"],
  ["operator in", c({ id: { in: [1, 2] } }), "permissions.api.misc.api.a.b.constraints.id"],
  ["operator gt", c({ id: { gt: 1 } }), "permissions.api.misc.api.a.b.constraints.id"],
  ["operator lt", c({ id: { lt: 1 } }), "permissions.api.misc.api.a.b.constraints.id"],
  ["operator EQ upper case", c({ id: { EQ: 1 } }), "permissions.api.misc.api.a.b.constraints.id"],
  ["lte a string", c({ id: { lte: "5" } }), "permissions.api.misc.api.a.b.constraints.id.lte"],
  ["gte null", c({ id: { gte: null } }), "permissions.api.misc.api.a.b.constraints.id.gte"],
  ["lte infinite", c({ id: { lte: Number.POSITIVE_INFINITY } }), "permissions.api.misc.api.a.b.constraints.id.lte"],
  ["eq an object", c({ id: { eq: {} } }), "permissions.api.misc.api.a.b.constraints.id.eq"],
  ["eq an array", c({ id: { eq: [1] } }), "permissions.api.misc.api.a.b.constraints.id.eq"],
  ["empty range", c({ id: { gte: 5, lte: 1 } }), "permissions.api.misc.api.a.b.constraints.id"],
  ["parameter name with space", c({ "bad param": { eq: 1 } }), "permissions.api.misc.api.a.b.constraints.bad param"],
  ["params a string", api({ misc: { "api.a.b": { params: "x" } } }), "permissions.api.misc.api.a.b.params"],
  ["keyParams a number", { ...ok, keyParams: 5 }, "keyParams"],
  ["keyParams an object", { ...ok, keyParams: { ip_whitelist: ["1.2.3.4"] } }, "keyParams"],
  ["keyParams an array", { ...ok, keyParams: [] }, "keyParams"],
  ["keyParams a boolean", { ...ok, keyParams: true }, "keyParams"],
  ["keyParams too long", { ...ok, keyParams: "p".repeat(4097) }, "keyParams"],
  ["rotateAfterDays zero", { ...ok, rotateAfterDays: 0 }, "rotateAfterDays"],
  ["rotateAfterDays negative", { ...ok, rotateAfterDays: -1 }, "rotateAfterDays"],
  ["rotateAfterDays a string", { ...ok, rotateAfterDays: "90" }, "rotateAfterDays"],
  ["rotateAfterDays absurd", { ...ok, rotateAfterDays: 36501 }, "rotateAfterDays"],
  ["rotationTrigger a number", { ...ok, rotationTrigger: 5 }, "rotationTrigger"],
  ["rotationTrigger too long", { ...ok, rotationTrigger: "t".repeat(1025) }, "rotationTrigger"],
  ["adopt a string", { ...ok, adopt: "5" }, "adopt"],
  ["adopt without keyId", { ...ok, adopt: {} }, "adopt.keyId"],
  ["adopt keyId zero", { ...ok, adopt: { keyId: 0 } }, "adopt.keyId"],
  ["adopt keyId fractional", { ...ok, adopt: { keyId: 1.5 } }, "adopt.keyId"],
  ["adopt keyId a string", { ...ok, adopt: { keyId: "1" } }, "adopt.keyId"],
  ["adopt empty key value", { ...ok, adopt: { keyId: 1, key: "" } }, "adopt.key"],
];

let emu: EmulatorProcess;
let since = 0;
beforeAll(async () => {
  emu = await startEmulatorProcess();
  const account = await emu.newAccount();
  await useAccount(provider, emu.url, account.apiKey);
  since = (await emu.admin.requests()).at(-1)?.seq ?? 0;
});
afterAll(async () => emu?.stop());

describe("malformed inputs", () => {
  it("starts from a well-formed input that passes check, so each failure comes from its one change", async () => {
    expect(await provider.check?.({}, ok)).toEqual({ inputs: ok, failures: [] });
  });

  it.each([
    ["an empty grant", api({})],
    ["no permission document", { ...ok, permissions: {} }],
  ])("refuses %s, which Vast would read as full access, pointing to presets.fullAccess()", async (_label, inputs) => {
    const result = await provider.check?.({}, inputs);
    expect(result?.failures).toEqual([
      { property: "permissions.api", reason: expect.stringMatching(/FULL access.*presets\.fullAccess\(\)/) },
    ]);
  });

  it.each(CORPUS)("%s fails in check at its property path, and create refuses it", async (_label, inputs, property) => {
    const result = await provider.check?.({}, inputs);
    expect(result?.failures?.length).toBeGreaterThan(0);
    const failure = result?.failures?.find((f) => f.property === property || f.property.startsWith(`${property}.`));
    expect(failure).toBeDefined();
    expect(failure?.reason.length).toBeGreaterThan(5);
    await expect(provider.create(inputs)).rejects.toMatchObject({ code: "VAST_INVALID_INPUT" });
  });

  it("made zero API calls", async () => {
    expect(await emu.admin.requests(since)).toEqual([]);
  });
});
