import {
  API_KEY_TYPE,
  auditKeys,
  formatReport,
  keyAccess,
  managedKeysFromState,
  PLUGIN_API_KEY_TYPE,
  PLUGIN_ROTATING_API_KEY_TYPE,
  ROTATING_API_KEY_TYPE,
} from "../../provider/audit";
import { SECRET_SIG, SIG_KEY } from "../../provider/plugin/secrets";

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

  describe("rotating keys (RotatingVastApiKey, vast:index:RotatingApiKey)", () => {
    /** How `pulumi stack export` shows a secret output: encrypted. */
    const encrypted = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" };
    const rotating = (type: string, name: string, tracking: unknown) => ({
      urn: `urn:pulumi:prod::proj::${type}::${name}`,
      type,
      id: "0b7d6f52-7c1e-4a8e-9d55-7f4e4bd3c1a1",
      outputs: { name: `prod-${name}`, generation: 2, current: encrypted, previous: encrypted, tracking },
    });
    const state = {
      deployment: {
        resources: [
          rotating(ROTATING_API_KEY_TYPE, "autoscaler", {
            current: { keyId: 21, serverName: "prod-autoscaler-2" },
            previous: { keyId: 20 },
            retiring: [{ keyId: 19, name: "prod-autoscaler-0", createdAt: "2026-10-01T00:00:00Z", retiresAt: "2026-12-10T00:00:00Z" }],
          }),
          rotating(PLUGIN_ROTATING_API_KEY_TYPE, "ci", { current: { keyId: 22 } }),
        ],
      },
    };

    it("counts every key of a rotating resource (retiring ones too) as managed, read from outputs.tracking without decrypting anything", () => {
      expect(managedKeysFromState(state, "prod.json")).toEqual([
        { id: 21, resource: "autoscaler", stack: "prod", source: "prod.json", slot: "current" },
        { id: 20, resource: "autoscaler", stack: "prod", source: "prod.json", slot: "previous" },
        { id: 19, resource: "autoscaler", stack: "prod", source: "prod.json", slot: "retiring" },
        { id: 22, resource: "ci", stack: "prod", source: "prod.json", slot: "current" },
      ]);
    });

    it("reports which key of the resource each one is, and a previous key gone from Vast as drift", () => {
      const keys = [
        { id: 19, name: "prod-autoscaler-0", permissions: {}, createdAt: "2026-10-01T00:00:00Z" },
        { id: 21, name: "prod-autoscaler-2", permissions: {}, createdAt: "2026-11-20T00:00:00Z" },
        { id: 22, name: "prod-ci-1", permissions: {}, createdAt: "2026-11-20T00:00:00Z" },
        { id: 30, name: "console", permissions: {}, createdAt: "2026-11-20T00:00:00Z" },
      ];
      const r = auditKeys(keys, managedKeysFromState(state, "prod.json"), { now: NOW });
      expect(r.managed.map((k) => k.id)).toEqual([19, 21, 22]);
      expect(r.unmanaged.map((k) => k.id)).toEqual([30]);
      expect(r.missing.map((m) => [m.id, m.slot])).toEqual([[20, "previous"]]);
      const text = formatReport(r);
      expect(text).toMatch(/21 +prod-autoscaler-2 +[\d.]+d +prod\/autoscaler \(current\)/);
      expect(text).toMatch(/19 +prod-autoscaler-0 +[\d.]+d +prod\/autoscaler \(retiring\)/);
      expect(text).toMatch(/drift \(1\)[\s\S]*20 +prod\/autoscaler \(previous\) +prod.json/);
    });

    it("counts keys kept until their published retirement (tracking.retiring) as managed", () => {
      const retiring = {
        deployment: {
          resources: [
            rotating(ROTATING_API_KEY_TYPE, "autoscaler", {
              current: { keyId: 23 },
              previous: { keyId: 22 },
              retiring: [{ keyId: 21, name: "prod-autoscaler-1", createdAt: "2026-10-01T00:00:00Z", retiresAt: "2026-11-30T00:00:00Z" }],
            }),
          ],
        },
      };
      const managed = managedKeysFromState(retiring, "prod.json");
      expect(managed.map((m) => [m.id, m.slot])).toEqual([
        [23, "current"],
        [22, "previous"],
        [21, "retiring"],
      ]);
      const keys = [21, 22, 23].map((id) => ({ id, name: `prod-autoscaler-${id - 20}`, permissions: {}, createdAt: undefined }));
      const r = auditKeys(keys, managed, { now: NOW });
      expect(r.unmanaged).toEqual([]);
      expect(formatReport(r)).toMatch(/21 +prod-autoscaler-1 +\? +prod\/autoscaler \(retiring\)/);
    });

    it("fails, naming the resource, when the key ids are unreadable instead of listing its keys as unmanaged", () => {
      for (const tracking of [encrypted, undefined, { current: { keyId: "21" } }]) {
        const bad = { deployment: { resources: [rotating(PLUGIN_ROTATING_API_KEY_TYPE, "ci", tracking)] } };
        expect(() => managedKeysFromState(bad, "prod.json")).toThrow(
          "prod.json: cannot read the key ids of rotating key urn:pulumi:prod::proj::vast:index:RotatingApiKey::ci: outputs.tracking is missing, encrypted or malformed",
        );
      }
    });
  });

  it("tells full access (no document, or every category) and billing rights apart, for every form Vast lists rights in", () => {
    const all = Object.fromEntries(
      [
        "instance_read",
        "instance_write",
        "user_read",
        "user_write",
        "billing_read",
        "billing_write",
        "machine_read",
        "machine_write",
        "misc",
        "team_read",
        "team_write",
      ].map((c) => [c, {}]),
    );
    expect(keyAccess(null)).toEqual({ fullAccess: true, billing: true });
    expect(keyAccess("")).toEqual({ fullAccess: true, billing: true });
    expect(keyAccess({ api: {} })).toEqual({ fullAccess: true, billing: true });
    expect(keyAccess({ api: all })).toEqual({ fullAccess: true, billing: true });
    expect(keyAccess(JSON.stringify({ api: { billing_read: {} } }))).toEqual({ fullAccess: false, billing: true });
    expect(keyAccess({ billing_write: { "api.billing.pay": {} } })).toEqual({ fullAccess: false, billing: true });
    expect(keyAccess({ api: { instance_read: {} } })).toEqual({ fullAccess: false, billing: false });
  });

  it("marks every credential given as the caller's own key and shows unmanaged keys' rights", () => {
    const keys = [
      { id: 1, name: null, permissions: null, createdAt: undefined },
      { id: 2, name: "ci-admin", permissions: { api: { user_read: {}, user_write: {} } }, createdAt: undefined },
      { id: 3, name: "console", permissions: { api: { billing_read: {} } }, createdAt: undefined },
    ];
    const r = auditKeys(keys, [], { now: NOW, selfKeyId: [1, 2] });
    expect(r.unmanaged.map((k) => [k.id, k.isAuditCredential, k.fullAccess, k.billing])).toEqual([
      [1, true, true, true],
      [2, true, false, false],
      [3, false, false, true],
    ]);
    const text = formatReport(r);
    expect(text).toMatch(/1 +\(no name\) \(this credential\) +\? +full access/);
    expect(text).toMatch(/3 +console +\? +billing/);
  });
});
