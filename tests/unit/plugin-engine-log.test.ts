/**
 * The plugin forwards what the runtime writes to stderr during a resource call to the engine's
 * `Log` (which shows it under the resource), attributed to the right resource across `await`s
 * and concurrent calls, without ever failing or losing the call; stderr still gets everything.
 */
import { CallOutput, engineAddressOf, type LogSink, type WritableLike } from "../../provider/plugin/engine-log";

const A = "urn:pulumi:prod::p::vast:index:RotatingApiKey::autoscaler";
const B = "urn:pulumi:prod::p::vast:index:ApiKey::deploy";

function fakeStream() {
  const written: string[] = [];
  const stream = {
    write: (chunk: unknown) => {
      written.push(String(chunk));
      return true;
    },
  } as unknown as WritableLike;
  return { stream, written };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("runtime output through the engine's Log", () => {
  it("sends each line written during a call with that call's URN, also after awaits, and answers once they are delivered", async () => {
    const { stream, written } = fakeStream();
    const delivered: Array<[string, string]> = [];
    const sink: LogSink = async (urn, message) => {
      await tick();
      delivered.push([urn, message]);
    };
    const output = new CallOutput(sink, stream);
    const result = await output.during(A, async () => {
      stream.write('vast: rotating key "prod-autoscaler" will rotate: …\n');
      await tick();
      stream.write("[vast] GET /api/v0/auth/apikeys/ 200\n");
      return 42;
    });
    expect(result).toBe(42);
    expect(delivered).toEqual([
      [A, 'vast: rotating key "prod-autoscaler" will rotate: …'],
      [A, "[vast] GET /api/v0/auth/apikeys/ 200"],
    ]);
    // stderr still has everything (the engine's verbose log, its dump after a crash).
    expect(written).toEqual(['vast: rotating key "prod-autoscaler" will rotate: …\n', "[vast] GET /api/v0/auth/apikeys/ 200\n"]);
  });

  it("never mixes up concurrent calls, and forwards nothing written outside a call", async () => {
    const { stream } = fakeStream();
    const delivered: Array<[string, string]> = [];
    const output = new CallOutput(async (urn, message) => void delivered.push([urn, message]), stream);
    const call = (urn: string, name: string) =>
      output.during(urn, async () => {
        await tick();
        stream.write(`${name} one\n`);
        await tick();
        stream.write(`${name} two\n`);
      });
    stream.write("startup noise\n");
    await Promise.all([call(A, "a"), call(B, "b")]);
    expect(delivered.filter(([urn]) => urn === A).map(([, m]) => m)).toEqual(["a one", "a two"]);
    expect(delivered.filter(([urn]) => urn === B).map(([, m]) => m)).toEqual(["b one", "b two"]);
    expect(delivered).toHaveLength(4);
  });

  it("an engine that cannot be reached loses the message, never the call's answer or error", async () => {
    const { stream, written } = fakeStream();
    const output = new CallOutput(() => Promise.reject(new Error("14 UNAVAILABLE")), stream);
    const answer = output.during(A, async () => {
      stream.write("vast: hello\n");
      return "ok";
    });
    await expect(answer).resolves.toBe("ok");
    await expect(
      output.during(A, async () => {
        stream.write("vast: about to fail\n");
        throw new Error("VAST_NOT_FOUND");
      }),
    ).rejects.toThrow("VAST_NOT_FOUND");
    expect(written).toEqual(["vast: hello\n", "vast: about to fail\n"]);
  });

  it("finds the engine address where the engine puts it: last, after logging and tracing flags", () => {
    expect(engineAddressOf(["127.0.0.1:40123"])).toBe("127.0.0.1:40123");
    expect(engineAddressOf(["--logtostderr", "-v=9", "--tracing", "file:/tmp/t", "127.0.0.1:40123"])).toBe("127.0.0.1:40123");
    expect(engineAddressOf([])).toBeUndefined();
    expect(engineAddressOf(["-v=9"])).toBeUndefined();
  });
});
