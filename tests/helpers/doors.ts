/**
 * The two doors to the one runtime, driven the way the engine drives them: the dynamic provider
 * (the serialized shims `vastApiKeyProvider` / `rotatingVastApiKeyProvider`, exactly what the
 * dynamic-provider host calls) and the plugin's provider (`VastProvider`, addressed by URN, with
 * secrets on the wire). Tests written against {@link Door} run through both, so "the same inputs
 * give the same result through both doors" is checked rather than assumed.
 *
 * Answers are plain values: the plugin door unwraps its secret markers and reports which
 * top-level fields were secret in `secretFields`, so tests can also check what is secret.
 */
import type { CheckFailure, ResourceProvider } from "@pulumi/pulumi/dynamic";
import { rotatingVastApiKeyProvider, vastApiKeyProvider } from "pulumi-vast-api-keys";
import { checkProviderConfig, parseProviderConfig } from "../../dist/provider/plugin/config";
import { VastProvider } from "../../dist/provider/plugin/provider";
import { revealProps } from "../../dist/provider/plugin/secrets";

type Props = Record<string, unknown>;

/** The two resource types both doors serve. */
export type Kind = "ApiKey" | "RotatingApiKey";

/** Outputs as the engine records them. */
export interface DoorOutputs {
  outs: Props;
  /** Top-level outputs that came back secret (plugin door; the dynamic door's host adds them program-side). */
  secretFields: string[];
}

/** A created or read resource, as the engine records it. */
export interface DoorResult extends DoorOutputs {
  id: string;
}

/** One door to the runtime. */
export interface Door {
  /** "dynamic" or "plugin". */
  readonly name: "dynamic" | "plugin";
  /**
   * Outputs the program's resource class marks secret (`additionalSecretOutputs`), by type: the
   * dynamic door's only way to keep the key value secret. Empty for the plugin door, which marks
   * its secrets itself (a YAML program declares none).
   */
  readonly programSecretOutputs: Readonly<Record<Kind, readonly string[]>>;
  /** Hands stack config (`{"vast:apiKey": …}`, the whole stack config as the engine sends it). */
  configure(stackConfig: Record<string, string>): Promise<void>;
  /** Check, with the recorded inputs of the resource (`{}` for a new one). */
  check(kind: Kind, name: string, olds: Props, news: Props): Promise<{ inputs: Props; failures: CheckFailure[] }>;
  /** Diff of recorded outputs against checked inputs. */
  diff(kind: Kind, name: string, id: string, olds: Props, news: Props): Promise<{ changes: boolean; replaces: string[] }>;
  /** Create from checked inputs. */
  create(kind: Kind, name: string, inputs: Props): Promise<DoorResult>;
  /** Read (refresh with `props`, import without); `undefined` when gone. */
  read(kind: Kind, name: string, id: string, props?: Props): Promise<(DoorResult & { inputs?: Props }) | undefined>;
  /**
   * In-place update. A partial failure (`VAST_STEP_INCOMPLETE`) is rethrown with `properties` as
   * plain values and their secret fields in `secretFields`, as {@link partialOutputs} reads them.
   */
  update(kind: Kind, name: string, id: string, olds: Props, news: Props): Promise<DoorOutputs>;
  /** Delete. */
  delete(kind: Kind, name: string, id: string, props: Props): Promise<void>;
}

/** A `ConfigureRequest` as the dynamic-provider host builds it: the whole stack config. */
export function dynamicConfigureRequest(values: Record<string, string>) {
  return {
    config: {
      rawConfig: { ...values },
      get: (key: string) => values[key],
      require: (key: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`missing config ${key}`);
        return v;
      },
    },
  };
}

const providers: Record<Kind, ResourceProvider> = { ApiKey: vastApiKeyProvider, RotatingApiKey: rotatingVastApiKeyProvider };

