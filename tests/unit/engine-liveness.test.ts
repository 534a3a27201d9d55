/**
 * The engine watch (provider/engine-liveness.ts) without sockets or processes: a fake parent pid,
 * a fake connector, and the client's hook with undici's MockAgent. The real process tree is in
 * tests/integration/engine-gone.test.ts.
 */
import { MockAgent } from "undici";
import { VastClient } from "../../provider/client/client";
import { Pacer } from "../../provider/client/pacing";
import {
  type EngineConnection,
  type EngineConnector,
  EngineLiveness,
  isDynamicProviderHost,
  watchEngineAddress,
} from "../../provider/engine-liveness";
import { ErrorCodes, type VastError } from "../../provider/errors";

/** A liveness whose parent pid the test moves; records the reasons `onGone` got. */
function withParent(initial = 100) {
  let ppid = initial;
  const gone: string[] = [];
  const liveness = new EngineLiveness({ parentPid: initial, currentParentPid: () => ppid, onGone: (r) => gone.push(r) });
  return { liveness, gone, reparent: (pid = 1) => (ppid = pid) };
}

/** A connector whose connections the test closes, and whose answers it scripts (true: connects). */
function fakeEngine(answers: boolean[]) {
  const open: Array<() => void> = [];
  let attempts = 0;
  const connect: EngineConnector = async () => {
    attempts++;
    if (!(answers.shift() ?? false)) throw Object.assign(new Error("refused"), { code: "ECONNREFUSED" });
    const listeners: Array<() => void> = [];
    open.push(() => {
      for (const l of listeners) l();
    });
    return { onClose: (l) => listeners.push(l) } satisfies EngineConnection;
  };
  return { connect, attempts: () => attempts, closeLatest: () => open.pop()?.() };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("EngineLiveness", () => {
  it("is inert when nothing is watched: never gone, sends pass", async () => {
    const liveness = new EngineLiveness({ onGone: () => fail("must not be called") });
    expect(liveness.goneReason()).toBeUndefined();
    await expect(liveness.beforeSend("POST /api/v0/auth/apikeys/")).resolves.toBeUndefined();
  });

  it("a changed parent pid means the engine is gone: onGone once, and every send refused with VAST_ENGINE_GONE", async () => {
    const { liveness, gone, reparent } = withParent(4242);
    expect(() => liveness.assertAlive("POST /api/v0/auth/apikeys/")).not.toThrow();
    reparent(1);
    const err = (await liveness.beforeSend("POST /api/v0/auth/apikeys/").catch((e: unknown) => e)) as VastError;
    expect(err.code).toBe(ErrorCodes.engineGone);
    expect(err.message).toMatch(/not sending POST \/api\/v0\/auth\/apikeys\/: the Pulumi engine that started this provider is gone/);
    expect(err.message).toContain("parent process 4242 exited");
    expect(() => liveness.assertAlive("DELETE /api/v0/auth/apikeys/{id}/")).toThrow(/gone/);
    expect(gone).toEqual(["its parent process 4242 exited"]);
  });
});

describe("watchEngineAddress", () => {
  it("an address that never accepted a connection is not watched (a dummy address proves nothing)", async () => {
    const { liveness, gone } = withParent();
    const engine = fakeEngine([false]);
    await watchEngineAddress(liveness, "127.0.0.1:1", { connect: engine.connect });
    expect(engine.attempts()).toBe(1);
    expect(liveness.goneReason()).toBeUndefined();
    expect(gone).toEqual([]);
  });

  it("a connection that closes while the engine still answers is replaced; sends wait for that check (from the close on), then go", async () => {
    const { liveness, gone } = withParent();
    let release = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    const engine = fakeEngine([true, true]);
    const connect: EngineConnector = async (a) => {
      if (engine.attempts() === 1) await slow;
      return engine.connect(a);
    };
    void watchEngineAddress(liveness, "127.0.0.1:5000", { connect });
    await tick();
    engine.closeLatest();
    let sent = false;
    const send = liveness.beforeSend("POST /api/v0/auth/apikeys/").then(() => {
      sent = true;
    });
    await tick();
    expect(sent).toBe(false);
    release();
    await send;
    expect(sent).toBe(true);
    expect(engine.attempts()).toBe(2);
    expect(gone).toEqual([]);
  });

  it("a closed connection that cannot be reopened (twice) means the engine is gone; a waiting send is refused", async () => {
    const { liveness, gone } = withParent();
    const engine = fakeEngine([true, false, false]);
    const sleeps: number[] = [];
    const watch = watchEngineAddress(liveness, "127.0.0.1:5000", {
      connect: engine.connect,
      retryMs: 100,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    await tick();
    engine.closeLatest();
    const send = liveness.beforeSend("DELETE /api/v0/auth/apikeys/{id}/");
    await watch;
    await expect(send).rejects.toMatchObject({ code: ErrorCodes.engineGone });
    expect(engine.attempts()).toBe(3);
    expect(sleeps).toEqual([100]);
    expect(gone).toEqual(["its engine at 127.0.0.1:5000 stopped accepting connections (ECONNREFUSED)"]);
  });

  it("stops watching an address whose connections keep closing at once (no gRPC engine there), without declaring it gone", async () => {
    const { liveness, gone } = withParent();
    const engine = fakeEngine([true, true, true, true]);
    let clock = 0;
    const watch = watchEngineAddress(liveness, "127.0.0.1:5000", { connect: engine.connect, now: () => clock });
    for (let i = 0; i < 3; i++) {
      await tick();
      clock += 10;
      engine.closeLatest();
    }
    await watch;
    expect(engine.attempts()).toBe(3);
    expect(gone).toEqual([]);
    await expect(liveness.beforeSend("POST /api/v0/auth/apikeys/")).resolves.toBeUndefined();
  });
});

describe("isDynamicProviderHost", () => {
  it.each([
    ["/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider/index.js", true],
    ["/p/node_modules/@pulumi/pulumi/cmd/dynamic-provider", true],
    ["C:\\p\\node_modules\\@pulumi\\pulumi\\cmd\\dynamic-provider\\index.js", true],
    ["/p/node_modules/jest-worker/build/workers/processChild.js", false],
    ["/p/dist/plugin/pulumi-resource-vast/pulumi-resource-vast.js", false],
    [undefined, false],
  ])("%s → %s", (script, expected) => {
    expect(isDynamicProviderHost(script)).toBe(expected);
  });
});

describe("VastClient with an engine that is gone", () => {
  it("sends nothing, after its pacing wait, and fails with VAST_ENGINE_GONE", async () => {
    const agent = new MockAgent();
    agent.disableNetConnect();
    const { liveness, reparent } = withParent();
    const client = new VastClient({
      baseUrl: "https://console.vast.ai",
      apiKey: "management-key-0123456789abcdef",
      dispatcher: agent,
      pacer: new Pacer({ scale: 0 }),
      engine: liveness,
    });
    // Would answer, if anything were sent; MockAgent refuses anything not intercepted.
    agent.get("https://console.vast.ai").intercept({ path: "/api/v0/auth/apikeys/", method: "POST" }).reply(200, { id: 1, key: "k" });
    reparent();
    await expect(client.createKey({ name: "n", permissions: { api: { misc: {} } } })).rejects.toMatchObject({
      code: ErrorCodes.engineGone,
    });
    await expect(client.deleteKey(7)).rejects.toMatchObject({ code: ErrorCodes.engineGone });
    expect(client.stats().requests).toBe(0);
    expect(agent.pendingInterceptors()).toHaveLength(1);
  });
});
