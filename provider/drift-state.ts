/**
 * What the drift check takes from Pulumi, as pure functions: the key resources of a stack's
 * exported state, stripped of key values, and what a refresh preview's engine events say about
 * each of them. The Automation API calls that produce both are in `drift-stacks.ts`.
 *
 * The Automation API's `exportStack` decrypts secrets (it runs `pulumi stack export
 * --show-secrets`); the check needs that for one thing only, the `createdAt` of a rotating key's
 * `current` key, which sits in a secret output. Values are dropped here, on arrival, so that no
 * report, message or later step can hold one.
 */
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ROTATING_KEY_TYPES, stateResources } from "./audit";
import { isKeyResourceType, type RefreshOutcome } from "./drift";
import { SIG_KEY } from "./plugin/secrets";

type Props = Record<string, unknown>;

/** What is left of a secret that cannot or must not be read. */
export const MASKED = "[secret]";

/** One key resource of a stack's state. */
export interface StoredKeyResource {
  /** The URN. */
  urn: string;
  /** The type token. */
  type: string;
  /** The resource id. */
  id: string;
  /** Its outputs without key values (see {@link withoutValues}). */
  stored: Props;
}

const isObject = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);

/** A secret in exported state or engine events: `{<sig key>: <sig>, plaintext | ciphertext}`. */
function isSecretEnvelope(v: unknown): v is Props {
  return isObject(v) && Object.hasOwn(v, SIG_KEY);
}

/** Every secret at any depth replaced by {@link MASKED}. */
function masked(value: unknown): unknown {
  if (isSecretEnvelope(value)) return MASKED;
  if (Array.isArray(value)) return value.map(masked);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, masked(v)]));
  return value;
}

/** A rotating key's `current` / `previous` without its value: `{keyId, name, createdAt}`, or masked. */
function keyRefWithoutValue(value: unknown): unknown {
  let plain = value;
  if (isSecretEnvelope(value)) {
    if (typeof value.plaintext !== "string") return MASKED;
    plain = JSON.parse(value.plaintext);
  }
  if (!isObject(plain)) return masked(plain);
  const { key: _value, ...ref } = plain;
  return masked(ref);
}

/**
 * A key resource's outputs without key values: `key` and the serialized provider dropped, a
 * rotating key's `current` / `previous` reduced to `{keyId, name, createdAt}` (read from decrypted
 * state when given), every other secret masked.
 */
export function withoutValues(type: string, outputs: Props): Props {
  const { key: _value, __provider: _provider, ...rest } = outputs;
  if (!ROTATING_KEY_TYPES.has(type)) return masked(rest) as Props;
  const { current, previous, ...others } = rest;
  return {
    ...(masked(others) as Props),
    ...(current === undefined ? {} : { current: keyRefWithoutValue(current) }),
    ...(previous === undefined ? {} : { previous: keyRefWithoutValue(previous) }),
  };
}

/** Recorded inputs as the check compares them: secrets masked, the serialized provider dropped. */
function inputsOf(inputs: Props): Props {
  const { __provider: _provider, ...rest } = inputs;
  return masked(rest) as Props;
}

/**
 * The key resources of a stack's exported state (the four key types; lookups and resources only
 * awaiting deletion left out), stripped of key values.
 * @throws Error naming `source` when the document is not a Pulumi state.
 */
export function keyResourcesOf(deployment: unknown, source: string): StoredKeyResource[] {
  return stateResources(deployment, source).flatMap((r) => {
    // Lookups (`VastApiKey.get`) are not managed; a resource pending deletion is the old copy of a
    // replaced one (same URN): the live copy speaks for it.
    if (!isKeyResourceType(r.type) || r.external || r.delete || !r.id) return [];
    return [{ urn: r.urn, type: r.type, id: r.id, stored: withoutValues(r.type, isObject(r.outputs) ? r.outputs : {}) }];
  });
}

/** Collects, from a refresh preview's engine events, what it did with each key resource and the errors it reported. */
export class RefreshEvents {
  private readonly outcomes = new Map<string, RefreshOutcome>();
  private readonly failures: string[] = [];

  /** Receives one engine event (pass it as the Automation API's `onEvent`). Keeps only what the check reads. */
  readonly onEvent = (event: EngineEvent): void => {
    const m = event.resOutputsEvent?.metadata;
    if (m && isKeyResourceType(m.type) && !m.old?.delete) {
      const state = m.new;
      this.outcomes.set(
        m.urn,
        m.op === "delete" || state === undefined
          ? { kind: "gone" }
          : { kind: "read", outputs: withoutValues(m.type, state.outputs ?? {}), inputs: inputsOf(state.inputs ?? {}) },
      );
    }
    const d = event.diagnosticEvent;
    if (d && d.severity === "error") {
      const where = d.urn ? `${d.urn.split("::").pop()}: ` : "";
      this.failures.push(`${where}${d.message.trim()}`);
    }
  };

  /** The errors the engine reported, one line each (resource name first when known). */
  errors(): string[] {
    return [...this.failures];
  }

  /**
   * What the refresh did with each of `urns`.
   * @throws Error naming the resources the preview said nothing about (never taken as "in sync").
   */
  outcomesFor(urns: readonly string[]): Map<string, RefreshOutcome> {
    const missing = urns.filter((u) => !this.outcomes.has(u));
    if (missing.length) throw new Error(`the refresh preview reported nothing for ${missing.join(", ")}`);
    return new Map(urns.map((u) => [u, this.outcomes.get(u) as RefreshOutcome]));
  }
}

/**
 * The lines of a failed Pulumi command worth showing: its `error:` lines from stderr (or its last
 * stderr lines). Never stdout, which holds decrypted state for `stack export --show-secrets` and
 * `config --show-secrets`. `text` is a `CommandError`'s message (`code: … stdout: … stderr: … err?: …`).
 */
export function commandFailure(text: string): string {
  const stderr = /\n stderr: ([\s\S]*?)\n err\?: /.exec(text)?.[1] ?? "";
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  const errors = lines.filter((l) => l.startsWith("error:"));
  const shown = errors.length ? errors : lines.slice(-3);
  return shown.length ? shown.join("; ") : "the Pulumi CLI failed without a message";
}
