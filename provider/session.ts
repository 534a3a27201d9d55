/**
 * The one way to open an {@link AccountSession} for resolved credentials: the client with the
 * process settings (timeout, attempts, the 429 retry budget, pacing scale) and the session's lost-create windows. The
 * provider runtime and the command-line tools both use it, so a tool talks to Vast exactly as
 * the provider does.
 */
import { AccountSession } from "./account";
import { VastClient } from "./client/client";
import type { ResolvedCredentials } from "./credentials";
import { stderrLogger } from "./log";
import { readSettings, type Settings } from "./settings";

/** Opens a session for `creds`; `settings` default to the environment's (`VAST_TIMEOUT_MS`, …). */
export function openSession(creds: ResolvedCredentials, settings: Settings = readSettings()): AccountSession {
  const logger = stderrLogger(settings.debug);
  const client = new VastClient({
    baseUrl: creds.baseUrl,
    apiKey: creds.apiKey,
    timeoutMs: settings.timeoutMs,
    // The 429 floor is a pacing constant, so it scales with VAST_PACING_SCALE too.
    retry: {
      maxAttempts: settings.maxAttempts,
      rateLimitFloorMs: 1000 * settings.pacingScale,
      rateLimitBudgetMs: settings.retryBudgetMs,
    },
    logger,
  });
  // After a create with an unknown outcome, the lost request may still be processed by Vast
  // for about as long as we waited for it: the key list is watched for twice that long, and
  // the wait ends as soon as the lost key shows.
  return new AccountSession({
    client,
    listCacheMs: settings.listCacheMs,
    logger,
    credentialSource: creds.sourceDetail,
    settleMs: 2 * settings.timeoutMs,
    pollIntervalMs: 1000 * settings.pacingScale,
  });
}
