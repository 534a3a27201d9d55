/**
 * The drift report as a pure function of (what the refresh preview saw, the account's key list,
 * now): each kind of finding for both resource families, wrong accounts, unmanaged keys, exit
 * codes, and the three renderings (never a key value).
 */
import {
  API_KEY_TYPE,
  type ManagedKeyRef,
  PLUGIN_API_KEY_TYPE,
  PLUGIN_ROTATING_API_KEY_TYPE,
  ROTATING_API_KEY_TYPE,
} from "../../provider/audit";
import {
  type AccountObservation,
  buildDriftReport,
  type CredentialInfo,
  type DriftReport,
  exitCodeOf,
  inOtherAccount,
  type ObservedResource,
  type StackObservation,
} from "../../provider/drift";
import { formatDriftJson, formatDriftMarkdown, formatDriftText } from "../../provider/drift-format";

type Props = Record<string, unknown>;

const NOW = new Date("2027-01-05T00:00:00Z");
const DAY = 86_400_000;
/** A key value (64 hex characters, as Vast makes them), built so that no key-like literal sits in the repository. */
const VALUE = "f7bb3dda".repeat(8);
const credential: CredentialInfo = { accountId: 2, keyId: 2, source: "stack config vast:apiKey", url: "http://127.0.0.1:9" };
const READ = '{"instance_read":{}}';
const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;

/** A `VastApiKey` as state records it; `refreshed` patches what the refresh preview read. */
function single(name: string, keyId: number, opts: { stored?: Props; refreshed?: Props | "gone"; inputs?: Props; type?: string } = {}) {
  const stored: Props = {
    schemaVersion: 2,
    accountId: 2,
    keyId,
    name,
    key: VALUE,
    permissions: { api: { instance_read: {} } },
    createdAt: "2026-12-20T00:00:00.000Z",
    serverRights: READ,
    serverRightsBaseline: READ,
    ...opts.stored,
  };
  const inputs = { name, permissions: stored.permissions, ...opts.inputs };
  const refresh: ObservedResource["refresh"] =
    opts.refreshed === "gone" ? { kind: "gone" } : { kind: "read", outputs: { ...stored, ...opts.refreshed }, inputs };
  return { urn: urn(opts.type ?? API_KEY_TYPE, name), type: opts.type ?? API_KEY_TYPE, id: String(keyId), stored, refresh };
}

/** A rotating key as state records it (`current`/`previous` decrypted, without values). */
function rotating(name: string, state: Props, tracking: Props, type = ROTATING_API_KEY_TYPE): ObservedResource {
  const stored: Props = {
    schemaVersion: 3,
    accountId: 2,
    name,
    permissions: { api: { instance_read: {} } },
    rotateEveryDays: 30,
    overlapDays: 7,
    generation: 1,
    ...state,
    tracking,
  };
  // The engine masks secrets: the refreshed `current` is not readable.
  const masked = { ...stored, current: { ciphertext: "[secret]" }, previous: stored.previous && { ciphertext: "[secret]" } };
  return {
    urn: urn(type, name),
    type,
    id: "0b7d6f52-7c1e-4a8e-9d55-7f4e4bd3c1a1",
    stored,
    refresh: { kind: "read", outputs: masked, inputs: {} },
  };
}

const ref = (id: number, name: string, createdAt: string) => ({ keyId: id, name, createdAt });
const seen = (keyId: number, serverName: string, extra: Props = {}) => ({
  keyId,
  serverName,
  serverRights: READ,
  serverRightsBaseline: READ,
  ...extra,
});

function managedOf(resources: ObservedResource[]): ManagedKeyRef[] {
  return resources.flatMap((r) => {
    const base = { resource: r.urn.split("::").pop() ?? "", stack: "dev", source: "dev" };
    if (!r.type.includes("Rotating")) return [{ id: Number(r.id), ...base }];
    const t = r.stored.tracking as { current?: { keyId: number }; previous?: { keyId: number }; retiring?: Array<{ keyId: number }> };
    return [t.current, t.previous, ...(t.retiring ?? [])].flatMap((k) => (k ? [{ id: k.keyId, ...base }] : []));
  });
}

