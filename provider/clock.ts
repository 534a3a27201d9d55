/**
 * The provider's clock. Every time-based decision (a `VastApiKey` older than `rotateAfterDays`,
 * a `RotatingVastApiKey` due for rotation or retirement) reads "now" from here, so that tests
 * and dry runs can move time with `VAST_NOW` instead of waiting for it.
 */
import { ErrorCodes, VastConfigError } from "./errors";

// An instant: date, time and an explicit zone. A bare date or a zone-less time would be read in
// the machine's local zone, which is exactly the kind of silent guess a clock must not make.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The current instant: `VAST_NOW` (an ISO-8601 instant such as `2026-03-01T12:00:00Z`) when set,
 * else the real time. A testing aid: it changes what the provider believes the time is, nothing
 * else (Vast still stamps keys with its own clock).
 * @throws VastConfigError `VAST_INVALID_SETTING` naming `VAST_NOW` when it is set but not an instant.
 */
export function now(env: NodeJS.ProcessEnv = process.env): Date {
  const raw = env.VAST_NOW;
  if (raw === undefined || raw.trim() === "") return new Date();
  const text = raw.trim();
  const ms = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new VastConfigError(
      ErrorCodes.invalidSetting,
      `VAST_NOW="${raw}" is invalid: expected an ISO-8601 instant with a time zone, e.g. 2026-03-01T12:00:00Z`,
    );
  }
  return new Date(ms);
}
