import { now } from "../../provider/clock";
import { UNKNOWN_VALUE, validateInputs } from "../../provider/inputs";
import { presets } from "../../provider/permissions";
import { parseRotatingInputs, validateRotatingInputs } from "../../provider/rotating/inputs";
import { ROTATING_STATE_SCHEMA_VERSION, upgradeRotatingState } from "../../provider/rotating/state";

const PERMS = presets.readOnly();
const valid = { name: "autoscaler", permissions: PERMS, rotateEveryDays: 30 };

describe("RotatingVastApiKey inputs", () => {
  it("fills overlapDays with a quarter of rotateEveryDays", () => {
    const r = validateRotatingInputs(valid);
    expect(r.failures).toEqual([]);
    expect(r.inputs.overlapDays).toBe(7.5);
    expect(r.parsed).toMatchObject({ ...valid, overlapDays: 7.5 });
  });

  it("keeps an explicit overlapDays, 0 included", () => {
    expect(validateRotatingInputs({ ...valid, overlapDays: 0 }).parsed?.overlapDays).toBe(0);
    expect(validateRotatingInputs({ ...valid, overlapDays: 29.5 }).parsed?.overlapDays).toBe(29.5);
  });

  it.each([
    [{ ...valid, rotateEveryDays: undefined }, "rotateEveryDays", "required; a number of days (fractions allowed)"],
    [{ ...valid, rotateEveryDays: 0 }, "rotateEveryDays", "must be greater than 0"],
    [{ ...valid, rotateEveryDays: "30" }, "rotateEveryDays", "required; a number of days (fractions allowed)"],
    [{ ...valid, overlapDays: -1 }, "overlapDays", "must be 0 or more"],
    [
      { ...valid, overlapDays: 30 },
      "overlapDays",
      "must be less than rotateEveryDays (30): the previous key is retired before the next rotation",
    ],
    [{ ...valid, name: "x".repeat(241) }, "name", "must be at most 240 characters: each key is named <name>-<n> and Vast allows 255"],
    [
      { ...valid, rotateAfterDays: 90 },
      "rotateAfterDays",
      "unknown field; the fields are name, permissions, keyParams, rotateEveryDays, overlapDays",
    ],
  ])("rejects %j: %s", (raw, property, reason) => {
    expect(validateRotatingInputs(raw).failures).toEqual([{ property, reason }]);
    expect(() => parseRotatingInputs(raw)).toThrow(expect.objectContaining({ code: "VAST_INVALID_INPUT", property }));
  });

  it("applies exactly VastApiKey's rules to name, permissions and keyParams", () => {
    const bad = {
      name: "a\nb",
      permissions: { api: { misc: { "api.a.b": { constraints: { id: { in: [1] } } } } } },
      keyParams: 7,
    };
    const shared = validateInputs(bad).failures;
    expect(shared.length).toBe(3);
    expect(validateRotatingInputs({ ...bad, rotateEveryDays: 30 }).failures).toEqual(shared);
  });

  it("skips fields still unknown in preview, validates the rest", () => {
    const r = validateRotatingInputs({ ...valid, permissions: UNKNOWN_VALUE, overlapDays: UNKNOWN_VALUE });
    expect(r).toMatchObject({ failures: [], unknownFields: ["permissions", "overlapDays"] });
    expect(r.parsed).toBeUndefined();
    expect(validateRotatingInputs({ ...valid, permissions: UNKNOWN_VALUE, rotateEveryDays: -1 }).failures).toEqual([
      { property: "rotateEveryDays", reason: "must be greater than 0" },
    ]);
    expect(() => parseRotatingInputs({ ...valid, permissions: UNKNOWN_VALUE })).toThrow(/permissions: value is still unknown/);
    // The default overlap follows rotateEveryDays, so it is unknown while that is.
    const derived = validateRotatingInputs({ ...valid, rotateEveryDays: UNKNOWN_VALUE });
    expect(derived.unknownFields).toEqual(["rotateEveryDays", "overlapDays"]);
    expect(derived.inputs).not.toHaveProperty("overlapDays");
  });
});

describe("RotatingVastApiKey state", () => {
  const stored = {
    schemaVersion: 1,
    name: "a",
    permissions: PERMS,
    rotateEveryDays: 30,
    overlapDays: 7,
    generation: 1,
    current: { keyId: 4, key: "v", createdAt: "2030-01-01T00:00:00.000Z", name: "a-1" },
    tracking: { current: { keyId: 4 } },
    __provider: "code",
  };

  it("reads its own shape, keeps fields it does not know (a later version's additions), drops __provider", () => {
    const s = upgradeRotatingState({ ...stored, account: { userId: 3 } });
    expect(s).toMatchObject({ generation: 1, current: { keyId: 4 }, account: { userId: 3 } });
    expect(s).not.toHaveProperty("__provider");
  });

  it("refuses state written by a newer version", () => {
    expect(() => upgradeRotatingState({ ...stored, schemaVersion: ROTATING_STATE_SCHEMA_VERSION + 1 })).toThrow(
      expect.objectContaining({ code: "VAST_STATE_TOO_NEW" }),
    );
  });

  it("names what is unreadable", () => {
    expect(() => upgradeRotatingState({ ...stored, generation: "one" })).toThrow(
      /stored state of this rotating key is unreadable \(generation:/,
    );
  });
});

describe("clock (VAST_NOW)", () => {
  it("is the real time when VAST_NOW is unset or empty", () => {
    const before = Date.now();
    expect(now({}).getTime()).toBeGreaterThanOrEqual(before);
    expect(now({ VAST_NOW: " " }).getTime()).toBeGreaterThanOrEqual(before);
  });

  it.each(["2030-01-02T03:04:05Z", "2030-01-02T03:04:05.123Z", "2030-01-02T05:04:05+02:00", "2030-01-02T03:04Z"])("reads %s", (v) => {
    expect(now({ VAST_NOW: v }).toISOString().slice(0, 16)).toBe("2030-01-02T03:04");
  });

  it.each(["2030-01-02", "2030-01-02T03:04:05", "tomorrow", "2030-13-02T03:04:05Z", "1893456000"])(
    "rejects %s, naming the variable",
    (v) => {
      expect(() => now({ VAST_NOW: v })).toThrow(
        expect.objectContaining({
          code: "VAST_INVALID_SETTING",
          message: expect.stringMatching(/^VAST_NOW=".*" is invalid: expected an ISO-8601 instant/),
        }),
      );
    },
  );
});
