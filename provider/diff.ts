/**
 * The diff of a `VastApiKey`, as a pure function over (old outputs, new inputs, now).
 * Vast keys are immutable (docs/vast-api.md §3.7), so every field that reaches the server replaces
 * the key; the decisions come from one table, not from hand-written branches.
 */
import { containsUnknown } from "./inputs";
import { canonicalJson, isFullAccessDocument, permissionDocSchema } from "./permissions";
import { isNoDocumentView, normalizedView, STATE_SCHEMA_VERSION, viewsDiffer } from "./state";

/** What a change of each input field does. */
export const FIELD_EFFECTS = {
  name: "replace",
  permissions: "replace",
  keyParams: "replace",
  rotationTrigger: "replace",
  rotateAfterDays: "update",
  // Adoption only matters when the resource is created; later edits are ignored.
  adopt: "ignore",
} as const satisfies Record<string, "replace" | "update" | "ignore">;

/** Input fields whose change replaces the key (from {@link FIELD_EFFECTS}). */
export const REPLACING_FIELDS = (Object.keys(FIELD_EFFECTS) as Array<keyof typeof FIELD_EFFECTS>).filter(
  (f): f is "name" | "permissions" | "keyParams" | "rotationTrigger" => FIELD_EFFECTS[f] === "replace",
);

/** Result of {@link computeDiff}: the engine's `DiffResult` plus human reasons. */
export interface KeyDiff {
  /** True when anything must change. */
  changes: boolean;
  /** Properties whose change forces a replacement (new key first, old key deleted after). */
  replaces: string[];
  /** Why, in words, for logs (never values). */
  reasons: string[];
}

const MS_PER_DAY = 86_400_000;

/**
 * Compares stored outputs with new inputs.
 * - A field listed as "replace" that changed (canonically: key order never matters), or is
 *   still unknown in preview, replaces the key.
 * - Drift: when the server's latest view of the permissions differs from the view recorded at
 *   creation (to or from "no document" included), `permissions` is replaced (the user's document
 *   is never compared with the server's, which may expand it), and so is a key the server shows
 *   without a document (full access) while its recorded permissions grant less.
 * - Rotation: when `rotateAfterDays` is set and the key is older than that, it is replaced.
 * - A changed serialized provider or an older state shape is an in-place update.
 */
export function computeDiff(olds: Record<string, unknown>, news: Record<string, unknown>, now: Date = new Date()): KeyDiff {
  const replaces = new Set<string>();
  const reasons: string[] = [];
  let update = false;

  for (const [field, effect] of Object.entries(FIELD_EFFECTS)) {
    if (effect === "ignore") continue;
    const unknown = containsUnknown(news[field]);
    const changed = unknown || canonicalJson(olds[field] ?? null) !== canonicalJson(news[field] ?? null);
    if (!changed) continue;
    if (effect === "replace") {
      replaces.add(field);
      reasons.push(unknown ? `${field} is not known yet` : `${field} changed`);
    } else {
      update = true;
      reasons.push(`${field} changed (no replacement needed)`);
    }
  }

  const drift = permissionDrift(olds);
  if (drift) {
    replaces.add("permissions");
    reasons.push(drift);
  }

  const days = news.rotateAfterDays;
  const createdAt = typeof olds.createdAt === "string" ? Date.parse(olds.createdAt) : Number.NaN;
  if (typeof days === "number" && Number.isFinite(createdAt)) {
    const ageDays = (now.getTime() - createdAt) / MS_PER_DAY;
    if (ageDays >= days) {
      replaces.add("rotateAfterDays");
      reasons.push(`key is ${ageDays.toFixed(2)} days old, rotateAfterDays is ${days}: rotating`);
    }
  }

  if (olds.__provider !== undefined && news.__provider !== undefined && olds.__provider !== news.__provider) {
    update = true;
    reasons.push("provider code changed");
  }
  if (olds.schemaVersion !== STATE_SCHEMA_VERSION) {
    update = true;
    reasons.push("stored state has an older shape");
  }

  return { changes: replaces.size > 0 || update, replaces: [...replaces], reasons };
}

/**
 * Why the server's view of a key's permissions no longer matches what state records, or
 * `undefined` when it does (or nothing comparable was recorded yet).
 * - The latest view differs from the baseline: re-scoped outside Pulumi, to or from
 *   "no document" (full access) included.
 * - The latest view is "no document" while the recorded permissions are narrower: the key can
 *   do everything (e.g. a console key adopted under a narrower declaration by an older version).
 */
export function permissionDrift(olds: Record<string, unknown>): string | undefined {
  const adopted = olds.adopted === true;
  const latest = normalizedView(olds.serverRights, adopted);
  const baseline = normalizedView(olds.serverRightsBaseline, adopted);
  if (latest !== undefined && baseline !== undefined && viewsDiffer(latest, baseline)) {
    const how = isNoDocumentView(latest)
      ? ": the key now has no permission document, which is full access"
      : isNoDocumentView(baseline)
        ? ": the key had no permission document (full access) and now has one"
        : "";
    return `permissions were changed outside Pulumi (drift)${how}`;
  }
  if (latest !== undefined && isNoDocumentView(latest)) {
    const declared = permissionDocSchema.safeParse(olds.permissions);
    if (declared.success && !isFullAccessDocument(declared.data)) {
      return "the key has no permission document on Vast, which is full access, but its recorded permissions grant less";
    }
  }
  return undefined;
}
