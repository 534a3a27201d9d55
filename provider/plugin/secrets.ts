/**
 * Secret values on the provider plugin's wire. A plugin that answers `Configure` with
 * `acceptSecrets` receives secret inputs wrapped as `{<sig key>: <secret sig>, value}` and must
 * return its own secret outputs wrapped the same way: the engine keeps exactly the markers a
 * plugin returns (the dynamic-provider host, which refuses secrets, is different).
 *
 * The two constants are part of Pulumi's resource-provider protocol (the same values as
 * `pulumi.runtime.specialSigKey` / `specialSecretSig`; a unit test checks that). They are
 * repeated here so that the plugin bundle does not load the whole `@pulumi/pulumi` SDK.
 */

/** The property that marks a special value on the wire. */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** The signature of a secret value. */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secret value as it travels between the engine and a plugin. */
export interface WireSecret {
  /** Always {@link SECRET_SIG}. */
  [SIG_KEY]: typeof SECRET_SIG;
  /** The plain value. */
  value: unknown;
}

type Props = Record<string, unknown>;

/** True for a wrapped secret. */
export function isWireSecret(value: unknown): value is WireSecret {
  return typeof value === "object" && value !== null && (value as Props)[SIG_KEY] === SECRET_SIG;
}

/** Wraps `value` as a secret (an already wrapped value is returned as is). */
export function wrapSecret(value: unknown): WireSecret {
  return isWireSecret(value) ? value : { [SIG_KEY]: SECRET_SIG, value };
}

/** Removes every secret wrapper, at any depth. */
export function unwrapDeep(value: unknown): unknown {
  if (isWireSecret(value)) return unwrapDeep(value.value);
  if (Array.isArray(value)) return value.map(unwrapDeep);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapDeep(v)]));
  }
  return value;
}

/** True if `value` is, or contains at any depth, a secret. */
export function containsSecret(value: unknown): boolean {
  if (isWireSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsSecret);
  return false;
}

/** A property bag with its secrets removed, and the top-level fields that held one. */
export interface RevealedProps {
  /** The same properties, every secret unwrapped. */
  plain: Props;
  /** Top-level fields whose value was, or contained, a secret. */
  secretFields: Set<string>;
}

/**
 * Unwraps the secrets of a property bag for the runtime (which works on plain values), and
 * remembers which fields were secret so the answer can mark them again.
 */
export function revealProps(props: Props | undefined): RevealedProps {
  const plain: Props = {};
  const secretFields = new Set<string>();
  for (const [k, v] of Object.entries(props ?? {})) {
    if (containsSecret(v)) secretFields.add(k);
    plain[k] = unwrapDeep(v);
  }
  return { plain, secretFields };
}

/**
 * Marks the given top-level fields of `props` as secret (fields that are absent stay absent).
 * A field is wrapped as a whole, which is how the engine stores a secret property.
 */
export function markSecret(props: Props, fields: Iterable<string>): Props {
  const out: Props = { ...props };
  for (const f of fields) {
    if (out[f] !== undefined) out[f] = wrapSecret(unwrapDeep(out[f]));
  }
  return out;
}
