/**
 * The pack's policies, as plain `ResourceValidationPolicy` objects: no `PolicyPack` here
 * (constructing one starts the analyzer server), so tests call `validateResource` directly.
 *
 * Every policy skips resources that are not Vast keys (resources.ts lists the types), reads
 * only the props it needs, and names the key (resource name and Vast key name) and the change
 * to make in its message. Values unknown at preview are left to the SDK (see grants.ts).
 */
import { type ReportViolation, type ResourceValidationArgs, type ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";
import { CONFIG_SCHEMAS, PolicyConfigError, type PolicyName, readConfig, stackSelected } from "./config";
import { grantsCategory, grantsFullAccess, lacksDocument } from "./grants";
import { type KeyKind, keyKindOf } from "./resources";

/** What the policies need to know about the run: the stack being previewed or updated. */
export interface PolicyContext {
  /** The stack name, e.g. `prod`. */
  stack: string;
}

/** One key resource as the policies see it. */
interface KeyView {
  kind: KeyKind;
  args: ResourceValidationArgs;
  /** `resource "prod-ci" (Vast key "prod-ci")`, for messages. */
  label: string;
}

/** The Vast key name: `props.name`, or the resource name it defaults to. May throw `UnknownValueError`. */
function vastName(args: ResourceValidationArgs): string {
  const name: unknown = args.props.name;
  return typeof name === "string" ? name : args.name;
}

// A message must name the key even when its Vast name is still unknown at preview: reading it
// through the proxy would turn a known violation into the SDK's "can't run during preview".
function labelOf(args: ResourceValidationArgs): string {
  try {
    return `resource "${args.name}" (Vast key "${vastName(args)}")`;
  } catch (err) {
    if (err instanceof UnknownValueError) return `resource "${args.name}" (Vast key name not known until the update)`;
    throw err;
  }
}

function keyPolicy(
  name: PolicyName,
  meta: Pick<ResourceValidationPolicy, "description" | "enforcementLevel" | "remediationSteps">,
  check: (config: object, key: KeyView, report: ReportViolation) => void,
): ResourceValidationPolicy {
  return {
    name,
    ...meta,
    configSchema: CONFIG_SCHEMAS[name],
    validateResource: (args, report) => {
      const kind = keyKindOf(args.type);
      if (!kind) return;
      check(args.getConfig(), { kind, args, label: labelOf(args) }, report);
    },
  };
}

/** `no-billing-write-in`: no key grants `billing_write` in the configured stacks (default `prod`). */
export function noBillingWriteIn(ctx: PolicyContext): ResourceValidationPolicy {
  return keyPolicy(
    "no-billing-write-in",
    {
      description: "Vast API keys must not grant billing_write (credit transfers) in the configured stacks.",
      enforcementLevel: "mandatory",
      remediationSteps: "Remove billing_write from permissions.api, e.g. with presets.instanceManagementWithoutBilling().",
    },
    (raw, key, report) => {
      const config = readConfig("no-billing-write-in", raw);
      if (!stackSelected(config.stacks, ctx.stack)) return;
      const permissions: unknown = key.args.props.permissions;
      if (!grantsCategory(permissions, "billing_write")) return;
      report(
        lacksDocument(permissions)
          ? `${key.label} has no permission document, which Vast treats as full access, billing_write included, and stack "${ctx.stack}" allows no billing_write: declare explicit permissions without billing_write.`
          : `${key.label} grants billing_write, which stack "${ctx.stack}" does not allow: remove "billing_write" from permissions.api (presets.instanceManagementWithoutBilling() has none).`,
      );
    },
  );
}

/** `no-full-access`: a key granting every documented category is flagged unless allowed by name. Advisory by default. */
export function noFullAccess(_ctx: PolicyContext): ResourceValidationPolicy {
  return keyPolicy(
    "no-full-access",
    {
      description: "Vast API keys should not have full access (every documented category) unless the pack's config says why.",
      enforcementLevel: "advisory",
      remediationSteps: 'Grant only the categories the key needs, or list it under "allowed" with the reason.',
    },
    (raw, key, report) => {
      const config = readConfig("no-full-access", raw);
      if (Object.hasOwn(config.allowed, key.args.name) || Object.hasOwn(config.allowed, vastName(key.args))) return;
      const permissions: unknown = key.args.props.permissions;
      if (!grantsFullAccess(permissions)) return;
      const what = lacksDocument(permissions)
        ? "has no permission document, which Vast treats as full access"
        : "grants every documented category (full access)";
      report(
        `${key.label} ${what}: grant only the categories it needs (e.g. presets.instanceManagementWithoutBilling()), or allow it in the policy config: {"no-full-access": {"allowed": {"${key.args.name}": "<why it needs full access>"}}}.`,
      );
    },
  );
}

/** `rotation-required-in`: keys in the configured stacks (default `prod`) rotate at most every `maxDays` (default 90). */
export function rotationRequiredIn(ctx: PolicyContext): ResourceValidationPolicy {
  return keyPolicy(
    "rotation-required-in",
    {
      description: "Vast API keys in the configured stacks must rotate at or below the configured maximum age.",
      enforcementLevel: "mandatory",
      remediationSteps: "Set rotateAfterDays on the VastApiKey, or use a RotatingVastApiKey with rotateEveryDays, at or below maxDays.",
    },
    (raw, key, report) => {
      const config = readConfig("rotation-required-in", raw);
      if (!stackSelected(config.stacks, ctx.stack)) return;
      const field = key.kind === "RotatingApiKey" ? "rotateEveryDays" : "rotateAfterDays";
      const days: unknown = key.args.props[field];
      const limit = `stack "${ctx.stack}" requires rotation at least every ${config.maxDays} days`;
      if (days === undefined || days === null) {
        const fix =
          key.kind === "RotatingApiKey"
            ? `set rotateEveryDays to ${config.maxDays} or less`
            : `set rotateAfterDays to ${config.maxDays} or less, or use a RotatingVastApiKey`;
        report(`${key.label} has no ${field} and ${limit}: ${fix}.`);
      } else if (typeof days !== "number" || days > config.maxDays) {
        report(`${key.label} has ${field} ${JSON.stringify(days)} and ${limit}: set ${field} to ${config.maxDays} or less.`);
      }
    },
  );
}

/** `name-convention`: every Vast key name matches the configured regular expression (no check when unset). */
export function nameConvention(ctx: PolicyContext): ResourceValidationPolicy {
  return keyPolicy(
    "name-convention",
    {
      description: "Vast API key names must match the configured pattern.",
      enforcementLevel: "mandatory",
      remediationSteps: "Rename the key (set its name input); a new name replaces the key on Vast.",
    },
    (raw, key, report) => {
      const { pattern } = readConfig("name-convention", raw);
      if (pattern === undefined) return;
      const source = pattern.replaceAll("{stack}", ctx.stack.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
      let re: RegExp;
      try {
        re = new RegExp(source);
      } catch (err) {
        throw new PolicyConfigError("name-convention", "pattern", `is not a valid regular expression: ${(err as Error).message}`);
      }
      const name = vastName(key.args);
      if (!re.test(name)) {
        report(
          `${key.label}: the Vast key name "${name}" does not match ${re}: set its name input to one that does (renaming replaces the key).`,
        );
      }
    },
  );
}

/** Every policy of the pack, for one stack. */
export function vastKeyPolicies(ctx: PolicyContext): ResourceValidationPolicy[] {
  return [noBillingWriteIn(ctx), noFullAccess(ctx), rotationRequiredIn(ctx), nameConvention(ctx)];
}
