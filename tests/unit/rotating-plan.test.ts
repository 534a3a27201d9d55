import { presets } from "../../provider/permissions";
import type { RotatingKeyInputs } from "../../provider/rotating/inputs";
import { applyPlan, describePlan, type PlanInputs, planRotation, type RotationPlan, withoutKeys } from "../../provider/rotating/plan";
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
  previousFate: p.previousFate,
  deleteKeyIds: p.deleteKeyIds,
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
    expect(ops(p)).toEqual({ action: "none", previousFate: "stays", deleteKeyIds: [], createKey: false, demoteCurrent: false });
    expect(p.reasons).toEqual([]);
    expect(p.inPlace).toEqual([]);
  });

  it("due: rotates to generation 3, keeps the old current as previous for overlapDays", () => {
    const p = plan(state({ ageDays: 31 }));
    expect(ops(p)).toEqual({ action: "rotate", previousFate: "stays", deleteKeyIds: [], createKey: true, demoteCurrent: true });
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

  it("overdue by several periods: one rotation, one new key, and it says by how many (due at 30, so 1 at 60, 2 at 95)", () => {
    const p = plan(state({ ageDays: 95 }));
    expect(ops(p)).toMatchObject({ action: "rotate", createKey: true });
    expect(p.generation).toBe(3);
    expect(p.reasons.join("\n")).toContain("(2 periods overdue; one rotation catches up)");
    expect(plan(state({ ageDays: 60 })).reasons.join("\n")).toContain("(1 period overdue; one rotation catches up)");
    expect(plan(state({ ageDays: 59 })).reasons.join("\n")).not.toContain("overdue");
  });

  it("overlap passed: retires previous, nothing is created", () => {
    const p = plan(state({ ageDays: 8, previousSinceDays: 8 }));
    expect(ops(p)).toEqual({ action: "retire", previousFate: "delete", deleteKeyIds: [1], createKey: false, demoteCurrent: false });
    expect(p.reasons).toEqual([
      'the overlap of previous key "autoscaler-1" (id 1) ended at 2030-05-31T00:00:00.000Z (overlapDays 7): retiring it',
    ]);
  });

  it("overlap not passed yet: previous stays", () => {
    expect(plan(state({ ageDays: 3, previousSinceDays: 3 })).action).toBe("none");
  });

  it("rotation due and overlap passed at once: one step, one creation, then one deletion (previous)", () => {
    const p = plan(state({ ageDays: 31, previousSinceDays: 31 }));
    expect(ops(p)).toEqual({ action: "rotate", previousFate: "delete", deleteKeyIds: [1], createKey: true, demoteCurrent: true });
    expect(p.reasons.join("\n")).toMatch(/31\.00 days old[\s\S]*overlap of previous key "autoscaler-1" \(id 1\) ended/);
  });

  it("permission change during an overlap: rolls like a rotation; the previous key is kept until its published retirement", () => {
    const s = state({ ageDays: 3, previousSinceDays: 3 });
    const p = plan(s, { ...inputs, permissions: presets.readOnly() });
    expect(ops(p)).toEqual({ action: "roll", previousFate: "retiring", deleteKeyIds: [], createKey: true, demoteCurrent: true });
    expect(p.reasons).toContain("permissions changed");
    expect(p.reasons.join("\n")).toContain(
      'previous key "autoscaler-1" (id 1) stays valid until 2030-06-05T00:00:00.000Z, as published, then is deleted',
    );
    const ref = { keyId: 3, key: "k3", createdAt: NOW.toISOString(), name: "autoscaler-3" };
    const after = applyPlan(s, p, { ...inputs, permissions: presets.readOnly() }, NOW, { ref, tracked: { keyId: 3 } });
    expect(after.tracking.retiring).toEqual([
      expect.objectContaining({ keyId: 1, name: "autoscaler-1", retiresAt: "2030-06-05T00:00:00.000Z" }),
    ]);
    // At its published time, it is deleted (and only then).
    const justBefore = new Date(Date.parse("2030-06-05T00:00:00.000Z") - 1);
    expect(planRotation(after, { ...inputs, permissions: presets.readOnly() }, justBefore).deleteKeyIds).toEqual([]);
    const at = new Date("2030-06-05T00:00:00.000Z");
    const retire = planRotation(after, { ...inputs, permissions: presets.readOnly() }, at);
    expect(ops(retire)).toMatchObject({ action: "retire", previousFate: "stays", deleteKeyIds: [1] });
    expect(describePlan(retire)).toBe(
      'will retire old keys: the overlap of retired key "autoscaler-1" (id 1) ended at 2030-06-05T00:00:00.000Z: deleting it',
    );
  });

  it("a changed schedule never moves a published retirement earlier (rotateEveryDays shrinks the default overlap)", () => {
    const s = state({ ageDays: 3, previousSinceDays: 3 }); // retiresPreviousAt published: 2030-06-05
    const shorter = { ...inputs, rotateEveryDays: 4, overlapDays: 1 };
    const p = plan(s, shorter);
    expect(p.deleteKeyIds).toEqual([]);
    expect(applyPlan(s, p, shorter, NOW).retiresPreviousAt).toBe("2030-06-05T00:00:00.000Z");
    // Rotating while that previous is still inside its published overlap: it waits in `retiring`.
    const due = plan(state({ ageDays: 5, previousSinceDays: 3 }), shorter);
    expect(ops(due)).toMatchObject({ action: "rotate", previousFate: "retiring", deleteKeyIds: [] });
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
    expect(ops(p)).toEqual({ action: "recreate-current", previousFate: "stays", deleteKeyIds: [], createKey: true, demoteCurrent: false });
    expect(p.reasons[0]).toBe('current key "autoscaler-2" (id 2) was deleted outside Pulumi: creating "autoscaler-3" as current');
  });

  it("current deleted out of band while previous is past its overlap: recreate and retire in one step", () => {
    const p = plan(state({ ageDays: 20, previousSinceDays: 20, current: { gone: true } }));
    expect(ops(p)).toEqual({
      action: "recreate-current",
      previousFate: "delete",
      deleteKeyIds: [1],
      createKey: true,
      demoteCurrent: false,
    });
  });

  it("previous deleted out of band: forgotten without an API call", () => {
    const p = plan(state({ ageDays: 3, previousSinceDays: 3, previous: { gone: true } }));
    expect(ops(p)).toEqual({ action: "retire", previousFate: "forget", deleteKeyIds: [], createKey: false, demoteCurrent: false });
    expect(p.reasons).toEqual(['previous key "autoscaler-1" (id 1) was deleted outside Pulumi: forgetting it']);
  });

  it("both deleted out of band: one new current, nothing deleted", () => {
    const p = plan(state({ ageDays: 3, previousSinceDays: 3, current: { gone: true }, previous: { gone: true } }));
    expect(ops(p)).toEqual({ action: "recreate-current", previousFate: "forget", deleteKeyIds: [], createKey: true, demoteCurrent: false });
  });

  it("rotation due while previous was deleted out of band: no API delete for the gone key", () => {
    const p = plan(state({ ageDays: 31, previousSinceDays: 3, previous: { gone: true } }));
    expect(ops(p)).toEqual({ action: "rotate", previousFate: "forget", deleteKeyIds: [], createKey: true, demoteCurrent: true });
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
    expect(ops(p)).toMatchObject({ action: "retire", previousFate: "delete", deleteKeyIds: [1] });
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
    // A shorter overlap applies from the next rotation: the published retirement stands.
    expect(plan(state({ ageDays: 3, previousSinceDays: 3 }), { ...inputs, overlapDays: 2 }).action).toBe("none");
    expect(plan(state({ ageDays: 3, previousSinceDays: 3 }), { ...inputs, overlapDays: 10 }).inPlace).toEqual([
      "overlapDays changed from 7 to 10",
    ]);
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
      // Only `previous` (or retiring keys) can be deleted, never `current`, and never a key that is gone.
      expect({ where, current: p.deleteKeyIds.includes(2) }).toEqual({ where, current: false });
      if (p.deleteKeyIds.includes(1)) expect({ where, gone: s.tracking.previous?.gone }).toEqual({ where, gone: undefined });
      // A key consumers may hold is deleted only once its published retirement passed (or it was re-scoped).
      if (p.deleteKeyIds.includes(1) && !c.prev.serverRights) {
        expect({ where, due: NOW.getTime() >= Date.parse(s.retiresPreviousAt ?? "1970-01-01T00:00:00Z") }).toEqual({ where, due: true });
      }
      // A usable current is only ever demoted, after its successor exists, never dropped.
      if (!s.tracking.current?.gone && p.createKey) expect({ where, demote: p.demoteCurrent }).toEqual({ where, demote: true });
      if (p.demoteCurrent) expect(p.createKey).toBe(true);
      if (p.action === "none") expect([p.createKey, p.deleteKeyIds, p.previousFate]).toEqual([false, [], "stays"]);
      // A demotion always frees the previous slot.
      if (p.demoteCurrent && s.previous) expect(p.previousFate).not.toBe("stays");
      // Carried out, the step leaves a state with nothing more to do at the same instant.
      const made = { keyId: 9, key: "k9", createdAt: NOW.toISOString(), name: `${c.i.name}-${p.generation}` };
      const created = p.createKey ? { ref: made, tracked: { keyId: 9, serverName: made.name } } : undefined;
      const after = withoutKeys(applyPlan(s, p, c.i, NOW, created), p.deleteKeyIds);
      expect({ where, next: plan(after, c.i).action }).toEqual({ where, next: "none" });
      expect([after.current, after.previous].filter(Boolean).length).toBeLessThanOrEqual(2);
      // Every key still on Vast is named by the state.
      for (const id of [s.current?.keyId, s.previous?.keyId]) {
        if (id === undefined || p.deleteKeyIds.includes(id) || s.tracking.current?.gone || s.tracking.previous?.gone) continue;
        const named = [after.current?.keyId, after.previous?.keyId, ...(after.tracking.retiring ?? []).map((r) => r.keyId)];
        expect({ where, id, named: named.includes(id) }).toEqual({ where, id, named: true });
      }
    }
  });
});
