/**
 * Vast permission documents: the zod schema (the single source of the `PermissionDoc` type),
 * canonical form for comparisons, a typed builder and named presets.
 *
 * Grammar (docs/vast-api.md §5.1): `{"api": {<category>: {} | {<endpoint>: {} | {"constraints": {<param>: {<op>: value}}, "params": {...}}}}}`.
 * `{}` grants the whole category or endpoint; a non-empty object grants only the listed children.
 * Only `eq`, `lte`, `gte` are documented constraint operators, so only those are accepted.
 */
import { z } from "zod";

/** The 11 documented categories plus the two the server also knows (docs/vast-api.md §5.2). */
export const KNOWN_CATEGORIES = [
  "instance_read",
  "instance_write",
  "user_read",
  "user_write",
  "billing_read",
  "billing_write",
  "machine_read",
  "machine_write",
  "misc",
  "team_read",
  "team_write",
  "agents_read",
  "agents_write",
] as const;

/** A documented permission category. Unknown category names are accepted with a warning. */
export type PermissionCategory = (typeof KNOWN_CATEGORIES)[number];

/** Documented constraint operators (docs/vast-api.md §5.4). */
export const CONSTRAINT_OPERATORS = ["eq", "lte", "gte"] as const;

const GRANTS_NOTHING =
  "Vast treats a missing or empty permission document as FULL access, so it is refused: list the categories to grant " +
  '(e.g. {"api": {"instance_read": {}}}), or use presets.fullAccess() for deliberate full access';

const CATEGORY_NAME = /^[a-z][a-z0-9_]*$/;
const ENDPOINT_NAME = /^api(\.[A-Za-z0-9_-]+)+$/;
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const operatorsSchema = z
  .record(z.string(), z.unknown(), { error: 'constraint must be an object of operators, e.g. {"eq": 1227}' })
  .superRefine((ops, ctx) => {
    const names = Object.keys(ops);
    if (names.length === 0) {
      ctx.addIssue({ code: "custom", message: `empty constraint; use one of ${CONSTRAINT_OPERATORS.join(", ")}` });
    }
    for (const op of names) {
      const value = ops[op];
      if (!(CONSTRAINT_OPERATORS as readonly string[]).includes(op)) {
        ctx.addIssue({
          code: "custom",
          message: `unknown operator ${JSON.stringify(op)}; allowed: ${CONSTRAINT_OPERATORS.join(", ")}`,
        });
      } else if (op === "eq") {
        if (!["number", "string", "boolean"].includes(typeof value)) {
          ctx.addIssue({ code: "custom", message: `operator "eq" needs a number, string or boolean`, path: [op] });
        }
      } else if (typeof value !== "number" || !Number.isFinite(value)) {
        ctx.addIssue({ code: "custom", message: `operator "${op}" needs a finite number`, path: [op] });
      }
    }
    if (typeof ops.lte === "number" && typeof ops.gte === "number" && ops.gte > ops.lte) {
      ctx.addIssue({ code: "custom", message: `empty range: gte ${ops.gte} is greater than lte ${ops.lte}` });
    }
  })
  .transform((ops) => ops as ConstraintOperators);

/** Operators constraining one parameter, e.g. `{ "gte": 1, "lte": 2 }`. */
export interface ConstraintOperators {
  /** Parameter must equal this value. */
  eq?: number | string | boolean;
  /** Parameter must be ≤ this number. */
  lte?: number;
  /** Parameter must be ≥ this number. */
  gte?: number;
}

const constraintsSchema = z
  .record(z.string().regex(PARAM_NAME, { error: "constraint parameter names must be identifiers, e.g. id" }), operatorsSchema, {
    error: "constraints must be an object mapping parameter names to operators",
  })
  .refine((c) => Object.keys(c).length > 0, { error: "constraints must name at least one parameter (omit it to allow all)" });

const endpointSchema = z.strictObject(
  {
    constraints: constraintsSchema.optional(),
    params: z.record(z.string(), z.unknown(), { error: "params must be an object" }).optional(),
  },
  { error: 'endpoint permission must be an object: {} or {"constraints": {...}}' },
);

const categorySchema = z.record(
  z.string().refine((k) => k === "*" || ENDPOINT_NAME.test(k), {
    error: 'endpoint permission names look like api.<area>.<action> (or "*")',
  }),
  endpointSchema,
  { error: "category must be an object: {} for the whole category, or endpoint permissions" },
);

/**
 * Zod schema of a permission document. Strict on structure and on constraint operators;
 * category names only need to look like identifiers (see {@link unknownCategories}).
 */