/** The dynamic door: the serialized shims, as the dynamic-provider host calls them. */
export const dynamicDoor: Door = {
  name: "dynamic",
  // As `VastApiKey` and `RotatingVastApiKey` register themselves (provider/resource.ts, provider/rotating/resource.ts).
  programSecretOutputs: { ApiKey: ["key"], RotatingApiKey: ["current", "previous"] },
  async configure(stackConfig) {
    // One process serves both resource types; both shims' `configure` reach the same runtime.
    for (const p of Object.values(providers)) await p.configure?.(dynamicConfigureRequest(stackConfig));
  },
  async check(kind, _name, olds, news) {
    const r = await providers[kind].check?.(olds, news);
    return { inputs: (r?.inputs ?? news) as Props, failures: r?.failures ?? [] };
  },
  async diff(kind, _name, id, olds, news) {
    const r = await providers[kind].diff?.(id, olds, news);
    return { changes: r?.changes ?? false, replaces: r?.replaces ?? [] };
  },
  async create(kind, _name, inputs) {
    const r = await providers[kind].create(inputs);
    return { id: r.id, outs: r.outs as Props, secretFields: [] };
  },
  async read(kind, _name, id, props) {
    const r = await providers[kind].read?.(id, props);
    if (!r?.id) return undefined;
    return { id: r.id, outs: r.props as Props, secretFields: [], ...(r.inputs ? { inputs: r.inputs as Props } : {}) };
  },
  async update(kind, _name, id, olds, news) {
    const r = await providers[kind].update?.(id, olds, news);
    return { outs: (r?.outs ?? {}) as Props, secretFields: [] };
  },
  async delete(kind, _name, id, props) {
    await providers[kind].delete?.(id, props);
  },
};

const urn = (kind: Kind, name: string) => `urn:pulumi:test::seams::vast:index:${kind}::${name}`;

/** The plugin door: `VastProvider` as the plugin's gRPC server calls it, secrets and all. */
export function pluginDoor(): Door {
  const provider = new VastProvider({ version: "0.0.0-test", schema: "{}" });
  const plain = (props: Props | undefined) => revealProps(props).plain;
  const secretFields = (props: Props | undefined) => [...revealProps(props).secretFields].sort();
  return {
    name: "plugin",
    programSecretOutputs: { ApiKey: [], RotatingApiKey: [] },
    async configure(stackConfig) {
      // CheckConfig, then Configure, with the `vast:` namespace stripped as the engine does.
      const args = Object.fromEntries(
        Object.entries(stackConfig)
          .filter(([k]) => k.startsWith("vast:"))
          .map(([k, v]) => [k.slice(5), v]),
      );
      const failures = checkProviderConfig(args);
      if (failures.length) throw Object.assign(new Error(failures.map((f) => f.reason).join("; ")), { failures });
      await provider.configure(parseProviderConfig(args, new Map()));
    },
    async check(kind, name, olds, news) {
      const r = await provider.check(urn(kind, name), olds, news);
      return { inputs: r.inputs ?? news, failures: r.failures ?? [] };
    },
    async diff(kind, name, id, olds, news) {
      const r = await provider.diff(id, urn(kind, name), olds, news);
      return { changes: r.changes ?? false, replaces: r.replaces ?? [] };
    },
    async create(kind, name, inputs) {
      const r = await provider.create(urn(kind, name), inputs);
      return { id: r.id, outs: plain(r.outs), secretFields: secretFields(r.outs) };
    },
    async read(kind, name, id, props) {
      const r = await provider.read(id, urn(kind, name), props ?? {}, props ?? {});
      if (!r.id) return undefined;
      return { id: r.id, outs: plain(r.props), secretFields: secretFields(r.props), ...(r.inputs ? { inputs: plain(r.inputs) } : {}) };
    },
    async update(kind, name, id, olds, news) {
      try {
        const r = await provider.update(id, urn(kind, name), olds, news);
        return { outs: plain(r.outs), secretFields: secretFields(r.outs) };
      } catch (err) {
        const partial = partialOutputs(err);
        if (!partial) throw err;
        throw Object.assign(err as Error, { properties: partial.outs, secretFields: partial.secretFields });
      }
    },
    async delete(kind, name, id, props) {
      await provider.delete(id, urn(kind, name), props);
    },
  };
}

/**
 * The outputs a partial failure carries (`VastPartialUpdateError`: the engine records them), as
 * plain values with the fields that were secret on the wire; `undefined` for any other error.
 */
export function partialOutputs(err: unknown): DoorOutputs | undefined {
  const props = (err as { properties?: unknown } | null)?.properties;
  if (typeof props !== "object" || props === null) return undefined;
  const known = (err as { secretFields?: unknown }).secretFields;
  const revealed = revealProps(props as Props);
  return {
    outs: revealed.plain,
    secretFields: [...new Set([...revealed.secretFields, ...(Array.isArray(known) ? (known as string[]) : [])])].sort(),
  };
}

/** Both doors, for `describe.each`. */
export function bothDoors(): Array<[string, Door]> {
  return [
    ["dynamic door", dynamicDoor],
    ["plugin door", pluginDoor()],
  ];
}
