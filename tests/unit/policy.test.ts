/**
 * The policy pack's policies, called the way the SDK's analyzer calls them, with hand-built
 * arguments: each policy, its config variants, and values unknown at preview.
 */
import { API_KEY_TYPE, permissions, presets } from "pulumi-vast-api-keys";
import { CONFIG_SCHEMAS, PolicyConfigError } from "../../policy/src/config";
import { DOCUMENTED_CATEGORIES } from "../../policy/src/grants";
import { nameConvention, noBillingWriteIn, noFullAccess, rotationRequiredIn, vastKeyPolicies } from "../../policy/src/policies";
import { KEY_RESOURCE_TYPES } from "../../policy/src/resources";
import { UNKNOWN, UnknownValueError, violations } from "../helpers/policy";

const prod = { stack: "prod" };
const dev = { stack: "dev" };
const ALL_TYPES = Object.keys(KEY_RESOURCE_TYPES);
const withBilling = presets.instanceManagementWithBilling();
const rotating = { rotateAfterDays: 90 };

describe("resource types", () => {
  it("cover the dynamic VastApiKey as the package registers it, the RotatingVastApiKey and both plugin resources", () => {
    expect(KEY_RESOURCE_TYPES).toEqual({
      [API_KEY_TYPE]: "ApiKey",
      "pulumi-nodejs:dynamic/vast:RotatingApiKey": "RotatingApiKey",
      "vast:index:ApiKey": "ApiKey",
      "vast:index:RotatingApiKey": "RotatingApiKey",
    });
  });

  it.each(ALL_TYPES)("every policy inspects %s", async (type) => {
    const key = { type, name: "prod-admin", props: { name: "prod-admin", permissions: presets.fullAccess() } };
    for (const policy of vastKeyPolicies(prod)) {
      const config = policy.name === "name-convention" ? { pattern: "^never$" } : {};
      expect(await violations(policy, { ...key, config })).toHaveLength(1);
    }
  });

  it("other resources are not inspected, whatever their props", async () => {
    const other = { type: "aws:iam/accessKey:AccessKey", props: { name: "x", permissions: presets.fullAccess() } };
    for (const policy of vastKeyPolicies(prod)) expect(await violations(policy, { ...other, config: { pattern: "^never$" } })).toEqual([]);
  });

  it("full access means the package's documented categories", () => {
    expect(DOCUMENTED_CATEGORIES).toEqual(Object.keys(presets.fullAccess().api));
    expect(DOCUMENTED_CATEGORIES).toContain("billing_write");
  });
});

describe("no-billing-write-in", () => {
  const policy = noBillingWriteIn(prod);

  it("is mandatory and refuses a billing_write key in prod, naming the key and the fix", async () => {
    expect(policy.enforcementLevel).toBe("mandatory");
    const found = await violations(policy, { name: "prod-payments", props: { name: "vast-payments", permissions: withBilling } });
    expect(found).toEqual([expect.stringContaining('resource "prod-payments" (Vast key "vast-payments") grants billing_write')]);
    expect(found[0]).toContain('remove "billing_write" from permissions.api');
  });

  it("refuses billing_write granted for one endpoint only", async () => {
    const doc = permissions()
      .category("instance_read")
      .endpoint("billing_write", "api.billing.transfer", { amount: { lte: 5 } })
      .build();
    expect(await violations(policy, { props: { name: "prod-ci", permissions: doc } })).toHaveLength(1);
  });

  it("refuses a key without a permission document (Vast's full access)", async () => {
    const [msg] = await violations(policy, { props: { name: "prod-ci" } });
    expect(msg).toContain("no permission document, which Vast treats as full access");
  });

  it("passes keys without billing_write, and every key outside the configured stacks", async () => {
    expect(await violations(policy, { props: { name: "prod-ci", permissions: presets.instanceManagementWithoutBilling() } })).toEqual([]);
    expect(await violations(noBillingWriteIn(dev), { props: { name: "dev-ci", permissions: withBilling } })).toEqual([]);
  });

  it("applies to the configured stacks instead of prod, or to every stack with *", async () => {
    const key = { props: { name: "k", permissions: withBilling } };
    expect(await violations(noBillingWriteIn({ stack: "staging" }), { ...key, config: { stacks: ["staging", "prod"] } })).toHaveLength(1);
    expect(await violations(policy, { ...key, config: { stacks: ["staging"] } })).toEqual([]);
    expect(await violations(noBillingWriteIn(dev), { ...key, config: { stacks: ["*"] } })).toHaveLength(1);
  });

  it("judges a document whose billing_write is known even when other parts are unknown", async () => {
    const doc = { api: { billing_write: {}, misc: UNKNOWN } };
    expect(await violations(policy, { props: { name: "prod-ci", permissions: doc } })).toHaveLength(1);
    const without = { api: { instance_read: UNKNOWN } };
    expect(await violations(policy, { props: { name: "prod-ci", permissions: without } })).toEqual([]);
  });

  it("leaves unknown permissions to the SDK (advisory at preview, checked again at up)", async () => {
    await expect(violations(policy, { props: { name: "prod-ci", permissions: UNKNOWN } })).rejects.toBeInstanceOf(UnknownValueError);
    await expect(violations(policy, { props: { name: "prod-ci", permissions: { api: UNKNOWN } } })).rejects.toThrow(
      "value at .permissions.api can't be known during preview",
    );
  });

  it("still names the key when only its Vast name is unknown", async () => {
    const [msg] = await violations(policy, { name: "prod-ci", props: { name: UNKNOWN, permissions: withBilling } });
    expect(msg).toContain('resource "prod-ci" (Vast key name not known until the update) grants billing_write');
  });

  it("refuses a malformed config naming the setting", async () => {
    const key = { props: { name: "k", permissions: withBilling } };
    await expect(violations(policy, { ...key, config: { stacks: "prod" } })).rejects.toThrow(
      'policy pack config "no-billing-write-in": setting "stacks" must be a list of stack names',
    );
    await expect(violations(policy, { ...key, config: { stack: ["dev"] } })).rejects.toThrow('unknown setting(s) "stack"; known: stacks');
  });
});

