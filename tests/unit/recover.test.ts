/**
 * `planRecovery` and its report on hand-made `pulumi stack export` documents shaped like the ones a
 * SIGKILLed `pulumi up` leaves (pending operations with their inputs, the manifest time), for
 * `VastApiKey`, `RotatingVastApiKey`, `vast:index:ApiKey` and `vast:index:RotatingApiKey`.
 */
import { API_KEY_TYPE, PLUGIN_API_KEY_TYPE, PLUGIN_ROTATING_API_KEY_TYPE, ROTATING_API_KEY_TYPE } from "../../provider/audit";
import type { ApiKeyInfo } from "../../provider/keys";
import { SECRET_SIG, SIG_KEY } from "../../provider/plugin/secrets";
import {
  CLOCK_ALLOWANCE_MS,
  formatRecovery,
  keysToDelete,
  nextCommands,
  planRecovery,
  type RecoveryPlan,
  unresolved,
  withDeletions,
} from "../../provider/recover";

const CHECKPOINT = "2026-12-03T14:51:19.867287162Z";
const T = Date.parse(CHECKPOINT);
const at = (offsetMs: number) => new Date(T + offsetMs).toISOString();
const urn = (type: string, name: string) => `urn:pulumi:dev::proj::${type}::${name}`;
const PERMISSIONS = { api: { instance_read: {} } };
/** How `pulumi stack export` shows a secret: encrypted. */
const encrypted = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:abc" };

const resource = (type: string, name: string, id: string, outputs: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) => ({
  urn: urn(type, name),
  type,
  id,
  outputs,
  ...extra,
});
const pending = (operation: string, type: string, name: string, inputs: Record<string, unknown>) => ({
  type: operation,
  resource: { urn: urn(type, name), custom: true, type, inputs: { permissions: PERMISSIONS, ...inputs } },
});

/** A state as a runner killed mid-`up` leaves it: a few keys recorded, the rest pending. */
const killed = {
  version: 3,
  deployment: {
    manifest: { time: CHECKPOINT, magic: "m", version: "v3.259.0" },
    resources: [
      { urn: "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev", type: "pulumi:pulumi:Stack" },
      resource(API_KEY_TYPE, "dev-a", "11", { keyId: 11, name: "dev-a" }),
      resource(PLUGIN_API_KEY_TYPE, "b", "12", { keyId: 12, name: "dev-b" }),
      resource(API_KEY_TYPE, "lookup", "13", {}, { external: true }),
      resource(ROTATING_API_KEY_TYPE, "auto", "9b1c", {
        name: "prod-auto",
        generation: 2,
        current: encrypted,
        previous: encrypted,
        tracking: { current: { keyId: 21 }, previous: { keyId: 20 } },
      }),
      resource(PLUGIN_ROTATING_API_KEY_TYPE, "ci", "4f2e", {
        name: "ci",
        generation: 1,
        current: encrypted,
        tracking: { current: { keyId: 22 } },
      }),
    ],
    pending_operations: [
      pending("creating", API_KEY_TYPE, "dev-c", { name: "dev-c", __provider: "exports.handler = ..." }),
      pending("creating", PLUGIN_API_KEY_TYPE, "d", { name: "dev-d" }),
      pending("creating", PLUGIN_API_KEY_TYPE, "e", {}),
      pending("creating", ROTATING_API_KEY_TYPE, "new-rot", { name: "new-rot", rotateEveryDays: 30 }),
      pending("updating", ROTATING_API_KEY_TYPE, "auto", { name: "prod-auto", rotateEveryDays: 30 }),
      pending("updating", PLUGIN_ROTATING_API_KEY_TYPE, "ci", { name: "ci", rotateEveryDays: 30 }),
      pending("deleting", API_KEY_TYPE, "dev-old", { name: "dev-old" }),
      pending("creating", API_KEY_TYPE, "adopted", { name: "adopted", adopt: encrypted }),
      pending("creating", PLUGIN_API_KEY_TYPE, "hidden", { name: encrypted }),
    ],
  },
};

