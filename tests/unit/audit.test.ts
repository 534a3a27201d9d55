import { API_KEY_TYPE, auditKeys, formatReport, managedKeysFromState, PLUGIN_API_KEY_TYPE } from "../../provider/audit";

const urn = (stack: string, name: string) => `urn:pulumi:${stack}::proj::${API_KEY_TYPE}::${name}`;
const exported = {
  version: 3,
  deployment: {
    resources: [
      { urn: "urn:pulumi:prod::proj::pulumi:pulumi:Stack::proj-prod", type: "pulumi:pulumi:Stack" },
      { urn: urn("prod", "prod-autoscaler"), type: API_KEY_TYPE, id: "11" },
      { urn: urn("prod", "lookup"), type: API_KEY_TYPE, id: "12", external: true },
      { urn: urn("prod", "prod-gone"), type: API_KEY_TYPE, id: "13" },
    ],
  },
};
const checkpoint = { version: 3, checkpoint: { latest: { resources: [{ urn: urn("dev", "dev-key"), type: API_KEY_TYPE, id: "14" }] } } };
const NOW = new Date("2026-11-23T00:00:00Z");
const account = [
  { id: 1, name: null, permissions: null, createdAt: "2026-01-01T00:00:00Z" },
  { id: 11, name: "prod-autoscaler", permissions: {}, createdAt: "2026-11-01T00:00:00Z" },
  { id: 12, name: "console", permissions: {}, createdAt: "2025-11-23T00:00:00Z" },
  { id: 14, name: "dev-key", permissions: {}, createdAt: undefined },
];

describe("audit", () => {
  it("reads managed keys from `stack export` output and from checkpoint files, skipping lookups", () => {
    expect(managedKeysFromState(exported, "prod.json")).toEqual([
      { id: 11, resource: "prod-autoscaler", stack: "prod", source: "prod.json" },
      { id: 13, resource: "prod-gone", stack: "prod", source: "prod.json" },
    ]);
    expect(managedKeysFromState(checkpoint, "dev.json").map((m) => m.id)).toEqual([14]);
    const plugin = {
      deployment: { resources: [{ urn: `urn:pulumi:yaml::p::${PLUGIN_API_KEY_TYPE}::deploy`, type: PLUGIN_API_KEY_TYPE, id: "15" }] },
    };
    expect(managedKeysFromState(plugin, "yaml.json")).toEqual([{ id: 15, resource: "deploy", stack: "yaml", source: "yaml.json" }]);
    expect(() => managedKeysFromState({ hello: 1 }, "x.json")).toThrow(/x.json: not a Pulumi state/);
  });

  it("sorts keys into managed, unmanaged (with age), missing (drift) and old", () => {
    const managed = [...managedKeysFromState(exported, "prod.json"), ...managedKeysFromState(checkpoint, "dev.json")];
    const r = auditKeys(account, managed, { now: NOW, olderThanDays: 90, selfKeyId: 1 });
    expect(r.managed.map((k) => k.id)).toEqual([11, 14]);
    expect(r.unmanaged.map((k) => [k.id, Math.round(k.ageDays ?? -1), k.isAuditCredential])).toEqual([
      [1, 326, true],
      [12, 365, false],
    ]);
    expect(r.missing.map((m) => m.id)).toEqual([13]);
    expect(r.old.map((k) => k.id)).toEqual([1, 12]);
    const text = formatReport(r);
    expect(text).toMatch(/Managed keys \(2\)[\s\S]*prod\/prod-autoscaler/);
    expect(text).toMatch(/Unmanaged keys \(2\)[\s\S]*\(no name\) \(this credential\)/);
    expect(text).toMatch(/drift \(1\)[\s\S]*13 +prod\/prod-gone +prod.json/);
    expect(text).toMatch(/Older than 90 days \(2\)/);
  });
});
