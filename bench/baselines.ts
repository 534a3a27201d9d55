/**
 * Retry policies of other tools, re-implemented for comparison (docs/vast-api.md §4.4):
 * - "CLI-style": the official vastai CLI/SDK: at most 3 attempts, sleeps 0.15 s then 0.225 s,
 *   retries 429/502/503/504, ignores thresholds, no pacing.
 * - "Terraform-style": the existing Terraform provider: up to 5 retries within about 2 s
 *   (0.1, 0.2, 0.4, 0.6, 0.7 s), and it retries POSTs blindly.
 * Both create keys with bare undici requests, with no pacing.
 */
import { request } from "undici";

/** A baseline policy: delays between attempts (attempts = delays + 1). */
export interface BaselinePolicy {
  name: string;
  delaysMs: number[];
}

/** The two baselines. */
export const BASELINES: BaselinePolicy[] = [
  { name: "cli-style", delaysMs: [150, 225] },
  { name: "terraform-style", delaysMs: [100, 200, 400, 600, 700] },
];

/** Outcome of one baseline create. */
export interface BaselineOutcome {
  ok: boolean;
  rateLimited: number;
}

/** Creates one key with a baseline policy. */
export async function baselineCreate(baseUrl: string, apiKey: string, name: string, policy: BaselinePolicy): Promise<BaselineOutcome> {
  let rateLimited = 0;
  for (let attempt = 0; attempt <= policy.delaysMs.length; attempt++) {
    const res = await request(`${baseUrl}/api/v0/auth/apikeys/`, {
      method: "POST",
      headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({ name, permissions: { api: { misc: {} } } }),
    });
    await res.body.text();
    if (res.statusCode === 200) return { ok: true, rateLimited };
    if (res.statusCode === 429) rateLimited++;
    if (![429, 502, 503, 504].includes(res.statusCode)) return { ok: false, rateLimited };
    const delay = policy.delaysMs[attempt];
    if (delay === undefined) break;
    await new Promise((r) => setTimeout(r, delay));
  }
  return { ok: false, rateLimited };
}
