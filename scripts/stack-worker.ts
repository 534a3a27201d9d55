/**
 * One "stack" of scripts/parallel-stacks.ts: a separate Node process with its own provider
 * runtime, as the engine's provider process of one stack is, creating keys on an account that
 * other such processes use at the same time, with the engine's concurrency.
 *
 * Credentials and endpoint come from `VAST_API_KEY` / `VAST_URL` (as in CI); arguments:
 * `--creates N --callers C --prefix P`. Protocol over the IPC channel: `ready` once the runtime is
 * loaded, then `go` from the parent, then `done` with the figures.
 */
import { parseArgs } from "node:util";
import { isVastError } from "../provider/errors";
import * as runtime from "../provider/runtime";

/** What a worker reports. */
export interface StackWorkerResult {
  type: "done";
  /** Creates that succeeded. */
  ok: number;
  /** One entry per failed create: the error code (or name) and message. */
  failures: Array<{ code: string; message: string }>;
  /** Duration of each create, ms, in completion order. */
  createMs: number[];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { creates: { type: "string" }, callers: { type: "string" }, prefix: { type: "string" } },
  });
  const creates = Number(values.creates);
  const callers = Number(values.callers);
  const prefix = values.prefix ?? "stack";
  const send = (msg: unknown) => new Promise<void>((resolve) => process.send?.(msg, () => resolve()));
  await new Promise<void>((resolve) => {
    process.once("message", () => resolve());
    void send({ type: "ready" });
  });

  const result: StackWorkerResult = { type: "done", ok: 0, failures: [], createMs: [] };
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(callers, creates) }, async () => {
      while (next < creates) {
        const i = next++;
        const start = performance.now();
        try {
          await runtime.create({ name: `${prefix}-${i}`, permissions: { api: { misc: {} } } });
          result.ok++;
        } catch (err) {
          result.failures.push({
            code: isVastError(err) ? err.code : err instanceof Error ? err.name : "unknown",
            message: err instanceof Error ? err.message : String(err),
          });
        }
        result.createMs.push(performance.now() - start);
      }
    }),
  );
  await send(result);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(`stack worker failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
