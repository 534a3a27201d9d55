/**
 * The fault matrix: for each fault the emulator can inject, a multi-key lifecycle (create N,
 * refresh, replace some, delete all) through the provider, checking after every phase that the
 * keys live on Vast are exactly the keys the engine believes exist: 0 orphaned, 0 duplicated,
 * 0 lost. Every error that reaches the user must be one of ours, with a code and a clear message.
 */
import { isVastError } from "pulumi-vast-api-keys";
import type { FaultSpec } from "../../emulator/faults";
import { dynamicDoor } from "../helpers/doors";
import { type EmulatorProcess, startEmulatorProcess } from "../helpers/emulator";
import { type Declared, Engine } from "../helpers/engine";

// Short timeouts so "slow" and "dropped" faults trip them; the settle wait after a lost create
// is twice this.
process.env.VAST_TIMEOUT_MS = "500";

const POST = "POST /api/v0/auth/apikeys/";
const LIST = "GET /api/v0/auth/apikeys/";
const DELETE = "DELETE /api/v0/auth/apikeys/{id}/";
const N = 4;

const statusFaults: Array<[string, FaultSpec[]]> = [500, 502, 503, 504].flatMap((status) =>
  [POST, LIST, DELETE].map((route): [string, FaultSpec[]] => [
    `${status} on ${route}`,
    [{ route, skip: 1, times: 2, action: { type: "status", status } }],
  ]),
);

const MATRIX: Array<[string, FaultSpec[]]> = [
  ["429 storm on every route", [{ route: "*", times: 12, action: { type: "status", status: 429 } }]],
  ...statusFaults,
  ["connection reset before commit on create", [{ route: POST, skip: 1, action: { type: "reset" } }]],
  ["connection reset before commit on list", [{ route: LIST, action: { type: "reset" } }]],
  ["connection reset before commit on delete", [{ route: DELETE, action: { type: "reset" } }]],
  ["connection reset after commit on create", [{ route: POST, skip: 1, action: { type: "reset-after-commit" } }]],
  ["connection reset after commit on delete", [{ route: DELETE, action: { type: "reset-after-commit" } }]],
  ["commit then drop the response on create", [{ route: POST, skip: 2, action: { type: "drop-after-commit" } }]],
  ["slow create past the timeout", [{ route: POST, skip: 1, action: { type: "delay", ms: 800 } }]],
  ["slow list past the timeout", [{ route: LIST, action: { type: "delay", ms: 800 } }]],
  ["list stale once", [{ route: LIST, skip: 1, action: { type: "stale-list" } }]],
  [
    "dropped create, then a stale list during reconciliation",
    [
      { route: POST, action: { type: "drop-after-commit" } },
      { route: LIST, skip: 1, action: { type: "stale-list" } },
    ],
  ],
];

let emu: EmulatorProcess;
beforeAll(async () => {
  emu = await startEmulatorProcess();
});
afterAll(async () => emu?.stop());
afterEach(async () => emu.admin.clearFaults());

const perms = (i: number) => (i % 2 ? { api: { misc: {} } } : { api: { instance_read: {} } });
/** N keys; the first `changed` of them with the other permissions (which replaces them). */
const program = (changed = 0) =>
  new Map<string, Declared>(
    Array.from({ length: N }, (_, i) => [
      `k${i}`,
      { kind: "ApiKey", inputs: { name: `k${i}`, permissions: perms(i + (i < changed ? 1 : 0)) } },
    ]),
  );

describe.each(MATRIX)("under fault: %s", (_name, faults) => {
  it("leaves exactly the keys the engine believes exist, at every phase", async () => {
    const account = await emu.newAccount();
    const engine = new Engine(dynamicDoor, { "vast:apiKey": account.apiKey, "vast:url": emu.url });
    const live = async () =>
      (await emu.admin.liveKeys(account.userId))
        .filter((k) => k.id !== account.keyId)
        .map((k) => k.id)
        .sort((a, b) => a - b);

    await emu.admin.addFaults(...faults);
    await engine.converge(() => engine.up(program()));
    expect(await live()).toEqual(engine.keyIds());
    expect(engine.keyIds()).toHaveLength(N);

    await engine.converge(() => engine.refresh());
    expect(engine.state.size).toBe(N);
    expect(await live()).toEqual(engine.keyIds());

    // Two keys replaced (new key first, old one deleted after), then everything destroyed.
    await emu.admin.addFaults(...faults);
    await engine.converge(() => engine.up(program(2)));
    expect(await live()).toEqual(engine.keyIds());
    await engine.converge(() => engine.up(new Map()));
    expect(await live()).toEqual(engine.keyIds());

    await emu.admin.addFaults(...faults);
    await engine.converge(() => engine.up(program()));
    await engine.converge(() => engine.up(new Map()));
    expect(engine.keyIds()).toEqual([]);
    expect(await live()).toEqual([]);

    for (const { error: err } of engine.errors) {
      expect(isVastError(err)).toBe(true);
      const e = err as Error & { code: string };
      expect(e.code).toMatch(/^VAST_/);
      expect(e.message).toMatch(/Vast API (GET|POST|DELETE) \/api\/v0\/|creating key/);
      expect(e.message).not.toContain(account.apiKey);
    }
  });
});
