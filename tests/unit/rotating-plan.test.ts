import { presets } from "../../provider/permissions";
import type { RotatingKeyInputs } from "../../provider/rotating/inputs";
import { applyPlan, describePlan, type PlanInputs, planRotation, type RotationPlan } from "../../provider/rotating/plan";
import type { RotatingKeyState, TrackedKey } from "../../provider/rotating/state";

const DAY = 86_400_000;
const NOW = new Date("2030-06-01T00:00:00Z");
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY).toISOString();
const PERMS = presets.instanceManagementWithoutBilling();
const RIGHTS = JSON.stringify(PERMS);

const inputs: RotatingKeyInputs = { name: "autoscaler", permissions: PERMS, rotateEveryDays: 30, overlapDays: 7 };

const tracked = (keyId: number, extra: Partial<TrackedKey> = {}): TrackedKey => ({
  keyId,
  serverName: `autoscaler-${keyId}`,
  serverRights: RIGHTS,
  serverRightsBaseline: RIGHTS,
  ...extra,
});

/** State with generation 2 current (`ageDays` old) and, optionally, generation 1 as previous. */
function state(opts: { ageDays: number; previousSinceDays?: number; current?: Partial<TrackedKey>; previous?: Partial<TrackedKey> }) {
  const s: RotatingKeyState = {
    schemaVersion: 1,
    name: "autoscaler",
    permissions: PERMS,
    rotateEveryDays: 30,
    overlapDays: 7,
    generation: 2,
    current: { keyId: 2, key: "k2", createdAt: daysAgo(opts.ageDays), name: "autoscaler-2" },
    tracking: { current: tracked(2, opts.current) },
  };
  if (opts.previousSinceDays !== undefined) {
    s.previous = { keyId: 1, key: "k1", createdAt: daysAgo(40), name: "autoscaler-1" };
    s.tracking.previous = tracked(1, opts.previous);
    s.rotatedAt = daysAgo(opts.previousSinceDays);
    s.retiresPreviousAt = new Date(Date.parse(s.rotatedAt) + 7 * DAY).toISOString();
  }
  return s;
}

const plan = (s: RotatingKeyState, i: PlanInputs = inputs) => planRotation(s, i, NOW);
const ops = (p: RotationPlan) => ({
  action: p.action,
  deletePrevious: p.deletePrevious,
  dropPrevious: p.dropPrevious,
  createKey: p.createKey,
  demoteCurrent: p.demoteCurrent,
});

describe("applyPlan", () => {
  it("a rotation demotes current, records rotatedAt and the retirement instant", () => {
    const s = state({ ageDays: 31 });
    const p = plan(s);
    const ref = { keyId: 3, key: "k3", createdAt: NOW.toISOString(), name: "autoscaler-3" };
    const after = applyPlan(s, p, inputs, NOW, { ref, tracked: { keyId: 3 } });
    expect(after).toMatchObject({
      generation: 3,
      current: ref,
      previous: s.current,
      rotatedAt: NOW.toISOString(),
      retiresPreviousAt: "2030-06-08T00:00:00.000Z",
      tracking: { current: { keyId: 3 }, previous: s.tracking.current },
    });
  });

  it("a retirement drops previous and its schedule; a changed overlap moves the retirement instant", () => {
    const s = state({ ageDays: 8, previousSinceDays: 8 });
    const after = applyPlan(s, plan(s), inputs, NOW);
    expect(after).not.toHaveProperty("previous");
    expect(after).not.toHaveProperty("retiresPreviousAt");
    expect(after.tracking).not.toHaveProperty("previous");
    const during = state({ ageDays: 3, previousSinceDays: 3 });
    const longer = { ...inputs, overlapDays: 10 };
    expect(applyPlan(during, plan(during, longer), longer, NOW).retiresPreviousAt).toBe("2030-06-08T00:00:00.000Z");
  });

  it("refuses a creating plan without the created key", () => {
    const s = state({ ageDays: 31 });
    expect(() => applyPlan(s, plan(s), inputs, NOW)).toThrow(/none was given/);
  });
});