const key = (id: number, name: string, createdAt: string | undefined): ApiKeyInfo => ({ id, name, permissions: PERMISSIONS, createdAt });
const account: ApiKeyInfo[] = [
  key(1, "dev-d", at(2000)), // the management key: never a candidate, whatever its name
  key(11, "dev-a", at(-60_000)),
  key(13, "dev-c", at(1000)), // the lookup's key: named by the state
  key(30, "dev-c", at(5000)), // left behind by dev-c
  key(31, "dev-d", at(-10 * 86_400_000)), // an old key of the same name: before the window
  key(32, "e", at(1500)), // left behind by the plugin key with the default name
  key(33, "new-rot-1", at(-30_000)), // within the clock allowance before the checkpoint
  key(34, "prod-auto-3", at(3000)), // two keys for one rotation: ambiguous
  key(35, "prod-auto-3", at(4000)),
  key(36, "ci-1", at(2500)), // not the name the pending rotation of ci gives (ci-2)
];

function outcomes(plan: RecoveryPlan) {
  return plan.pending.map((p) => [p.resource, p.operation, p.keyName ?? null, p.outcome, p.keys.map((k) => `${k.id}:${k.action}`)]);
}

describe("planRecovery", () => {
  const plan = planRecovery(killed, "s.json", account, { selfKeyId: 1 });

  it("attributes each left-behind key to its pending operation, for all four resource types", () => {
    expect(outcomes(plan)).toEqual([
      ["dev-c", "creating", "dev-c", "left-behind", ["30:delete"]],
      ["d", "creating", "dev-d", "not-created", []],
      ["e", "creating", "e", "left-behind", ["32:delete"]],
      ["new-rot", "creating", "new-rot-1", "left-behind", ["33:delete"]],
      ["auto", "updating", "prod-auto-3", "ambiguous", ["34:keep", "35:keep"]],
      ["ci", "updating", "ci-2", "not-created", []],
      ["dev-old", "deleting", null, "no-key-made", []],
      ["adopted", "creating", null, "no-key-made", []],
      ["hidden", "creating", null, "unknown-name", []],
    ]);
    expect(keysToDelete(plan)).toEqual([30, 32, 33]);
    expect(plan).toMatchObject({ source: "s.json", stacks: ["dev"], checkpointAt: CHECKPOINT, since: at(-CLOCK_ALLOWANCE_MS) });
  });

  it("never offers the management key, a key the state names (lookups too), or a key made before the window", () => {
    const offered = plan.pending.flatMap((p) => p.keys.map((k) => k.id));
    for (const id of [1, 11, 13, 31]) expect(offered).not.toContain(id);
  });

  it("--since widens (or narrows) the window", () => {
    const wide = planRecovery(killed, "s.json", account, { selfKeyId: 1, since: new Date(T - 30 * 86_400_000) });
    expect(wide.pending.find((p) => p.resource === "d")).toMatchObject({ outcome: "left-behind", keys: [{ id: 31 }] });
    const narrow = planRecovery(killed, "s.json", account, { selfKeyId: 1, since: new Date(T) });
    expect(narrow.pending.find((p) => p.resource === "new-rot")?.outcome).toBe("not-created");
  });

  it("as many keys as pending creates of one name are all left behind; one more makes every one of them ambiguous", () => {
    const twice = {
      deployment: {
        manifest: { time: CHECKPOINT },
        resources: [],
        pending_operations: [pending("creating", API_KEY_TYPE, "x", { name: "x" }), pending("creating", API_KEY_TYPE, "x", { name: "x" })],
      },
    };
    const two = [key(40, "x", at(1000)), key(41, "x", at(2000))];
    expect(outcomes(planRecovery(twice, "t.json", two))).toEqual([
      ["x", "creating", "x", "left-behind", ["40:delete"]],
      ["x", "creating", "x", "left-behind", ["41:delete"]],
    ]);
    const three = planRecovery(twice, "t.json", [...two, key(42, "x", at(3000))]);
    expect(three.pending.map((p) => p.outcome)).toEqual(["ambiguous", "ambiguous"]);
    expect(keysToDelete(three)).toEqual([]);
  });

  it("reads a backend checkpoint file the same way", () => {
    const checkpoint = { version: 3, checkpoint: { latest: killed.deployment } };
    expect(keysToDelete(planRecovery(checkpoint, "dev.json", account, { selfKeyId: 1 }))).toEqual([30, 32, 33]);
  });

  it("refuses what is not a state, a malformed pending operation, and a state without a checkpoint time unless --since is given", () => {
    expect(() => planRecovery({ hello: 1 }, "x.json", [])).toThrow(/x.json: not a Pulumi state/);
    const bad = { deployment: { manifest: { time: CHECKPOINT }, resources: [], pending_operations: [{ type: "creating" }] } };
    expect(() => planRecovery(bad, "b.json", [])).toThrow(/b.json: pending operation 1 is not one Pulumi writes/);
    expect(planRecovery({ deployment: { resources: [] } }, "empty.json", []).since).toBeUndefined();
    const timeless = { deployment: { resources: [], pending_operations: [pending("creating", API_KEY_TYPE, "x", { name: "x" })] } };
    expect(() => planRecovery(timeless, "n.json", [])).toThrow(/n.json: the state records no checkpoint time; give --since/);
    expect(planRecovery(timeless, "n.json", [key(50, "x", at(0))], { since: new Date(T) }).pending[0]?.outcome).toBe("left-behind");
  });
});

