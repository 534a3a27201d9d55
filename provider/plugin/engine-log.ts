/**
 * What the runtime says on stderr while it serves a resource, shown to the user through the
 * engine. The runtime writes its notices to stderr (why a key is replaced or rotated, a lost
 * create being reconciled, `VAST_DEBUG` lines), and for the dynamic-provider door the engine
 * prints that stream. For any other resource plugin the engine keeps the stream out of the
 * display (only the dynamic-provider hosts are shown: `isDynamicPluginBinary` in Pulumi's
 * `sdk/go/common/resource/plugin/plugin.go`); a real plugin reports through the engine's `Log`
 * RPC instead. {@link CallOutput} forwards what is written to stderr during a resource call to
 * `Log`, attached to that call's resource, so `pulumi preview` shows the same lines through both
 * doors. Attribution follows the call across `await`s (AsyncLocalStorage), so concurrent calls
 * for different resources never get each other's lines. Everything still goes to stderr too
 * (the engine's verbose log, and its dump when a plugin crashes).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import * as grpc from "@grpc/grpc-js";
import { EngineClient } from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engineproto from "@pulumi/pulumi/proto/engine_pb";

/** Delivers one message about one resource; a rejection means it was not delivered. */
export type LogSink = (urn: string, message: string) => Promise<void>;

/** The stream the runtime writes to (only `write` is used). */
export interface WritableLike {
  write: NodeJS.WriteStream["write"];
}

interface Call {
  urn: string;
  pending: Array<Promise<void>>;
}

/** How long a call's answer waits for its messages to reach the engine. */
const DELIVERY_TIMEOUT_MS = 5000;

/** Forwards a stream's output during resource calls to a {@link LogSink}. */
export class CallOutput {
  private readonly calls = new AsyncLocalStorage<Call>();

  /**
   * @param sink Where messages go (none: nothing is forwarded, e.g. no engine address).
   * @param stream The stream to watch; its `write` is wrapped once, here.
   */
  constructor(
    private readonly sink: LogSink | undefined,
    stream: WritableLike = process.stderr,
  ) {
    if (!sink) return;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      const call = this.calls.getStore();
      if (call) this.forward(call, chunk);
      return write(chunk, ...rest);
    }) as NodeJS.WriteStream["write"];
  }

  /**
   * Runs `fn` as a call for the resource `urn`: what it writes (also after `await`s) is sent to
   * the sink, and the result comes back once that was delivered (or failed, or timed out: a
   * message that cannot be shown never fails the operation).
   */
  async during<T>(urn: string, fn: () => Promise<T>): Promise<T> {
    if (!this.sink || !urn) return fn();
    const call: Call = { urn, pending: [] };
    try {
      return await this.calls.run(call, fn);
    } finally {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, DELIVERY_TIMEOUT_MS);
      });
      await Promise.race([Promise.allSettled(call.pending), timeout]);
      clearTimeout(timer);
    }
  }

  private forward(call: Call, chunk: unknown): void {
    const text = (typeof chunk === "string" ? chunk : chunk instanceof Uint8Array ? Buffer.from(chunk).toString("utf8") : "").trimEnd();
    if (!text || !this.sink) return;
    call.pending.push(this.sink(call.urn, text).catch(() => undefined));
  }
}

/** The engine's address among a plugin's arguments (shared with the engine watch). */
export { engineAddressOf } from "../engine-liveness";

/** A sink calling the engine's `Log` RPC with severity info. */
export function engineLogSink(address: string): LogSink {
  const client = new EngineClient(address, grpc.credentials.createInsecure());
  return (urn, message) =>
    new Promise((resolve, reject) => {
      const req = new engineproto.LogRequest().setSeverity(engineproto.LogSeverity.INFO).setMessage(message).setUrn(urn);
      client.log(req, new grpc.Metadata(), { deadline: Date.now() + DELIVERY_TIMEOUT_MS }, (err) => (err ? reject(err) : resolve()));
    });
}
