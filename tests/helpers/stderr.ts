/** Capturing what the provider writes to stderr (which the Pulumi engine shows to the user). */

/** A running capture of `process.stderr`; call `restore()` when done. */
export interface StderrCapture {
  /** Everything written so far. */
  text(): string;
  /** Written lines so far, without empty ones. */
  lines(): string[];
  /** Puts the real `process.stderr.write` back. */
  restore(): void;
}

/**
 * Records every `process.stderr.write` until `restore()`, and still lets it through unless
 * `echo` is false (long runs that print what they captured only when something fails).
 */
export function captureStderr(options: { echo?: boolean } = {}): StderrCapture {
  const echo = options.echo ?? true;
  const chunks: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    chunks.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
    if (!echo) {
      // A write callback must still run, as the real stream would run it.
      const callback = rest.find((r): r is () => void => typeof r === "function");
      callback?.();
      return true;
    }
    return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stderr.write;
  return {
    text: () => chunks.join(""),
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter((l) => l !== ""),
    restore: () => {
      process.stderr.write = original;
    },
  };
}
