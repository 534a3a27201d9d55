import { validateInputs } from "../../provider/inputs";
import { canonicalJson, KNOWN_CATEGORIES, permissionDocSchema, permissions, presets, unknownCategories } from "../../provider/permissions";

describe("permission documents", () => {
  it.each([
    ["whole categories", { api: { instance_read: {}, misc: {} } }],
    [
      "docs example: constrained endpoint",
      { api: { instance_read: { "api.instance.request_logs": { constraints: { id: { eq: 1227 } } } } } },
    ],
    ["docs example: range", { api: { instance_read: { "api.instance.request_logs": { constraints: { id: { lte: 2, gte: 1 } } } } } }],
    ["wildcard child", { api: { team_read: { "*": {} } } }],
    ["params are opaque", { api: { misc: { "api.misc.search": { params: { gpu: "*" } } } } }],
  ])("accepts %s", (_name, doc) => {
    expect(permissionDocSchema.safeParse(doc).success).toBe(true);
  });

  it.each([
    ["missing api", {}, "permissions.api: required. Vast treats a missing or empty permission document as FULL access"],
    ["no categories", { api: {} }, "permissions.api: grants nothing. Vast treats a missing or empty permission document as FULL access"],
    ["api not an object", { api: 5 }, "permissions.api: api must be an object"],
    ["extra top-level key", { api: { misc: {} }, read: true }, 'permissions: unknown field(s) "read"'],
    ["OAS placeholder format", { read: true, write: false }, 'permissions: unknown field(s) "read", "write"'],
    ["category not an object", { api: { misc: true } }, "permissions.api.misc: category must be an object"],
    [
      "bad endpoint name",
      { api: { misc: { search: {} } } },
      "permissions.api.misc.search: endpoint permission names look like api.<area>.<action>",
    ],
    [
      "unknown operator",
      { api: { misc: { "api.a.b": { constraints: { id: { neq: 1 } } } } } },
      'permissions.api.misc.api.a.b.constraints.id: unknown operator "neq"; allowed: eq, lte, gte',
    ],
    [
      "lte not a number",
      { api: { misc: { "api.a.b": { constraints: { id: { lte: "5" } } } } } },
      'constraints.id.lte: operator "lte" needs a finite number',
    ],
    ["empty range", { api: { misc: { "api.a.b": { constraints: { id: { gte: 5, lte: 1 } } } } } }, "constraints.id: empty range"],
    ["empty constraint", { api: { misc: { "api.a.b": { constraints: { id: {} } } } } }, "constraints.id: empty constraint"],
    ["unknown endpoint field", { api: { misc: { "api.a.b": { limit: 1 } } } }, 'permissions.api.misc.api.a.b: unknown field(s) "limit"'],
  ])("rejects %s with the property path and the rule", (_name, doc, message) => {
    expect(permissionDocSchema.safeParse(doc).success).toBe(false);
    const shown = validateInputs({ name: "k", permissions: doc }).failures.map((f) => `${f.property}: ${f.reason}`);
    expect(shown.join("\n")).toContain(message);
  });

  it("canonical JSON ignores object key order at every level", () => {
    const a = { api: { misc: {}, instance_read: { "api.x.y": { constraints: { id: { gte: 1, lte: 2 } } } } } };
    const b = { api: { instance_read: { "api.x.y": { constraints: { id: { lte: 2, gte: 1 } } } }, misc: {} } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).not.toBe(canonicalJson({ api: { misc: {} } }));
  });

  it("builder produces validated plain documents", () => {
    const doc = permissions()
      .category("instance_read")
      .endpoint("instance_write", "api.instance.destroy", { id: { eq: 1227 } })
      .build();
    expect(doc).toEqual({
      api: { instance_read: {}, instance_write: { "api.instance.destroy": { constraints: { id: { eq: 1227 } } } } },
    });
    expect(() => permissions().endpoint("misc", "not-an-endpoint").build()).toThrow(/api.<area>.<action>/);
  });

  it("presets match the Vast docs' scoping examples and are independent copies", () => {
    expect(presets.instanceManagementWithoutBilling()).toEqual({
      api: { misc: {}, user_read: {}, instance_read: {}, instance_write: {} },
    });
    expect(Object.keys(presets.readOnly().api).every((c) => c.endsWith("_read"))).toBe(true);
    expect(Object.keys(presets.instanceManagementOnly().api).sort()).toEqual(["instance_read", "instance_write"]);
    expect(presets.instanceManagementWithBilling().api).toHaveProperty("billing_write");
    expect(Object.keys(presets.fullAccess().api)).toHaveLength(11);
    const a = presets.readOnly();
    a.api.misc = {};
    expect(presets.readOnly().api).not.toHaveProperty("misc");
    for (const preset of Object.values(presets)) expect(permissionDocSchema.safeParse(preset()).success).toBe(true);
  });

  it("reports categories Vast does not document", () => {
    expect(unknownCategories({ api: { instance_read: {}, gpu_magic: {} } })).toEqual(["gpu_magic"]);
    expect(unknownCategories({ api: Object.fromEntries(KNOWN_CATEGORIES.map((c) => [c, {}])) })).toEqual([]);
  });
});