describe("planRotation: the decision table", () => {
  it("fresh key: nothing to do", () => {
    const p = plan(state({ ageDays: 1 }));
    expect(ops(p)).toEqual({ action: "none", deletePrevious: false, dropPrevious: false, createKey: false, demoteCurrent: false });
    expect(p.reasons).toEqual([]);
    expect(p.inPlace).toEqual([]);
  });

  it("due: rotates to generation 3, keeps the old current as previous for overlapDays", () => {
    const p = plan(state({ ageDays: 31 }));
    expect(ops(p)).toEqual({ action: "rotate", deletePrevious: false, dropPrevious: false, createKey: true, demoteCurrent: true });
    expect(p).toMatchObject({ generation: 3, newKeyName: "autoscaler-3", retiresPreviousAt: "2030-06-08T00:00:00.000Z" });
    expect(p.reasons.join("\n")).toContain('current key "autoscaler-2" (id 2) is 31.00 days old, rotateEveryDays is 30');
    expect(p.reasons.join("\n")).toContain(
      '"autoscaler-3" becomes current; "autoscaler-2" (id 2) stays valid as previous until 2030-06-08',
    );
  });

  it("exactly rotateEveryDays old counts as due", () => {
    expect(plan(state({ ageDays: 30 })).action).toBe("rotate");
    expect(plan(state({ ageDays: 29.99 })).action).toBe("none");
  });

  it("overdue by several periods: one rotation, one new key, and it says so", () => {
    const p = plan(state({ ageDays: 95 }));
    expect(ops(p)).toMatchObject({ action: "rotate", createKey: true });
    expect(p.generation).toBe(3);
    expect(p.reasons.join("\n")).toContain("3 periods overdue; one rotation catches up");
  });

  it("overlap passed: retires previous, nothing is created", () => {
    const p = plan(state({ ageDays: 8, previousSinceDays: 8 }));
    expect(ops(p)).toEqual({ action: "retire", deletePrevious: true, dropPrevious: true, createKey: false, demoteCurrent: false });
    expect(p.reasons).toEqual([
      'the overlap of previous key "autoscaler-1" (id 1) ended at 2030-05-31T00:00:00.000Z (overlapDays 7): retiring it',
    ]);
  });

  it("overlap not passed yet: previous stays", () => {
    expect(plan(state({ ageDays: 3, previousSinceDays: 3 })).action).toBe("none");
  });

  it("rotation due and overlap passed at once: one step, one deletion (previous), one creation", () => {
    const p = plan(state({ ageDays: 31, previousSinceDays: 31 }));
    expect(ops(p)).toEqual({ action: "rotate", deletePrevious: true, dropPrevious: true, createKey: true, demoteCurrent: true });
    expect(p.reasons.join("\n")).toMatch(/31\.00 days old[\s\S]*overlap of previous key "autoscaler-1" \(id 1\) ended/);
  });

  it("permission change during an overlap: rolls like a rotation, deleting the previous key early (never the current)", () => {
    const p = plan(state({ ageDays: 3, previousSinceDays: 3 }), { ...inputs, permissions: presets.readOnly() });
    expect(ops(p)).toEqual({ action: "roll", deletePrevious: true, dropPrevious: true, createKey: true, demoteCurrent: true });
    expect(p.reasons).toContain("permissions changed");
    expect(p.reasons.join("\n")).toContain(
      'previous key "autoscaler-1" (id 1) is deleted first, before its overlap ends at 2030-06-05T00:00:00.000Z (only two keys are kept)',
    );
  });

  it.each([
    ["name", { name: "scaler" }],
    ["keyParams", { keyParams: "kp" }],
  ])("a changed %s rolls", (field, change) => {
    const p = plan(state({ ageDays: 1 }), { ...inputs, ...change });
    expect(p.action).toBe("roll");
    expect(p.reasons).toContain(`${field} changed`);
    if (field === "name") expect(p.newKeyName).toBe("scaler-3");
  });

  it("object key order in permissions is not a change", () => {
    const swapped = { api: Object.fromEntries(Object.entries(PERMS.api).reverse()) };
    expect(JSON.stringify(swapped)).not.toBe(JSON.stringify(PERMS));
    expect(plan(state({ ageDays: 1 }), { ...inputs, permissions: swapped }).action).toBe("none");
  });

  it("current deleted out of band: a new current, the previous key keeps its own schedule", () => {
    const p = plan(state({ ageDays: 3, previousSinceDays: 3, current: { gone: true } }));
    expect(ops(p)).toEqual({
      action: "recreate-current",
      deletePrevious: false,
      dropPrevious: false,
      createKey: true,
      demoteCurrent: false,
    });
    expect(p.reasons[0]).toBe('current key "autoscaler-2" (id 2) was deleted outside Pulumi: creating "autoscaler-3" as current');
  });

  it("current deleted out of band while previous is past its overlap: recreate and retire in one step", () => {
    const p = plan(state({ ageDays: 20, previousSinceDays: 20, current: { gone: true } }));
    expect(ops(p)).toEqual({ action: "recreate-current", deletePrevious: true, dropPrevious: true, createKey: true, demoteCurrent: false });
  });

  it("previous deleted out of band: forgotten without an API call", () => {
    const p = plan(state({ ageDays: 3, previousSinceDays: 3, previous: { gone: true } }));
    expect(ops(p)).toEqual({ action: "retire", deletePrevious: false, dropPrevious: true, createKey: false, demoteCurrent: false });
    expect(p.reasons).toEqual(['previous key "autoscaler-1" (id 1) was deleted outside Pulumi: forgetting it']);
  });

  it("both deleted out of band: one new current, nothing deleted", () => {
    const p = plan(state({ ageDays: 3, previousSinceDays: 3, current: { gone: true }, previous: { gone: true } }));
    expect(ops(p)).toEqual({
      action: "recreate-current",
      deletePrevious: false,
      dropPrevious: true,
      createKey: true,
      demoteCurrent: false,
    });
  });

  it("rotation due while previous was deleted out of band: no API delete for the gone key", () => {
    const p = plan(state({ ageDays: 31, previousSinceDays: 3, previous: { gone: true } }));
    expect(ops(p)).toEqual({ action: "rotate", deletePrevious: false, dropPrevious: true, createKey: true, demoteCurrent: true });
  });

  it("current re-scoped or renamed out of band: rolls to a key with the declared settings", () => {
    const rescoped = plan(state({ ageDays: 1, current: { serverRights: '{"api":{"misc":{}}}' } }));
    expect(rescoped.action).toBe("roll");
    expect(rescoped.reasons[0]).toBe('the permissions of current key "autoscaler-2" (id 2) were changed outside Pulumi');
    const renamed = plan(state({ ageDays: 1, current: { serverName: "other" } }));
    expect(renamed.action).toBe("roll");
    expect(renamed.reasons[0]).toContain('was renamed outside Pulumi (to "other")');
  });

  it("previous re-scoped out of band: retired at once", () => {
    const p = plan(state({ ageDays: 3, previousSinceDays: 3, previous: { serverRights: '{"api":{"misc":{}}}' } }));
    expect(ops(p)).toMatchObject({ action: "retire", deletePrevious: true });
  });

  it("no current at all (e.g. state repaired by hand): creates one", () => {
    const s = state({ ageDays: 1 });
    delete s.current;
    delete s.tracking.current;
    expect(ops(plan(s))).toMatchObject({ action: "recreate-current", createKey: true, demoteCurrent: false });
  });

  it("schedule changes alone are in place, unless they make a step due", () => {
    const p = plan(state({ ageDays: 10 }), { ...inputs, rotateEveryDays: 60, overlapDays: 10 });
    expect(p.action).toBe("none");
    expect(p.inPlace).toEqual(["rotateEveryDays changed from 30 to 60", "overlapDays changed from 7 to 10"]);
    expect(describePlan(p)).toBe("will change settings in place: rotateEveryDays changed from 30 to 60; overlapDays changed from 7 to 10");
    expect(plan(state({ ageDays: 10 }), { ...inputs, rotateEveryDays: 9, overlapDays: 2 }).action).toBe("rotate");
    expect(plan(state({ ageDays: 3, previousSinceDays: 3 }), { ...inputs, overlapDays: 2 }).action).toBe("retire");
  });

  it("preview with unknown inputs: a shaping field may roll; an unknown schedule decides nothing yet", () => {
    const p = plan(state({ ageDays: 1 }), { ...inputs, permissions: undefined, unknownFields: ["permissions"] });
    expect(p.action).toBe("roll");
    expect(p.reasons).toContain("permissions is not known yet");
    const s = plan(state({ ageDays: 31, previousSinceDays: 31 }), {
      ...inputs,
      rotateEveryDays: undefined,
      overlapDays: undefined,
      unknownFields: ["rotateEveryDays", "overlapDays"],
    });
    expect(s.action).toBe("none");
    expect(s.inPlace).toEqual(["rotateEveryDays is not known yet", "overlapDays is not known yet"]);
  });

  it("describePlan names the step and its reasons", () => {
    expect(describePlan(plan(state({ ageDays: 31 })))).toMatch(/^will rotate: current key "autoscaler-2" \(id 2\) is 31\.00 days old/);
    expect(describePlan(plan(state({ ageDays: 8, previousSinceDays: 8 })))).toMatch(/^will retire its previous key: the overlap/);
  });
});

