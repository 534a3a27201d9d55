/**
 * Tunables read from the environment, validated in one place. Each is documented in the
 * configuration table of docs/configuration.md. An invalid value is an error, never silently ignored.
 */
import { ErrorCodes, VastConfigError } from "./errors";

/** Process-level tunables. */
export interface Settings {
  /** `VAST_PACING_SCALE`: multiplies client-side pacing intervals (0 disables). Default 1. */
  pacingScale: number;
  /** `VAST_TIMEOUT_MS`: per-attempt HTTP timeout. Default 30000. */
  timeoutMs: number;
  /** `VAST_MAX_ATTEMPTS`: attempts per call for 5xx and connection failures (not 429). Default 6. */
  maxAttempts: number;
  /** `VAST_RETRY_BUDGET_MS`: how long one call may keep retrying 429s (0: never). Default 600000. */
  retryBudgetMs: number;
  /** `VAST_LIST_CACHE_MS`: how long one key-list answer serves concurrent reads. Default 10000. */
  listCacheMs: number;
  /** `VAST_DEBUG`: write debug lines (never secrets) to stderr. Default off. */
  debug: boolean;
}

function numberVar(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new VastConfigError(
      ErrorCodes.invalidSetting,
      `${name}="${raw}" is invalid: expected ${integer ? "an integer" : "a number"} between ${min} and ${max}`,
    );
  }
  return value;
}

/** Reads and validates all tunables. @throws VastConfigError naming the variable and the rule. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const debugRaw = (env.VAST_DEBUG ?? "").trim().toLowerCase();
  return {
    pacingScale: numberVar(env, "VAST_PACING_SCALE", 1, 0, 100, false),
    timeoutMs: numberVar(env, "VAST_TIMEOUT_MS", 30_000, 1, 600_000, true),
    maxAttempts: numberVar(env, "VAST_MAX_ATTEMPTS", 6, 1, 20, true),
    retryBudgetMs: numberVar(env, "VAST_RETRY_BUDGET_MS", 600_000, 0, 86_400_000, true),
    listCacheMs: numberVar(env, "VAST_LIST_CACHE_MS", 10_000, 0, 600_000, true),
    debug: debugRaw !== "" && debugRaw !== "0" && debugRaw !== "false",
  };
}