describe("no-full-access", () => {
  const policy = noFullAccess(prod);
  const full = presets.fullAccess();

  it("is advisory by default and flags a key with every documented category, saying how to allow it", async () => {
    expect(policy.enforcementLevel).toBe("advisory");
    const [msg] = await violations(policy, { name: "ops-admin", props: { name: "ops-admin", permissions: full } });
    expect(msg).toContain('resource "ops-admin" (Vast key "ops-admin") grants every documented category (full access)');
    expect(msg).toContain('{"no-full-access": {"allowed": {"ops-admin": "<why it needs full access>"}}}');
  });

  it("flags full access in every stack, with whole categories written as {} or a * child, and with extra categories", async () => {
    const star = { api: Object.fromEntries(DOCUMENTED_CATEGORIES.map((c) => [c, { "*": {} }])) };
    const more = { api: { ...full.api, agents_read: {}, agents_write: {} } };
    for (const doc of [full, star, more])
      expect(await violations(noFullAccess(dev), { props: { name: "k", permissions: doc } })).toHaveLength(1);
    expect((await violations(policy, { props: { name: "k" } }))[0]).toContain("no permission document, which Vast treats as full access");
  });

  it("passes keys missing a category or holding only endpoints of one", async () => {
    const { team_write: _dropped, ...missing } = full.api;
    const partial = { api: { ...full.api, team_write: { "api.team.invite": {} } } };
    for (const doc of [{ api: missing }, partial, presets.instanceManagementWithBilling()]) {
      expect(await violations(policy, { props: { name: "k", permissions: doc } })).toEqual([]);
    }
  });

  it("passes keys allowed by resource name or Vast key name, and refuses an allowance without a reason", async () => {
    const key = { name: "ops-admin", props: { name: "vast-ops-admin", permissions: full } };
    expect(await violations(policy, { ...key, config: { allowed: { "ops-admin": "break-glass key, kept offline" } } })).toEqual([]);
    expect(await violations(policy, { ...key, config: { allowed: { "vast-ops-admin": "break-glass key" } } })).toEqual([]);
    expect(await violations(policy, { ...key, config: { allowed: { "other-key": "other" } } })).toHaveLength(1);
    await expect(violations(policy, { ...key, config: { allowed: { "ops-admin": " " } } })).rejects.toThrow(
      'setting "allowed" must map key names to the reason',
    );
    await expect(violations(policy, { ...key, config: { allowed: ["ops-admin"] } })).rejects.toThrow(PolicyConfigError);
  });

  it("needs every category body known, unless a category is known to be missing", async () => {
    const unknownBody = { api: { ...full.api, misc: UNKNOWN } };
    await expect(violations(policy, { props: { name: "k", permissions: unknownBody } })).rejects.toThrow(
      "value at .permissions.api.misc can't be known during preview",
    );
    const { misc: _m, ...rest } = full.api;
    const knownMissing = { api: { ...rest, team_write: UNKNOWN } };
    expect(await violations(policy, { props: { name: "k", permissions: knownMissing } })).toEqual([]);
  });
});

