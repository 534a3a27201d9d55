/**
 * Hand-built arguments for the policy pack's policies, shaped like the ones the SDK's analyzer
 * builds: `props` go through the SDK's own unknown-checking proxy, so an unknown value behaves
 * exactly as at preview (reading it throws the SDK's `UnknownValueError`).
 */
import * as path from "node:path";
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import * as sdk from "@pulumi/policy";
import * as proxy from "@pulumi/policy/proxy";
import { ROOT } from "./emulator";

// The SDK's .d.ts files strip these internals; the runtime exports them.
const internals = {
  unknownCheckingProxy: (sdk as unknown as { unknownCheckingProxy: (props: object) => Record<string, unknown> }).unknownCheckingProxy,
  UnknownValueError: (sdk as unknown as { UnknownValueError: new (...args: never[]) => Error }).UnknownValueError,
  unknownStringValue: (proxy as unknown as { unknownStringValue: string }).unknownStringValue,
};

/** The sentinel the engine sends for a value not known until the update (what a preview sees). */
export const UNKNOWN = internals.unknownStringValue;

/** The SDK's error for reading an unknown value; the analyzer turns it into an advisory. */
export const UnknownValueError = internals.UnknownValueError;

/** The pack's directory in the repository. */
export const POLICY_DIR = path.join(ROOT, "policy");

/** A resource as the policy sees it. */
export interface ResourceSpec {
  /** Resource type token; default the dynamic `VastApiKey`. */
  type?: string;
  /** Resource name; default `prod-ci`. */
  name?: string;
  /** Checked inputs (unknown values as {@link UNKNOWN}). */
  props: Record<string, unknown>;
  /** What `getConfig()` returns for the policy (the engine has already applied schema defaults). */
  config?: object;
}

/** `ResourceValidationArgs` for one resource. */
export function resourceArgs(spec: ResourceSpec): ResourceValidationArgs {
  const type = spec.type ?? "pulumi-nodejs:dynamic/vast:ApiKey";
  const name = spec.name ?? "prod-ci";
  return {
    type,
    name,
    urn: `urn:pulumi:prod::vast-api-keys-environments::${type}::${name}`,
    // A JSON round trip, as the props cross gRPC: undefined fields vanish, and the objects belong to
    // this realm (the SDK's proxy only wraps `instanceof Object`; structuredClone's would not be).
    props: internals.unknownCheckingProxy(JSON.parse(JSON.stringify(spec.props))),
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
    stackTags: new Map(),
    isType: () => false,
    asType: () => undefined,
    getConfig: <T extends object>() => (spec.config ?? {}) as T,
    notApplicable: (reason?: string): never => {
      throw new Error(`notApplicable(${reason ?? ""})`);
    },
  };
}

/** Runs one policy's validation on one resource and returns the violation messages it reported. */
export async function violations(policy: ResourceValidationPolicy, spec: ResourceSpec): Promise<string[]> {
  const found: string[] = [];
  const report: ReportViolation = (message) => {
    found.push(message);
  };
  const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
  for (const validate of validations) await validate(resourceArgs(spec), report);
  return found;
}