export const permissionDocSchema = z.strictObject(
  {
    api: z
      .record(z.string().regex(CATEGORY_NAME, { error: "category names are lower_snake_case, e.g. instance_read" }), categorySchema, {
        error: (issue) =>
          issue.input === undefined
            ? `required. ${GRANTS_NOTHING}`
            : "api must be an object mapping categories to {} or endpoint permissions",
      })
      // Vast's docs say missing or empty permissions give full access: a user who writes an
      // empty grant means "nothing" and would get "everything".
      .refine((api) => Object.keys(api).length > 0, { error: `grants nothing. ${GRANTS_NOTHING}` }),
  },
  { error: 'permissions must be an object like {"api": {"instance_read": {}}}' },
);

/** A Vast permission document: `{"api": {<category>: {...}}}`. */
export type PermissionDoc = z.infer<typeof permissionDocSchema>;
/** The body of one category: `{}` or endpoint permissions. */
export type CategoryBody = PermissionDoc["api"][string];
/** The body of one endpoint permission: `{}` or constraints. */
export type EndpointBody = CategoryBody[string];

/** Category names in `doc` that this package does not know (allowed, but worth a warning). */
export function unknownCategories(doc: PermissionDoc): string[] {
  return Object.keys(doc.api).filter((c) => !(KNOWN_CATEGORIES as readonly string[]).includes(c));
}

/** Deterministic JSON: object keys sorted at every level, so key order never matters. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/**
 * Fluent, typed builder for permission documents.
 *
 * @example
 * ```ts
 * const perms = permissions()
 *   .category("instance_read")
 *   .endpoint("instance_write", "api.instance.destroy", { id: { eq: 1227 } })
 *   .build();
 * ```
 */
export class PermissionBuilder {
  private readonly api: Record<string, Record<string, EndpointBody>> = {};

  /** Grants a whole category (`{}`), unless endpoints of it were already granted. */
  category(name: PermissionCategory | (string & {})): this {
    this.api[name] ??= {};
    return this;
  }

  /** Grants one endpoint permission of a category, optionally constrained by parameter values. */
  endpoint(category: PermissionCategory | (string & {}), endpoint: string, constraints?: Record<string, ConstraintOperators>): this {
    const body = this.api[category] ?? {};
    this.api[category] = body;
    body[endpoint] = constraints ? { constraints: structuredClone(constraints) } : {};
    return this;
  }

  /** Returns a validated, independent permission document. */
  build(): PermissionDoc {
    return permissionDocSchema.parse({ api: structuredClone(this.api) });
  }
}

/** Starts a {@link PermissionBuilder}. */
export function permissions(): PermissionBuilder {
  return new PermissionBuilder();
}

function whole(categories: readonly string[]): PermissionDoc {
  return { api: Object.fromEntries(categories.map((c) => [c, {}])) };
}

/**
 * Named presets matching the scoping examples of the Vast docs (docs.vast.ai/api-reference/permissions).
 * Each call returns a fresh plain `{"api": {...}}` document.
 */
export const presets = {
  /** Read-only across resources: every `*_read` category. */
  readOnly: (): PermissionDoc => whole(["instance_read", "user_read", "billing_read", "machine_read", "team_read"]),
  /** Instance management only: read and write instances, nothing else. */
  instanceManagementOnly: (): PermissionDoc => whole(["instance_read", "instance_write"]),
  /** Instance management without billing (the docs' example): search offers, account info, instances. */
  instanceManagementWithoutBilling: (): PermissionDoc => whole(["misc", "user_read", "instance_read", "instance_write"]),
  /** Instance management with billing access (the docs' example). */
  instanceManagementWithBilling: (): PermissionDoc =>
    whole(["misc", "user_read", "instance_read", "instance_write", "billing_read", "billing_write"]),
  /** Full access: every documented category, listed explicitly rather than relying on server defaults. */
  fullAccess: (): PermissionDoc => whole(KNOWN_CATEGORIES.slice(0, 11)),
} as const;

/**
 * True when `doc` grants every documented category whole (`{}` or a `"*"` endpoint), as
 * `presets.fullAccess()` does: the only declaration that matches a key without a permission
 * document, which Vast treats as full access. (The policy pack applies the same rule.)
 */
export function isFullAccessDocument(doc: PermissionDoc): boolean {
  return KNOWN_CATEGORIES.slice(0, 11).every((c) => {
    const body = doc.api[c];
    return body !== undefined && (Object.keys(body).length === 0 || Object.hasOwn(body, "*"));
  });
}

/** Name of a preset in {@link presets}. */
export type PresetName = keyof typeof presets;