describe("rotation-required-in", () => {
  const policy = rotationRequiredIn(prod);
  const perms = presets.readOnly();

  it("is mandatory and refuses a prod key without rotateAfterDays, naming both ways to fix it", async () => {
    expect(policy.enforcementLevel).toBe("mandatory");
    const [msg, ...rest] = await violations(policy, { name: "prod-monitoring", props: { name: "prod-monitoring", permissions: perms } });
    expect(rest).toEqual([]);
    expect(msg).toContain('resource "prod-monitoring" (Vast key "prod-monitoring") has no rotateAfterDays');
    expect(msg).toContain("set rotateAfterDays to 90 or less, or use a RotatingVastApiKey");
  });

  it.each([
    [{}, 90, []],
    [{}, 91, ["has rotateAfterDays 91"]],
    [{ maxDays: 30 }, 30, []],
    [
      { maxDays: 30 },
      60,
      ['has rotateAfterDays 60 and stack "prod" requires rotation at least every 30 days: set rotateAfterDays to 30 or less'],
    ],
  ])("with config %j, rotateAfterDays %d gives %j", async (config, days, expected) => {
    const found = await violations(policy, { config, props: { name: "k", permissions: perms, rotateAfterDays: days } });
    expect(found).toEqual(expected.map((e) => expect.stringContaining(e)));
  });

  it.each([["pulumi-nodejs:dynamic/vast:RotatingApiKey"], ["vast:index:RotatingApiKey"]])(
    "a %s satisfies it with rotateEveryDays at or below the maximum",
    async (type) => {
      const key = (rotateEveryDays?: number) => ({ type, props: { name: "k", permissions: perms, rotateEveryDays, overlapDays: 2 } });
      expect(await violations(policy, key(30))).toEqual([]);
      expect(await violations(policy, key(90))).toEqual([]);
      expect(await violations(policy, key(120))).toEqual([expect.stringContaining("has rotateEveryDays 120")]);
      expect(await violations(policy, key(undefined))).toEqual([expect.stringContaining("has no rotateEveryDays")]);
    },
  );

  it("treats the plugin's ApiKey like the dynamic one", async () => {
    const type = "vast:index:ApiKey";
    expect(await violations(policy, { type, props: { name: "k", permissions: perms, ...rotating } })).toEqual([]);
    expect(await violations(policy, { type, props: { name: "k", permissions: perms } })).toHaveLength(1);
  });

  it("applies only to the configured stacks", async () => {
    const key = { props: { name: "k", permissions: perms } };
    expect(await violations(rotationRequiredIn(dev), key)).toEqual([]);
    expect(await violations(rotationRequiredIn(dev), { ...key, config: { stacks: ["dev"] } })).toHaveLength(1);
    expect(await violations(policy, { ...key, config: { stacks: ["staging"] } })).toEqual([]);
  });

  it("leaves an unknown rotateAfterDays to the SDK", async () => {
    await expect(violations(policy, { props: { name: "k", permissions: perms, rotateAfterDays: UNKNOWN } })).rejects.toThrow(
      "value at .rotateAfterDays can't be known during preview",
    );
  });

  it("refuses a maximum that is not a positive number", async () => {
    const key = { props: { name: "k", permissions: perms, ...rotating } };
    await expect(violations(policy, { ...key, config: { maxDays: 0 } })).rejects.toThrow(
      'setting "maxDays" must be a number of days greater than 0',
    );
    await expect(violations(policy, { ...key, config: { maxDays: "90" } })).rejects.toThrow(PolicyConfigError);
  });
});

describe("name-convention", () => {
  const policy = nameConvention(prod);
  const perms = presets.readOnly();

  it("checks nothing without a pattern", async () => {
    expect(await violations(policy, { props: { name: "anything at all", permissions: perms } })).toEqual([]);
  });

  it("refuses a Vast key name not matching the pattern, with {stack} standing for the stack", async () => {
    const config = { pattern: "^{stack}-[a-z-]+$" };
    expect(await violations(policy, { config, props: { name: "prod-ci", permissions: perms } })).toEqual([]);
    const [msg] = await violations(policy, { config, name: "ci", props: { name: "CI key", permissions: perms } });
    expect(msg).toContain('resource "ci" (Vast key "CI key"): the Vast key name "CI key" does not match /^prod-[a-z-]+$/');
    expect(msg).toContain("set its name input");
  });

  it("escapes the stack name and falls back to the resource name when the key has no name input", async () => {
    const config = { pattern: "^{stack}-" };
    const odd = nameConvention({ stack: "a.b" });
    expect(await violations(odd, { config, props: { name: "a.b-ci", permissions: perms } })).toEqual([]);
    expect(await violations(odd, { config, props: { name: "aXb-ci", permissions: perms } })).toHaveLength(1);
    expect(await violations(policy, { config, type: "vast:index:ApiKey", name: "prod-ci", props: { permissions: perms } })).toEqual([]);
  });

  it("leaves an unknown name to the SDK, and refuses an invalid pattern", async () => {
    await expect(violations(policy, { config: { pattern: "^p" }, props: { name: UNKNOWN, permissions: perms } })).rejects.toBeInstanceOf(
      UnknownValueError,
    );
    await expect(violations(policy, { config: { pattern: "([" }, props: { name: "k", permissions: perms } })).rejects.toThrow(
      'policy pack config "name-convention": setting "pattern" is not a valid regular expression',
    );
  });
});

describe("the pack's policies", () => {
  it("are the four documented ones, each with a config schema whose defaults the engine fills in", () => {
    const policies = vastKeyPolicies(prod);
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["no-billing-write-in", "mandatory"],
      ["no-full-access", "advisory"],
      ["rotation-required-in", "mandatory"],
      ["name-convention", "mandatory"],
    ]);
    for (const p of policies) expect(p.configSchema).toBe(CONFIG_SCHEMAS[p.name as keyof typeof CONFIG_SCHEMAS]);
    expect(CONFIG_SCHEMAS["rotation-required-in"].properties).toMatchObject({ stacks: { default: ["prod"] }, maxDays: { default: 90 } });
  });
});