describe("planRotation: invariants over a grid of states", () => {
  const ages = [0, 1, 6.9, 7, 8, 29, 30, 31, 61, 200];
  const cases = ages.flatMap((age) =>
    [undefined, 0, 3, 7, 8, 40].flatMap((since) =>
      [{}, { gone: true }].flatMap((cur) =>
        [{}, { gone: true }, { serverRights: "{}" }].flatMap((prev) =>
          [inputs, { ...inputs, permissions: presets.readOnly() }].map((i) => ({ age, since, cur, prev, i })),
        ),
      ),
    ),
  );

  it(`holds for ${cases.length} combinations`, () => {
    for (const c of cases) {
      const s = state({
        ageDays: c.age,
        ...(c.since === undefined ? {} : { previousSinceDays: c.since }),
        current: c.cur,
        previous: c.prev,
      });
      const p = plan(s, c.i);
      const where = JSON.stringify(c);
      // Only `previous` can be deleted, only when there is one, and at most once.
      if (p.deletePrevious)
        expect({ where, previous: s.previous !== undefined, gone: s.tracking.previous?.gone }).toEqual({
          where,
          previous: true,
          gone: undefined,
        });
      if (p.deletePrevious) expect(p.dropPrevious).toBe(true);
      // A usable current is only ever demoted, after its successor exists, never dropped.
      if (!s.tracking.current?.gone && p.createKey) expect({ where, demote: p.demoteCurrent }).toEqual({ where, demote: true });
      if (p.demoteCurrent) expect(p.createKey).toBe(true);
      if (p.action === "none") expect([p.createKey, p.deletePrevious, p.dropPrevious]).toEqual([false, false, false]);
      // A step never leaves more than two keys: a demotion always makes room.
      if (p.demoteCurrent && s.previous) expect(p.dropPrevious).toBe(true);
      // Carried out, the step leaves a state with nothing more to do at the same instant.
      const made = { keyId: 9, key: "k9", createdAt: NOW.toISOString(), name: `${c.i.name}-${p.generation}` };
      const created = p.createKey ? { ref: made, tracked: { keyId: 9, serverName: made.name } } : undefined;
      const after = applyPlan(s, p, c.i, NOW, created);
      expect({ where, next: plan(after, c.i).action }).toEqual({ where, next: "none" });
      expect([after.current, after.previous].filter(Boolean).length).toBeLessThanOrEqual(2);
    }
  });
});
