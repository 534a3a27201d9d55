/**
 * Key audit: compares the account's keys with the keys that Pulumi stacks manage, as read from
 * `pulumi stack export` output or a backend's state file. Pure functions; the command line is in
 * `cli/main.ts`. Never handles key values: only ids, names and timestamps.
 */
import { z } from "zod";
import type { ApiKeyInfo } from "./keys";

/** The type token of `VastApiKey` resources. */
export const API_KEY_TYPE = "pulumi-nodejs:dynamic/vast:ApiKey";

/** The type token of the provider plugin's `vast:index:ApiKey` resources (YAML, imports, `ApiKey`). */
export const PLUGIN_API_KEY_TYPE = "vast:index:ApiKey";

const MANAGED_KEY_TYPES: ReadonlySet<string> = new Set([API_KEY_TYPE, PLUGIN_API_KEY_TYPE]);

/** A key that a stack manages, according to its state. */
export interface ManagedKeyRef {
  /** Vast key id (the resource id). */
  id: number;
  /** Pulumi resource name. */
  resource: string;
  /** Stack name, from the URN. */
  stack: string;
  /** Where the state came from (file name). */
  source: string;
}

const resourceSchema = z
  .object({
    urn: z.string(),
    type: z.string(),
    id: z.string().optional(),
    external: z.boolean().optional(),
    delete: z.boolean().optional(),
  })
  .loose();

const resources = z.array(resourceSchema).nullish();
/** `pulumi stack export` output. */
const exportSchema = z.object({ deployment: z.object({ resources }).loose() }).loose();
/** A file backend's checkpoint (`.pulumi/stacks/<project>/<stack>.json`). */
const checkpointSchema = z.object({ checkpoint: z.object({ latest: z.object({ resources }).loose().nullish() }).loose() }).loose();

/**
 * Extracts the managed keys (of both resource types) from one state document. Lookups made with `VastApiKey.get`
 * (external resources) are not managed and are skipped.
 * @throws Error naming `source` when the document is not a Pulumi state.
 */
export function managedKeysFromState(state: unknown, source: string): ManagedKeyRef[] {
  const exported = exportSchema.safeParse(state);
  const checkpoint = exported.success ? undefined : checkpointSchema.safeParse(state);
  if (!exported.success && !checkpoint?.success) {
    throw new Error(`${source}: not a Pulumi state (expected the output of \`pulumi stack export\` or a backend checkpoint file)`);
  }
  const list = exported.success ? exported.data.deployment.resources : checkpoint?.data?.checkpoint.latest?.resources;
  return (list ?? [])
    .filter((r) => MANAGED_KEY_TYPES.has(r.type) && !r.external && r.id && /^\d+$/.test(r.id))
    .map((r) => {
      const [, stack = "?"] = /^urn:pulumi:([^:]+)::/.exec(r.urn) ?? [];
      return { id: Number(r.id), resource: r.urn.split("::").pop() ?? r.urn, stack, source };
    });
}

/** One account key in the report. */
export interface AuditedKey {
  id: number;
  name: string | null;
  createdAt: string | undefined;
  /** Age in days, when the creation time is known. */
  ageDays: number | undefined;
  /** The stacks managing it (empty for unmanaged keys). */
  managedBy: Array<{ stack: string; resource: string }>;
  /** True for the key the audit itself authenticated with. */
  isAuditCredential: boolean;
}

/** The audit result. */
export interface AuditReport {
  /** Keys on Vast managed by at least one stack. */
  managed: AuditedKey[];
  /** Keys on Vast no stack manages. */
  unmanaged: AuditedKey[];
  /** Keys in some stack's state that no longer exist on Vast (drift). */
  missing: ManagedKeyRef[];
  /** Keys on Vast older than the threshold (managed or not), when one was given. */
  old: AuditedKey[];
  /** The age threshold used, in days. */
  olderThanDays: number | undefined;
}

/** Compares the account's keys with the managed ones. */
export function auditKeys(
  account: ApiKeyInfo[],
  managed: ManagedKeyRef[],
  options: { olderThanDays?: number | undefined; now?: Date; selfKeyId?: number | undefined } = {},
): AuditReport {
  const now = (options.now ?? new Date()).getTime();
  const byId = new Map<number, ManagedKeyRef[]>();
  for (const m of managed) byId.set(m.id, [...(byId.get(m.id) ?? []), m]);
  const audited = account.map((k): AuditedKey => {
    const created = k.createdAt ? Date.parse(k.createdAt) : Number.NaN;
    return {
      id: k.id,
      name: k.name,
      createdAt: k.createdAt,
      ageDays: Number.isFinite(created) ? (now - created) / 86_400_000 : undefined,
      managedBy: (byId.get(k.id) ?? []).map((m) => ({ stack: m.stack, resource: m.resource })),
      isAuditCredential: k.id === options.selfKeyId,
    };
  });
  const liveIds = new Set(account.map((k) => k.id));
  const limit = options.olderThanDays;
  return {
    managed: audited.filter((k) => k.managedBy.length > 0),
    unmanaged: audited.filter((k) => k.managedBy.length === 0),
    missing: managed.filter((m) => !liveIds.has(m.id)),
    old: limit === undefined ? [] : audited.filter((k) => k.ageDays !== undefined && k.ageDays > limit),
    olderThanDays: limit,
  };
}

/** A plain-text report for humans. */
export function formatReport(r: AuditReport): string {
  const age = (k: AuditedKey) => (k.ageDays === undefined ? "?" : `${k.ageDays.toFixed(1)}d`);
  const name = (k: AuditedKey) => `${k.name ?? "(no name)"}${k.isAuditCredential ? " (this credential)" : ""}`;
  const table = (rows: string[][]) => {
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
    return rows.map((row) => `  ${row.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ")}`.trimEnd()).join("\n");
  };
  const out: string[] = [];
  out.push(`Managed keys (${r.managed.length})`);
  if (r.managed.length) {
    out.push(
      table([
        ["ID", "NAME", "AGE", "STACK/RESOURCE"],
        ...r.managed.map((k) => [String(k.id), name(k), age(k), k.managedBy.map((m) => `${m.stack}/${m.resource}`).join(", ")]),
      ]),
    );
  }
  out.push(`Unmanaged keys (${r.unmanaged.length})`);
  if (r.unmanaged.length) out.push(table([["ID", "NAME", "AGE"], ...r.unmanaged.map((k) => [String(k.id), name(k), age(k)])]));
  out.push(`Managed but missing on Vast: drift (${r.missing.length})`);
  if (r.missing.length)
    out.push(table([["ID", "STACK/RESOURCE", "STATE"], ...r.missing.map((m) => [String(m.id), `${m.stack}/${m.resource}`, m.source])]));
  if (r.olderThanDays !== undefined) {
    out.push(`Older than ${r.olderThanDays} days (${r.old.length})`);
    if (r.old.length)
      out.push(
        table([["ID", "NAME", "AGE", "MANAGED"], ...r.old.map((k) => [String(k.id), name(k), age(k), k.managedBy.length ? "yes" : "no"])]),
      );
  }
  return `${out.join("\n")}\n`;
}
