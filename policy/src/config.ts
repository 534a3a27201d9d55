/**
 * The pack's settings: one JSON schema per policy (sent to the engine, which fills in the
 * defaults and validates the types of a `--policy-pack-config` file), and the reader that turns
 * what `getConfig()` returns into typed settings. The reader applies the same defaults (so a
 * policy behaves the same when called without an engine) and refuses setting names the schema
 * does not know: the engine lets them through, and a typo such as `stack` for `stacks` must not
 * silently leave a guardrail at its default.
 */
import type { PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** Names of the pack's policies. */
export type PolicyName = "no-billing-write-in" | "no-full-access" | "rotation-required-in" | "name-convention";

/** Settings of `no-billing-write-in`. */
export interface NoBillingWriteConfig {
  /** Stacks in which no key may grant `billing_write` (`"*"` = every stack). */
  stacks: string[];
}

/** Settings of `no-full-access`. */
export interface NoFullAccessConfig {
  /** Keys allowed to have full access, by resource name or Vast key name, each with the reason. */
  allowed: Record<string, string>;
}

/** Settings of `rotation-required-in`. */
export interface RotationRequiredConfig {
  /** Stacks in which every key must rotate (`"*"` = every stack). */
  stacks: string[];
  /** Longest allowed rotation period in days (`rotateAfterDays` / `rotateEveryDays`). */
  maxDays: number;
}

/** Settings of `name-convention`. */
export interface NameConventionConfig {
  /** Regular expression every Vast key name must match; `{stack}` stands for the stack name. Unset: no check. */
  pattern?: string;
}

/** Settings of every policy, by policy name. */
export interface PolicyConfigs {
  "no-billing-write-in": NoBillingWriteConfig;
  "no-full-access": NoFullAccessConfig;
  "rotation-required-in": RotationRequiredConfig;
  "name-convention": NameConventionConfig;
}

const stackList = (what: string): PolicyConfigJSONSchema => ({
  type: "array",
  items: { type: "string", minLength: 1 },
  default: ["prod"],
  description: `Stack names in which ${what} ("*" for every stack).`,
});

/** The config schema of each policy, with its defaults. */
export const CONFIG_SCHEMAS: Readonly<Record<PolicyName, PolicyConfigSchema>> = {
  "no-billing-write-in": {
    properties: { stacks: stackList("no key may grant billing_write") },
  },
  "no-full-access": {
    properties: {
      allowed: {
        type: "object",
        additionalProperties: { type: "string", minLength: 1 },
        default: {},
        description: "Keys allowed to have full access: resource name or Vast key name → the reason.",
      },
    },
  },
  "rotation-required-in": {
    properties: {
      stacks: stackList("every key must rotate"),
      maxDays: {
        type: "number",
        minimum: 0,
        default: 90,
        description: "Longest allowed rotateAfterDays (VastApiKey) or rotateEveryDays (RotatingVastApiKey), in days.",
      },
    },
  },
  "name-convention": {
    properties: {
      pattern: {
        type: "string",
        minLength: 1,
        description: "Regular expression every Vast key name must match; {stack} stands for the stack name. Unset: no check.",
      },
    },
  },
};

/** A setting of the pack's config is invalid; the message names the policy, the setting and the rule. */
export class PolicyConfigError extends Error {
  constructor(
    readonly policy: PolicyName,
    readonly setting: string,
    rule: string,
  ) {
    super(`policy pack config "${policy}": ${setting ? `setting "${setting}" ` : ""}${rule}`);
    this.name = "PolicyConfigError";
    // The SDK prints the stack of a failing policy; for a config mistake it only hides the message.
    this.stack = `${this.name}: ${this.message}`;
  }
}

type Raw = Record<string, unknown>;

function defaultOf(policy: PolicyName, setting: string): unknown {
  const schema = CONFIG_SCHEMAS[policy].properties[setting];
  return typeof schema === "object" ? structuredClone(schema.default) : undefined;
}

function checkKnownSettings(policy: PolicyName, raw: Raw): void {
  const known = Object.keys(CONFIG_SCHEMAS[policy].properties);
  const unknown = Object.keys(raw).filter((k) => !known.includes(k));
  if (unknown.length) {
    throw new PolicyConfigError(
      policy,
      "",
      `unknown setting(s) ${unknown.map((k) => JSON.stringify(k)).join(", ")}; known: ${known.join(", ")}`,
    );
  }
}

function stacksSetting(policy: PolicyName, raw: Raw): string[] {
  const value = raw.stacks ?? defaultOf(policy, "stacks");
  if (!Array.isArray(value) || value.some((s) => typeof s !== "string" || s === "")) {
    throw new PolicyConfigError(policy, "stacks", 'must be a list of stack names, e.g. ["prod"]');
  }
  return value as string[];
}

/** Typed settings of `policy` from the raw object `getConfig()` returned, defaults applied. */
export function readConfig<P extends PolicyName>(policy: P, raw: object): PolicyConfigs[P] {
  const r = raw as Raw;
  checkKnownSettings(policy, r);
  const configs: { [K in PolicyName]: () => PolicyConfigs[K] } = {
    "no-billing-write-in": () => ({ stacks: stacksSetting(policy, r) }),
    "no-full-access": () => {
      const allowed = r.allowed ?? defaultOf(policy, "allowed");
      const valid =
        allowed !== null &&
        typeof allowed === "object" &&
        !Array.isArray(allowed) &&
        Object.values(allowed).every((why) => typeof why === "string" && why.trim() !== "");
      if (!valid) {
        throw new PolicyConfigError(
          policy,
          "allowed",
          'must map key names to the reason they need full access, e.g. {"ops-admin": "break-glass key"}',
        );
      }
      return { allowed: allowed as Record<string, string> };
    },
    "rotation-required-in": () => {
      const maxDays = r.maxDays ?? defaultOf(policy, "maxDays");
      if (typeof maxDays !== "number" || !Number.isFinite(maxDays) || maxDays <= 0) {
        throw new PolicyConfigError(policy, "maxDays", "must be a number of days greater than 0");
      }
      return { stacks: stacksSetting(policy, r), maxDays };
    },
    "name-convention": () => {
      if (r.pattern === undefined) return {};
      if (typeof r.pattern !== "string" || r.pattern === "") {
        throw new PolicyConfigError(policy, "pattern", "must be a non-empty regular expression string");
      }
      return { pattern: r.pattern };
    },
  };
  return configs[policy]();
}

/** True when `stack` is one of `stacks` (or `stacks` contains `"*"`). */
export function stackSelected(stacks: readonly string[], stack: string): boolean {
  return stacks.includes("*") || stacks.includes(stack);
}
