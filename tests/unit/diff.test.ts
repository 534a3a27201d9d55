import { computeDiff } from "../../provider/diff";
import { UNKNOWN_VALUE } from "../../provider/inputs";
import { STATE_SCHEMA_VERSION } from "../../provider/state";

const NOW = new Date("2026-11-23T12:00:00Z");
const perms = { api: { misc: {}, instance_read: {} } };
const olds = {
  __provider: "shim",
  schemaVersion: STATE_SCHEMA_VERSION,
  keyId: 7,
  name: "ci",
  permissions: perms,
  key: "secret-value-abcdef",
  createdAt: "2026-11-20T12:00:00Z",
  serverRights: '{"api":{"instance_read":{},"misc":{}}}',
  serverRightsBaseline: '{"api":{"instance_read":{},"misc":{}}}',
};
const news = { __provider: "shim", name: "ci", permissions: { api: { instance_read: {}, misc: {} } } };

describe("diff", () => {
  it("reports no change when only object key order differs", () => {
    expect(computeDiff(olds, news, NOW)).toEqual({ changes: false, replaces: [], reasons: [] });
  });

  it.each([
    ["name", { name: "ci-2" }],
    ["permissions", { permissions: { api: { misc: {} } } }],
    ["keyParams", { keyParams: "p" }],
    ["rotationTrigger", { rotationTrigger: "2026-Q4" }],
  ])("replaces the key when %s changes", (field, change) => {
    const d = computeDiff(olds, { ...news, ...change }, NOW);
    expect(d.changes).toBe(true);
    expect(d.replaces).toEqual([field]);
  });

  it("changing only rotateAfterDays (to a value not yet reached) is an in-place update", () => {
    const d = computeDiff(olds, { ...news, rotateAfterDays: 30 }, NOW);
    expect(d).toMatchObject({ changes: true, replaces: [] });
  });

  it("rotates a key older than rotateAfterDays, even when nothing else changed", () => {
    const d = computeDiff({ ...olds, rotateAfterDays: 3 }, { ...news, rotateAfterDays: 3 }, NOW);
    expect(d.replaces).toEqual(["rotateAfterDays"]);
    expect(d.reasons.join()).toMatch(/3\.00 days old, rotateAfterDays is 3/);
    expect(computeDiff({ ...olds, rotateAfterDays: 4 }, { ...news, rotateAfterDays: 4 }, NOW).changes).toBe(false);
  });

  it("replaces on permission drift recorded by a refresh, never comparing the user's document with the server's", () => {
    const drifted = { ...olds, serverRights: '{"api":{"misc":{}}}' };
    expect(computeDiff(drifted, news, NOW).replaces).toEqual(["permissions"]);
    const expanded = { ...olds, serverRights: '{"api":{"everything":{}}}', serverRightsBaseline: '{"api":{"everything":{}}}' };
    expect(computeDiff(expanded, news, NOW).changes).toBe(false);
  });

  it("treats unknown values in preview as a replacement of that field", () => {
    expect(computeDiff(olds, { ...news, name: UNKNOWN_VALUE }, NOW).replaces).toEqual(["name"]);
    const nested = { api: { misc: { "api.a.b": { constraints: { id: { eq: UNKNOWN_VALUE } } } } } };
    expect(computeDiff(olds, { ...news, permissions: nested }, NOW).replaces).toEqual(["permissions"]);
  });

  it("updates in place when only the provider code or the state shape changed", () => {
    expect(computeDiff(olds, { ...news, __provider: "new shim" }, NOW)).toMatchObject({ changes: true, replaces: [] });
    const { schemaVersion: _v, ...old } = olds;
    expect(computeDiff(old, news, NOW)).toMatchObject({ changes: true, replaces: [] });
  });

  it("ignores adopt after creation", () => {
    expect(computeDiff(olds, { ...news, adopt: { keyId: 9 } }, NOW).changes).toBe(false);
  });
});
