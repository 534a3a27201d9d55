/**
 * Key audit: compares the account's keys with the keys that Pulumi stacks manage, as read from
 * `pulumi stack export` output or a backend's state file. Pure functions; the command line is in
 * `cli/main.ts`. Never handles key values: only ids, names and timestamps.
 */
import { z } from "zod";
import type { ApiKeyInfo } from "./keys";
import { isFullAccessDocument, permissionDocSchema } from "./permissions";
import { SIG_KEY } from "./plugin/secrets";
import { isNoDocumentView, serverView } from "./state";
import { textTable } from "./text-table";

/** The type token of `VastApiKey` resources. */
export const API_KEY_TYPE = "pulumi-nodejs:dynamic/vast:ApiKey";

/** The type token of the provider plugin's `vast:index:ApiKey` resources (YAML, imports, `ApiKey`). */
export const PLUGIN_API_KEY_TYPE = "vast:index:ApiKey";

/** The type token of `RotatingVastApiKey` resources. */
export const ROTATING_API_KEY_TYPE = "pulumi-nodejs:dynamic/vast:RotatingApiKey";

/** The type token of the provider plugin's `vast:index:RotatingApiKey` resources (YAML, `RotatingApiKey`). */
export const PLUGIN_ROTATING_API_KEY_TYPE = "vast:index:RotatingApiKey";

/** Resources whose id is the Vast key id (`VastApiKey`, `vast:index:ApiKey`). */
export const SINGLE_KEY_TYPES: ReadonlySet<string> = new Set([API_KEY_TYPE, PLUGIN_API_KEY_TYPE]);
/**
 * Resources managing several keys, whose ids are in `outputs.tracking` (the resource id is a UUID):
 * `RotatingVastApiKey`, `vast:index:RotatingApiKey`.
 */
export const ROTATING_KEY_TYPES: ReadonlySet<string> = new Set([ROTATING_API_KEY_TYPE, PLUGIN_ROTATING_API_KEY_TYPE]);

/**
 * Which key of a rotating resource a managed key is: `current`, `previous`, or one of the keys kept
 * in `tracking.retiring` until their published retirement (they are still valid, and managed).
 */
export type RotatingSlot = "current" | "previous" | "retiring";