describe("the report", () => {
  const plan = planRecovery(killed, "s.json", account, { selfKeyId: 1 });

  it("lists every pending operation and ends with the commands to run next, in order", () => {
    const text = formatRecovery(plan, "s.json");
    expect(text).toMatch(
      /9 pending operations of stack dev from an interrupted update \(last checkpoint 2026-12-03T14:51:19\.867287162Z\)/,
    );
    expect(text).toMatch(
      /creating +dev-c \(pulumi-nodejs:dynamic\/vast:ApiKey\): key 30 "dev-c" \(created .*\) was left behind: delete it with --delete/,
    );
    expect(text).toMatch(/creating +d \(vast:index:ApiKey\): no key "dev-d": the create did not reach Vast/);
    expect(text).toMatch(
      /2 keys named "prod-auto-3" appeared for one pending operation: none is deleted; check them by hand: key 34 .*, key 35/,
    );
    expect(text).toMatch(/hidden .*cannot tell its key/);
    expect(text.trimEnd().split("\n").slice(-4)).toEqual([
      "Next, in order:",
      "  vast-api-keys recover --state s.json --delete",
      "  pulumi refresh --yes --clear-pending-creates",
      "  pulumi up",
    ]);
    expect(unresolved(plan)).toBe(true);
  });

  it("after --delete: the keys are marked deleted, the next commands are refresh and up, ambiguous keys still remain", () => {
    const done = withDeletions(
      plan,
      new Map([
        [30, "deleted"],
        [32, "deleted"],
        [33, "already-gone"],
      ]),
    );
    expect(formatRecovery(done, "s.json")).toMatch(/key 30 "dev-c" .* was left behind: deleted/);
    expect(nextCommands(done, "s.json")).toEqual(["pulumi refresh --yes --clear-pending-creates", "pulumi up"]);
    expect(unresolved(done)).toBe(true);
    // Without the operation whose name is encrypted and without the ambiguous keys, deleting clears everything.
    const clearable = { deployment: { ...killed.deployment, pending_operations: killed.deployment.pending_operations.slice(0, 8) } };
    const clean = planRecovery(
      clearable,
      "s.json",
      account.filter((k) => k.name !== "prod-auto-3"),
      { selfKeyId: 1 },
    );
    expect(unresolved(clean)).toBe(true);
    expect(unresolved(withDeletions(clean, new Map(keysToDelete(clean).map((id) => [id, "deleted" as const]))))).toBe(false);
    // An operation whose key cannot be told always needs a look.
    expect(unresolved(planRecovery(killed, "s.json", [], { selfKeyId: 1 }))).toBe(true);
  });

  it("says so when the state has no pending operations", () => {
    const calm = planRecovery({ deployment: { manifest: { time: CHECKPOINT }, resources: [] } }, "c.json", account);
    expect(formatRecovery(calm, "c.json")).toMatch(/no pending operations/);
    expect(nextCommands(calm, "c.json")).toEqual([]);
    expect(unresolved(calm)).toBe(false);
  });
});