function stackOf(resources: ObservedResource[]): StackObservation {
  return { stack: "dev", credential, resources, managed: managedOf(resources) };
}

function accountWith(...extra: Array<{ id: number; name: string | null; permissions: unknown; createdAt?: string }>): AccountObservation {
  return {
    url: credential.url,
    accountId: 2,
    credentialKeyIds: [2],
    keys: [
      { id: 2, name: null, permissions: null, createdAt: "2026-06-01T00:00:00.000Z" },
      ...extra.map((k) => ({ createdAt: undefined, ...k })),
    ],
  };
}

function report(resources: ObservedResource[], account = accountWith(), failOnUnmanaged = true): DriftReport {
  return buildDriftReport([stackOf(resources)], [account], { now: NOW, failOnUnmanaged });
}

function findingsOf(r: DriftReport, resource: string) {
  return r.stacks[0]?.resources.find((x) => x.resource === resource)?.findings ?? [];
}

describe("drift report", () => {
  it("a stack in sync: no findings, exit 0; the management key is listed as such and is not drift", () => {
    const r = report([
      single("dev-ok", 3),
      rotating("dev-auto", { current: ref(4, "dev-auto-1", "2026-12-20T00:00:00.000Z") }, { current: seen(4, "dev-auto-1") }),
    ]);
    expect(r.summary).toEqual({ stacks: 1, resources: 2, keys: 2, findings: 0, unmanaged: 0 });
    expect(r.stacks[0]?.resources.map((x) => [x.resource, x.keys, x.nextUp])).toEqual([
      ["dev-ok", [{ keyId: 3, slot: "key", name: "dev-ok" }], null],
      ["dev-auto", [{ keyId: 4, slot: "current", name: "dev-auto-1" }], null],
    ]);
    expect(r.unmanaged).toEqual([
      expect.objectContaining({
        keyId: 2,
        managementKey: true,
        fullAccess: true,
        billing: true,
        ageDays: 218,
        createdAt: "2026-06-01T00:00:00.000Z",
      }),
    ]);
    expect(r.drift).toBe(false);
    expect(exitCodeOf(r)).toBe(0);
  });

  it.each([API_KEY_TYPE, PLUGIN_API_KEY_TYPE])("%s: deleted, renamed, re-scoped (to full access, by category), rotation due", (type) => {
    const r = report([
      single("dev-gone", 3, { type, refreshed: "gone" }),
      single("dev-dev", 4, { type, refreshed: { name: "renamed" } }),
      single("dev-mon", 5, { type, refreshed: { serverRights: "null" } }),
      single("dev-ci", 6, {
        type,
        stored: {
          serverRights: '{"instance_read":{},"instance_write":{}}',
          serverRightsBaseline: '{"instance_read":{},"instance_write":{}}',
        },
        refreshed: { serverRights: '{"billing_write":{},"instance_read":{"api.instance.show":{}}}' },
      }),
      single("dev-old", 7, {
        type,
        stored: { rotateAfterDays: 10, createdAt: "2026-12-01T06:00:00.000Z" },
        inputs: { rotateAfterDays: 10 },
      }),
    ]);
    expect(findingsOf(r, "dev-gone")).toEqual([{ kind: "deleted", keyId: 3, slot: "key", message: "deleted on Vast" }]);
    expect(findingsOf(r, "dev-dev")).toEqual([
      { kind: "renamed", keyId: 4, slot: "key", from: "dev-dev", to: "renamed", message: 'renamed on Vast: "dev-dev" → "renamed"' },
    ]);
    expect(findingsOf(r, "dev-mon")).toEqual([
      expect.objectContaining({
        kind: "rescoped",
        fullAccess: true,
        billing: true,
        message: "re-scoped on Vast: no permission document now, which is FULL ACCESS",
      }),
    ]);
    expect(findingsOf(r, "dev-ci")).toEqual([
      expect.objectContaining({
        kind: "rescoped",
        fullAccess: false,
        billing: true,
        added: ["billing_write"],
        removed: ["instance_write"],
        changed: ["instance_read"],
        message: "re-scoped on Vast: +billing_write, -instance_write, ~instance_read (holds billing rights)",
      }),
    ]);
    expect(findingsOf(r, "dev-old")).toEqual([
      expect.objectContaining({
        kind: "rotation-due",
        since: "2026-12-11T06:00:00.000Z",
        message: "rotation due since 2026-12-11T06:00:00.000Z (rotateAfterDays 10)",
      }),
    ]);
    const next = Object.fromEntries(r.stacks[0]?.resources.map((x) => [x.resource, x.nextUp]) ?? []);
    expect(next["dev-gone"]).toBe("creates a new key");
    expect(next["dev-old"]).toMatch(/^replaces the key: key is 34\.75 days old, rotateAfterDays is 10: rotating$/);
    expect(next["dev-mon"]).toMatch(/^replaces the key: permissions were changed outside Pulumi/);
    expect(r.summary.findings).toBe(5);
    expect(exitCodeOf(r)).toBe(2);
  });

  it("a key not yet due for rotation is no finding; the due instant follows the clock given (VAST_NOW)", () => {
    const key = single("dev-ci", 3, {
      stored: { rotateAfterDays: 30, createdAt: "2026-12-20T00:00:00.000Z" },
      inputs: { rotateAfterDays: 30 },
    });
    expect(report([key]).summary.findings).toBe(0);
    const later = buildDriftReport([stackOf([key])], [accountWith()], {
      now: new Date(Date.parse("2027-01-19T00:00:00Z")),
      failOnUnmanaged: true,
    });
    expect(findingsOf(later, "dev-ci").map((f) => [f.kind, "since" in f ? f.since : undefined])).toEqual([
      ["rotation-due", "2027-01-19T00:00:00.000Z"],
    ]);
  });

  it.each([ROTATING_API_KEY_TYPE, PLUGIN_ROTATING_API_KEY_TYPE])("%s: rotation due, with the instant it became due", (type) => {
    const r = report([
      rotating("dev-auto", { current: ref(4, "dev-auto-1", "2026-11-01T00:00:00.000Z") }, { current: seen(4, "dev-auto-1") }, type),
    ]);
    expect(findingsOf(r, "dev-auto")).toEqual([
      {
        kind: "rotation-due",
        keyId: 4,
        slot: "current",
        since: "2026-12-01T00:00:00.000Z",
        message: "rotation due since 2026-12-01T00:00:00.000Z (rotateEveryDays 30)",
      },
    ]);
    expect(r.stacks[0]?.resources[0]?.nextUp).toMatch(/^will rotate: current key "dev-auto-1" \(id 4\) is 65\.00 days old/);
  });

  it("a rotating key whose previous and retiring keys are past their retirement; a retiring key not yet due is no finding", () => {
    const r = report([
      rotating(
        "dev-auto",
        {
          generation: 3,
          current: ref(6, "dev-auto-3", "2026-12-20T00:00:00.000Z"),
          previous: ref(5, "dev-auto-2", "2026-11-20T00:00:00.000Z"),
          rotatedAt: "2026-12-20T00:00:00.000Z",
          retiresPreviousAt: "2026-12-27T00:00:00.000Z",
        },
        {
          current: seen(6, "dev-auto-3"),
          previous: seen(5, "dev-auto-2"),
          retiring: [
            { ...seen(4, "dev-auto-1"), name: "dev-auto-1", createdAt: "2026-10-20T00:00:00.000Z", retiresAt: "2027-01-01T00:00:00.000Z" },
            { ...seen(3, "dev-auto-0"), name: "dev-auto-0", createdAt: "2026-10-20T00:00:00.000Z", retiresAt: "2027-02-01T00:00:00.000Z" },
          ],
        },
      ),
    ]);
    expect(r.stacks[0]?.resources[0]?.keys.map((k) => [k.keyId, k.slot])).toEqual([
      [6, "current"],
      [5, "previous"],
      [4, "retiring"],
      [3, "retiring"],
    ]);
    expect(findingsOf(r, "dev-auto").map((f) => [f.kind, f.keyId, f.slot, "since" in f ? f.since : undefined])).toEqual([
      ["retirement-due", 5, "previous", "2026-12-27T00:00:00.000Z"],
      ["retirement-due", 4, "retiring", "2027-01-01T00:00:00.000Z"],
    ]);
    expect(r.stacks[0]?.resources[0]?.nextUp).toMatch(/^will retire old keys: /);
  });

  it("a rotating key's keys deleted, renamed or re-scoped on Vast are reported per key", () => {
    const r = report([
      rotating(
        "dev-auto",
        {
          generation: 2,
          current: ref(6, "dev-auto-2", "2026-12-20T00:00:00.000Z"),
          previous: ref(5, "dev-auto-1", "2026-11-20T00:00:00.000Z"),
          rotatedAt: "2026-12-20T00:00:00.000Z",
          retiresPreviousAt: "2027-01-27T00:00:00.000Z",
        },
        { current: { keyId: 6, gone: true }, previous: seen(5, "console-rename", { serverRights: "null" }) },
      ),
    ]);
    expect(findingsOf(r, "dev-auto").map((f) => [f.kind, f.keyId, f.slot])).toEqual([
      ["deleted", 6, "current"],
      ["renamed", 5, "previous"],
      ["rescoped", 5, "previous"],
    ]);
    expect(r.stacks[0]?.resources[0]?.keys).toEqual([
      { keyId: 6, slot: "current", name: "dev-auto-2" },
      { keyId: 5, slot: "previous", name: "console-rename" },
    ]);
    expect(r.stacks[0]?.resources[0]?.nextUp).toMatch(/^will recreate its current key: /);
  });

  it("keys recorded in another account than the credential's: wrong-account for each key, not read", () => {
    const foreign = single("dev-ci", 3, { stored: { accountId: 7 } });
    const r = report([{ ...foreign, refresh: { kind: "not-read" } }]);
    expect(inOtherAccount(foreign.stored, 2)).toBe(true);
    expect(inOtherAccount({}, 2)).toBe(false);
    expect(findingsOf(r, "dev-ci")).toEqual([
      expect.objectContaining({ kind: "wrong-account", keyId: 3, recordedAccountId: 7, credentialAccountId: 2 }),
    ]);
    expect(findingsOf(r, "dev-ci")[0]?.message).toBe(
      "recorded in Vast account 7, not in the credential's account 2: `pulumi up` fails (VAST_WRONG_ACCOUNT); not read",
    );
    expect(exitCodeOf(r)).toBe(2);
    expect(() => report([{ ...single("dev-x", 4), refresh: { kind: "not-read" } }])).toThrow(/was not refreshed/);
  });

  it("unmanaged keys: age and rights; drift only with failOnUnmanaged; keys of every checked stack and retiring keys count as managed", () => {
    const account = accountWith(
      { id: 3, name: "dev-ok", permissions: { api: { instance_read: {} } } },
      { id: 50, name: "console", permissions: { api: { billing_read: {} } }, createdAt: "2026-12-31T12:00:00.000Z" },
      { id: 51, name: null, permissions: null },
      { id: 52, name: "reader", permissions: { api: { instance_read: {} } } },
    );
    const r = report([single("dev-ok", 3)], account);
    expect(r.unmanaged.map((k) => [k.keyId, k.name, k.ageDays, k.fullAccess, k.billing, k.managementKey])).toEqual([
      [2, null, 218, true, true, true],
      [50, "console", 4.5, false, true, false],
      [51, null, null, true, true, false],
      [52, "reader", null, false, false, false],
    ]);
    expect(r.summary.unmanaged).toBe(3);
    expect(exitCodeOf(r)).toBe(2);
    expect(exitCodeOf(report([single("dev-ok", 3)], account, false))).toBe(0);
  });

  it("renders a table, Markdown and JSON without any key value; Markdown cells are escaped", () => {
    const r = report(
      [single("dev-gone", 3, { refreshed: "gone" }), single("dev-dev", 4, { refreshed: { name: "a|b <i>" } }), single("dev-ok", 5)],
      accountWith({ id: 50, name: "console", permissions: { api: { billing_read: {} } } }),
    );
    const text = formatDriftText(r);
    expect(text).toMatch(
      /^vast-api-keys drift at 2027-01-05T00:00:00.000Z: DRIFT: 1 stack, 3 key resources, 2 findings, 1 unmanaged key\n/,
    );
    expect(text).toMatch(/Stack dev: account 2, credential key 2 \(stack config vast:apiKey\) at http:\/\/127.0.0.1:9/);
    expect(text).toMatch(/ {2}dev-gone +VastApiKey +3 +dev-gone +deleted on Vast\n/);
    expect(text).toMatch(/ {2}dev-ok +VastApiKey +5 +dev-ok +ok\n/);
    expect(text).toMatch(/ {4}dev-gone: creates a new key\n/);
    expect(text).toMatch(/ {2}2 +2 +\(no name\) +218\.0d +full access +management key \(the credential\)\n/);
    expect(text).toMatch(/ {2}2 +50 +console +\? +billing\n/);
    expect(text).toMatch(/Exit 2: drift found\.\n$/);

    const md = formatDriftMarkdown(r);
    expect(md).toMatch(/^## Vast API keys: drift found\n/);
    expect(md).toContain('| dev-dev | VastApiKey | 4 | a\\|b &lt;i&gt; | **renamed on Vast: "dev-dev" → "a\\|b &lt;i&gt;"** |');
    expect(md).toContain("| dev-ok | VastApiKey | 5 | dev-ok | ok |");
    expect(md).toContain("| 2 | 50 | console | ? | billing |  |");

    const json = JSON.parse(formatDriftJson(r)) as DriftReport;
    expect(json).toEqual(JSON.parse(JSON.stringify(r)));
    expect(Object.keys(json)).toEqual(["version", "checkedAt", "drift", "failOnUnmanaged", "stacks", "unmanaged", "summary"]);
    for (const out of [text, md, formatDriftJson(r)]) expect(out).not.toContain(VALUE);
  });

  it("a clean report says so in every rendering", () => {
    const r = report([single("dev-ok", 3)]);
    expect(formatDriftText(r)).toMatch(/no drift: 1 stack, 1 key resource, 0 findings, 0 unmanaged keys[\s\S]*Exit 0: no drift\.\n$/);
    expect(formatDriftMarkdown(r)).toMatch(/^## Vast API keys: no drift\n/);
    expect(JSON.parse(formatDriftJson(r)).drift).toBe(false);
  });

  it("the due instant of rotateAfterDays is createdAt plus the period, to the millisecond", () => {
    const createdAt = Date.parse("2026-12-01T00:00:00Z");
    const key = single("k", 3, {
      stored: { rotateAfterDays: 0.5, createdAt: new Date(createdAt).toISOString() },
      inputs: { rotateAfterDays: 0.5 },
    });
    const [f] = findingsOf(report([key]), "k");
    expect(f && "since" in f ? f.since : undefined).toBe(new Date(createdAt + 0.5 * DAY).toISOString());
  });
});