/** A key that a stack manages, according to its state. */
export interface ManagedKeyRef {
  /** Vast key id (the resource id, or for a rotating key the id recorded in its state). */
  id: number;
  /** Pulumi resource name. */
  resource: string;
  /** Stack name, from the URN. */
  stack: string;
  /** Where the state came from (file name). */
  source: string;
  /** For a key of a rotating resource: whether it is the `current` or the `previous` one. */
  slot?: RotatingSlot;
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

/**
 * The part of a rotating key's outputs that names its keys. `tracking` is never a secret (the key
 * values are in `current` / `previous`), so the ids are readable without the stack's passphrase.
 */
const trackedIdSchema = z.object({ keyId: z.number().int().positive() }).loose();
const rotatingOutputsSchema = z
  .object({
    tracking: z
      .object({ current: trackedIdSchema.optional(), previous: trackedIdSchema.optional(), retiring: z.array(trackedIdSchema).optional() })
      .loose()
      // A secret (`{<sig key>: <secret sig>, ciphertext}`) would otherwise parse as "no keys".
      .refine((t) => !Object.hasOwn(t, SIG_KEY)),
  })
  .loose();

/** The part of a deployment the tools read; pending operations are parsed by their reader (recover.ts). */
const deploymentSchema = z
  .object({
    manifest: z.object({ time: z.string().optional() }).loose().nullish(),
    resources: z.array(resourceSchema).nullish(),
    pending_operations: z.array(z.unknown()).nullish(),
  })
  .loose();
/** `pulumi stack export` output. */
const exportSchema = z.object({ deployment: deploymentSchema }).loose();
/** A file backend's checkpoint (`.pulumi/stacks/<project>/<stack>.json`). */
const checkpointSchema = z.object({ checkpoint: z.object({ latest: deploymentSchema.nullish() }).loose() }).loose();

/** One resource of a state document, as far as the tools read it (`outputs`, `inputs` and the rest kept as they are). */
export type StateResource = z.infer<typeof resourceSchema>;

/** What one state document holds, whichever form it came in. */
export interface StateDeployment {
  /** When the state was last written (the deployment manifest's time), if recorded. */
  checkpointAt: string | undefined;
  /** Every resource. */
  resources: StateResource[];
  /** Operations the engine began and never saw finish (unparsed). */
  pendingOperations: unknown[];
}

/**
 * Reads `pulumi stack export` output or a backend checkpoint file.
 * @throws Error naming `source` when the document is neither.
 */
export function deploymentOf(state: unknown, source: string): StateDeployment {
  const exported = exportSchema.safeParse(state);
  const checkpoint = exported.success ? undefined : checkpointSchema.safeParse(state);
  if (!exported.success && !checkpoint?.success) {
    throw new Error(`${source}: not a Pulumi state (expected the output of \`pulumi stack export\` or a backend checkpoint file)`);
  }
  const d = exported.success ? exported.data.deployment : checkpoint?.data?.checkpoint.latest;
  return { checkpointAt: d?.manifest?.time, resources: d?.resources ?? [], pendingOperations: d?.pending_operations ?? [] };
}

/** The keys one resource of the state manages (none for other types and for lookups). */
function keysOf(r: StateResource, source: string): ManagedKeyRef[] {
  if (r.external) return [];
  const [, stack = "?"] = /^urn:pulumi:([^:]+)::/.exec(r.urn) ?? [];
  const ref = { resource: r.urn.split("::").pop() ?? r.urn, stack, source };
  if (SINGLE_KEY_TYPES.has(r.type)) return r.id && /^\d+$/.test(r.id) ? [{ id: Number(r.id), ...ref }] : [];
  if (!ROTATING_KEY_TYPES.has(r.type)) return [];
  const outputs = rotatingOutputsSchema.safeParse(r.outputs);
  // Listing its keys as unmanaged would invite deleting keys that a stack hands to consumers.
  if (!outputs.success) {
    throw new Error(`${source}: cannot read the key ids of rotating key ${r.urn}: outputs.tracking is missing, encrypted or malformed`);
  }
  const { tracking } = outputs.data;
  const slots = (["current", "previous"] as const).flatMap((slot) => {
    const tracked = tracking[slot];
    return tracked ? [{ id: tracked.keyId, ...ref, slot }] : [];
  });
  return [...slots, ...(tracking.retiring ?? []).map((r) => ({ id: r.keyId, ...ref, slot: "retiring" as const }))];
}

/**
 * Extracts the managed keys (of every resource type) from one state document: single keys by
 * their resource id, the `current`, `previous` and retiring keys of rotating keys from their outputs.
 * Lookups made with `VastApiKey.get` (external resources) are not managed and are skipped.
 * @throws Error naming `source` when the document is not a Pulumi state, or a rotating key's
 * key ids cannot be read.
 */
export function managedKeysFromState(state: unknown, source: string): ManagedKeyRef[] {
  return stateResources(state, source).flatMap((r) => keysOf(r, source));
}

/**
 * The resources of one state document: the output of `pulumi stack export` (the Automation API's
 * `exportStack` too) or a backend's checkpoint file.
 * @throws Error naming `source` when the document is not a Pulumi state.
 */
export function stateResources(state: unknown, source: string): StateResource[] {
  return deploymentOf(state, source).resources;
}

/** What a key may do, from the server's view of its permissions. */
export interface KeyAccess {
  /** Full access: no permission document (what console keys have), or every documented category whole. */
  fullAccess: boolean;
  /** Billing rights: `billing_read` or `billing_write`, or full access. */
  billing: boolean;
}

/** Classifies a key's permissions as Vast lists them (`rights`: a document, its JSON, or null). */
export function keyAccess(rights: unknown): KeyAccess {
  const view = serverView(rights);
  if (isNoDocumentView(view)) return { fullAccess: true, billing: true };
  const parsed: unknown = JSON.parse(view);
  const api = typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  const doc = permissionDocSchema.safeParse({ api });
  const fullAccess = doc.success && isFullAccessDocument(doc.data);
  return { fullAccess, billing: fullAccess || Object.hasOwn(api, "billing_read") || Object.hasOwn(api, "billing_write") };
}

/** One account key in the report. */
export interface AuditedKey extends KeyAccess {
  id: number;
  name: string | null;
  createdAt: string | undefined;
  /** Age in days, when the creation time is known. */
  ageDays: number | undefined;
  /** The stacks managing it (empty for unmanaged keys); `slot` for a key of a rotating resource. */
  managedBy: Array<{ stack: string; resource: string; slot?: RotatingSlot }>;
  /** True for the key the audit itself authenticated with (the management key). */
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
  options: {
    olderThanDays?: number | undefined;
    now?: Date;
    /** The key (or keys) the caller authenticates with, marked `isAuditCredential`. */
    selfKeyId?: number | readonly number[] | undefined;
  } = {},
): AuditReport {
  const now = (options.now ?? new Date()).getTime();
  const self = new Set(typeof options.selfKeyId === "number" ? [options.selfKeyId] : (options.selfKeyId ?? []));
  const byId = new Map<number, ManagedKeyRef[]>();
  for (const m of managed) byId.set(m.id, [...(byId.get(m.id) ?? []), m]);
  const audited = account.map((k): AuditedKey => {
    const created = k.createdAt ? Date.parse(k.createdAt) : Number.NaN;
    return {
      id: k.id,
      name: k.name,
      createdAt: k.createdAt,
      ageDays: Number.isFinite(created) ? (now - created) / 86_400_000 : undefined,
      managedBy: (byId.get(k.id) ?? []).map((m) => ({ stack: m.stack, resource: m.resource, ...(m.slot ? { slot: m.slot } : {}) })),
      isAuditCredential: self.has(k.id),
      ...keyAccess(k.permissions),
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
  const where = (m: { stack: string; resource: string; slot?: RotatingSlot }) => `${m.stack}/${m.resource}${m.slot ? ` (${m.slot})` : ""}`;
  const name = (k: AuditedKey) => `${k.name ?? "(no name)"}${k.isAuditCredential ? " (this credential)" : ""}`;
  const table = textTable;
  const out: string[] = [];
  out.push(`Managed keys (${r.managed.length})`);
  if (r.managed.length) {
    out.push(
      table([
        ["ID", "NAME", "AGE", "STACK/RESOURCE"],
        ...r.managed.map((k) => [String(k.id), name(k), age(k), k.managedBy.map(where).join(", ")]),
      ]),
    );
  }
  out.push(`Unmanaged keys (${r.unmanaged.length})`);
  if (r.unmanaged.length) {
    out.push(table([["ID", "NAME", "AGE", "RIGHTS"], ...r.unmanaged.map((k) => [String(k.id), name(k), age(k), accessLabel(k)])]));
  }
  out.push(`Managed but missing on Vast: drift (${r.missing.length})`);
  if (r.missing.length) out.push(table([["ID", "STACK/RESOURCE", "STATE"], ...r.missing.map((m) => [String(m.id), where(m), m.source])]));
  if (r.olderThanDays !== undefined) {
    out.push(`Older than ${r.olderThanDays} days (${r.old.length})`);
    if (r.old.length)
      out.push(
        table([["ID", "NAME", "AGE", "MANAGED"], ...r.old.map((k) => [String(k.id), name(k), age(k), k.managedBy.length ? "yes" : "no"])]),
      );
  }
  return `${out.join("\n")}\n`;
}

/** A key's notable rights in words: `full access`, `billing`, or empty. */
export function accessLabel(k: KeyAccess): string {
  return k.fullAccess ? "full access" : k.billing ? "billing" : "";
}
