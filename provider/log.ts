/**
 * Debug logging. Off unless `VAST_DEBUG` is set; lines go to stderr, which the Pulumi engine
 * shows for the dynamic-provider plugin (and records in its verbose logs, `-v=9`).
 * Callers pass only non-secret facts (routes, statuses, waits, ids); every line is additionally
 * passed through {@link redactSecrets} with the secrets registered via {@link registerSecret}.
 */
import { redactSecrets } from "./errors";

/** Where debug lines go. */
export interface Logger {
  /** Writes one debug line. */
  debug(message: string): void;
}

const secrets = new Set<string>();

/** Registers a value that must never appear in a log line (management key, created keys). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

/** Scrubs every registered secret from `text`. */
export function scrub(text: string): string {
  return redactSecrets(text, secrets);
}

/** A logger writing `[vast] ...` lines to stderr, or a no-op when disabled. */
export function stderrLogger(enabled: boolean): Logger {
  return {
    debug(message: string) {
      if (enabled) process.stderr.write(`[vast] ${scrub(message)}\n`);
    },
  };
}

/**
 * Writes one line a user should see without debug logging (which credential is in use, why a
 * key is replaced or rotated, what happened after a lost create) to stderr, which the Pulumi
 * engine shows for a dynamic provider and the plugin forwards to the engine's log. Registered
 * secrets are scrubbed, as in debug lines.
 */
export function notice(line: string): void {
  process.stderr.write(`${scrub(line)}\n`);
}

/** A logger that discards everything. */
export const silentLogger: Logger = { debug() {} };
