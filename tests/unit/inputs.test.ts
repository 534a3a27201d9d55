import { VastInputError } from "../../provider/errors";
import { parseInputs, UNKNOWN_VALUE, validateInputs } from "../../provider/inputs";

const ok = { name: "ci", permissions: { api: { misc: {} } } };

describe("input validation", () => {
  it("accepts valid inputs and ignores __provider", () => {
    const r = validateInputs({ ...ok, keyParams: "x", rotateAfterDays: 90, __provider: "code" });
    expect(r.failures).toEqual([]);
    expect(r.inputs).toMatchObject({ name: "ci", keyParams: "x", rotateAfterDays: 90 });
  });

  it("names the property path and the rule", () => {
    const r = validateInputs({
      name: "x",
      permissions: { api: { instance_write: { "api.instance.destroy": { constraints: { id: { neq: 3 } } } } } },
    });
    expect(r.failures).toEqual([
      {
        property: "permissions.api.instance_write.api.instance.destroy.constraints.id",
        reason: 'unknown operator "neq"; allowed: eq, lte, gte',
      },
    ]);
  });

  it.each([
    [{ ...ok, name: "n".repeat(256) }, "name", "at most 255"],
    [{ ...ok, name: "a\nb" }, "name", "control characters"],
    [{ name: "x" }, "permissions", "permissions must be an object"],
    [{ ...ok, keyParams: 3 }, "keyParams", "must be a string"],
    [{ ...ok, rotateAfterDays: 0 }, "rotateAfterDays", "greater than 0"],
    [{ ...ok, adopt: { keyId: -1 } }, "adopt.keyId", "positive"],
  ])("rejects %j at %s", (input, property, reason) => {
    const r = validateInputs(input as Record<string, unknown>);
    expect(r.failures[0]?.property).toBe(property);
    expect(r.failures[0]?.reason).toContain(reason);
  });

  it('accepts name "" (a key without a name, as the console makes them)', () => {
    expect(validateInputs({ ...ok, name: "" })).toMatchObject({ failures: [], inputs: { name: "" } });
  });

  it("refuses a misspelt field inside adopt, naming it and never echoing its value", () => {
    const value = "f".repeat(64);
    const r = validateInputs({ ...ok, adopt: { keyId: 7, Key: value } });
    expect(r.failures).toEqual([{ property: "adopt", reason: 'unknown field(s) "Key"' }]);
    expect(JSON.stringify(r)).not.toContain(value);
  });

  it("warns, without failing, about undocumented categories", () => {
    const r = validateInputs({ name: "x", permissions: { api: { agents_read: {}, brand_new: {} } } });
    expect(r.failures).toEqual([]);
    expect(r.warnings).toEqual([expect.stringContaining("permissions.api.brand_new")]);
  });

  it("tolerates unknown values during preview, still validating the known ones", () => {
    expect(validateInputs({ name: UNKNOWN_VALUE, permissions: { api: { misc: {} } } })).toMatchObject({ failures: [], hasUnknowns: true });
    const nested = { name: "x", permissions: { api: { misc: { "api.a.b": { constraints: { id: { eq: UNKNOWN_VALUE } } } } } } };
    expect(validateInputs(nested)).toMatchObject({ failures: [], hasUnknowns: true });
    expect(validateInputs({ name: "a\nb", permissions: UNKNOWN_VALUE }).failures[0]?.property).toBe("name");
  });

  it("parseInputs throws a VastInputError listing every failure", () => {
    expect.assertions(3);
    try {
      parseInputs({ name: "a\nb", permissions: { api: { misc: 1 } } });
    } catch (err) {
      expect(err).toBeInstanceOf(VastInputError);
      expect((err as VastInputError).code).toBe("VAST_INVALID_INPUT");
      expect((err as Error).message).toMatch(/name: .*; permissions\.api\.misc: /);
    }
  });

  it("parseInputs refuses inputs that are still unknown", () => {
    expect(() => parseInputs({ name: UNKNOWN_VALUE, permissions: { api: { misc: {} } } })).toThrow(/name: value is still unknown/);
  });
});
